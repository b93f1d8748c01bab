/**
 * The Redis key layout: what the control plane writes and the data plane reads. Defined once here.
 *
 * Every key lives under one prefix (per deployment, per test run). No command touches keys of two
 * agents or tenants at once, so the layout is valid on Redis Cluster. Everything secret in a value is
 * sealed under the data-plane key (`sealWithKey`); nothing here is usable plaintext.
 *
 *   <p>:agent:<agentId>                           AgentSnapshot (JSON)
 *   <p>:token:<sha256(token)>                     TokenIndexEntry (JSON) for art_ tokens and pk_ keys
 *   <p>:cred:<tenantId>:<userId|*>:<serviceType>  CredentialSnapshot (JSON)
 *   <p>:tenant:<tenantId>                         TenantSnapshot (JSON): status and trusted issuers
 *   <p>:session-keys                              SessionKeysSnapshot (JSON)
 *   <p>:mcp-server:<serverId>                     McpServerSnapshot (JSON)
 *   <p>:rl:<agentId>:<window>                     per-agent rate-limit counter (INCR, expires with the window)
 *   <p>:budget:<agentId>:<windowId>               per-agent LLM budget counters (HASH requests/tokens, expires with the window)
 *   <p>:vrl:<client address>:<minute>             public /v1/verify calls by one client (INCR, expires with the minute)
 *   <p>:invalidate                                pub/sub channel carrying Invalidation messages
 */
export const DEFAULT_REDIS_PREFIX = 'portcullis';

/** Stand-in for "no user" in credential keys: the tenant-wide credential. */
export const TENANT_WIDE = '*';

export interface RedisKeys {
  readonly prefix: string;
  agent(agentId: string): string;
  token(tokenHash: string): string;
  credential(tenantId: string, userId: string | null, serviceType: string): string;
  tenant(tenantId: string): string;
  readonly sessionKeys: string;
  readonly invalidationChannel: string;
  rateLimit(agentId: string, window: number): string;
  publicVerifyLimit(client: string, minute: number): string;
  /** `windowId` from @portcullis/domain, e.g. `minute:2026-11-22T10:31`. */
  budget(agentId: string, windowId: string): string;
  mcpServer(serverId: string): string;
}

export function redisKeys(prefix: string = DEFAULT_REDIS_PREFIX): RedisKeys {
  return {
    prefix,
    agent: (agentId) => `${prefix}:agent:${agentId}`,
    token: (tokenHash) => `${prefix}:token:${tokenHash}`,
    credential: (tenantId, userId, serviceType) => `${prefix}:cred:${tenantId}:${userId ?? TENANT_WIDE}:${serviceType}`,
    tenant: (tenantId) => `${prefix}:tenant:${tenantId}`,
    sessionKeys: `${prefix}:session-keys`,
    invalidationChannel: `${prefix}:invalidate`,
    rateLimit: (agentId, window) => `${prefix}:rl:${agentId}:${window}`,
    publicVerifyLimit: (client, minute) => `${prefix}:vrl:${client}:${minute}`,
    budget: (agentId, windowId) => `${prefix}:budget:${agentId}:${windowId}`,
    mcpServer: (serverId) => `${prefix}:mcp-server:${serverId}`,
  };
}

/** The BullMQ prefix: one hash tag so every queue key lands in one Cluster slot. */
export function queuePrefix(prefix: string = DEFAULT_REDIS_PREFIX): string {
  return `{${prefix}}`;
}
