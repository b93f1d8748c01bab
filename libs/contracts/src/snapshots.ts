/** Shapes of what the control plane writes to Redis for the data plane (see redis.ts for keys). */
import type { BudgetLimit, ProviderKind } from '@portcullis/domain';

export type { BudgetLimit, ProviderKind };

export type AgentStatus = 'active' | 'disabled';

export interface RequiredCredential {
  serviceType: string;
}

export interface AgentRateLimit {
  /** Requests allowed per window, counted across all proxy pods. */
  requests: number;
  windowSeconds: number;
}

export interface AgentSnapshot {
  id: string;
  tenantId: string;
  name: string;
  status: AgentStatus;
  /**
   * SHA-256 of the current runtime token. A token-index entry only authenticates when it names this
   * hash, so a stale index entry left by a racing rotation can never let an old token in.
   */
  tokenHash: string;
  upstreamUrl: string;
  requiredCredentials: RequiredCredential[];
  /** Upstream secret sealed under the data-plane key, sent as `Authorization: Bearer`. */
  sealedUpstreamSecret: string | null;
  rateLimit: AgentRateLimit | null;
  /** The agent's own LLM provider; null means the tenant's default provider (if any). */
  provider: ProviderSnapshot | null;
  /**
   * Base URLs a caller may pick with `X-Portcullis-Upstream` instead of the provider's base URL; the
   * provider's kind and key go with them. Nothing outside this list (and the provider's own base URL).
   */
  allowedUpstreams: string[];
  /** Requests / tokens per UTC window, on every LLM route, counted across pods in Redis. */
  budgets: BudgetLimit[];
  /** Increases on every change; a cache never replaces a newer snapshot with an older one. */
  version: number;
  updatedAt: string;
}

/** An LLM provider as the data plane sees it (an agent's own, or a tenant's default). */
export interface ProviderSnapshot {
  kind: ProviderKind;
  /** e.g. `https://api.openai.com/v1`, `https://api.anthropic.com`, `http://127.0.0.1:11434`. */
  baseUrl: string;
  /**
   * The provider key sealed under the data-plane key with aad `providerKeyAad(ownerId)` (the agent's
   * id, or the tenant's id for a tenant default); null for a keyless local model.
   */
  sealedApiKey: string | null;
}

/** Associated data binding a sealed provider key to the agent or tenant that owns it. */
export const providerKeyAad = (ownerId: string): string => `provider-key:${ownerId}`;

export type TokenIndexEntry =
  | { kind: 'runtime'; tenantId: string; agentId: string }
  | { kind: 'apiKey'; tenantId: string; apiKeyId: string; role: 'admin' | 'creator' | 'member' };

export interface CredentialSnapshot {
  id: string;
  tenantId: string;
  userId: string | null;
  serviceType: string;
  /** The credential value sealed under the data-plane key. */
  sealedValue: string;
  updatedAt: string;
}

export interface IssuerSnapshot {
  id: string;
  issuer: string;
  jwksUri: string;
  audience: string;
}

export interface TenantSnapshot {
  id: string;
  slug: string;
  status: 'active' | 'suspended';
  issuers: IssuerSnapshot[];
  /** The provider an agent without its own uses on the LLM routes; null for none. */
  defaultProvider: ProviderSnapshot | null;
  /** Whether callers may bring their own provider key in `X-Portcullis-Provider-Key` (off by default). */
  allowProviderKeys: boolean;
  updatedAt: string;
}

/** What every subscriber drops from its cache. `all` follows a full republish. */
export type Invalidation =
  | { kind: 'agent'; agentId: string; tenantId: string; version: number; status: AgentStatus | 'deleted' }
  | { kind: 'token'; tokenHash: string }
  | { kind: 'credential'; tenantId: string; userId: string | null; serviceType: string }
  | { kind: 'tenant'; tenantId: string }
  | { kind: 'session-keys' }
  | { kind: 'mcp-server'; serverId: string; tenantId: string; version: number; status: 'active' | 'deleted' }
  | { kind: 'all' };

/**
 * An upstream MCP server a tenant registered, reached by runtimes at `/mcp/servers/:id` on the proxy.
 * Nothing secret: the credentials it needs are resolved per call like an agent's.
 */
export interface McpServerSnapshot {
  id: string;
  tenantId: string;
  name: string;
  url: string;
  requiredCredentials: RequiredCredential[];
  /** true: every agent of the tenant may call it; else only those in `agentIds`. */
  allAgents: boolean;
  agentIds: string[];
  /** Tool names a runtime may see and call; null means every tool the server offers. */
  allowedTools: string[] | null;
  /** Increases on every change; a cache never replaces a newer snapshot with an older one. */
  version: number;
  updatedAt: string;
}

/** One session-token signing key as the data plane sees it. */
export interface SessionKeySnapshot {
  kid: string;
  alg: 'EdDSA' | 'ES256';
  /** Public half as a JWK (kty/crv/x[/y]); what `/.well-known/jwks.json` serves. */
  publicJwk: Record<string, string>;
  /**
   * PKCS#8 PEM of the private half sealed under the data-plane key with aad `sessionKeyAad(kid)`;
   * present only for the active key (retired keys are kept for verification only).
   */
  sealedPrivateKey: string | null;
  createdAt: string;
  retiredAt: string | null;
}

/**
 * The gateway's session-token keys: proxies sign with `activeKid`; every listed key stays in the JWKS
 * until the tokens it signed have expired.
 */
export interface SessionKeysSnapshot {
  activeKid: string;
  keys: SessionKeySnapshot[];
  updatedAt: string;
}

/** Associated data binding a sealed session private key to its kid. */
export const sessionKeyAad = (kid: string): string => `session-key:${kid}`;

/** Claims of `X-Gateway-Session-Token` (plus the registered iss, sub, aud, iat, exp, jti). */
export interface SessionTokenClaims {
  iss: string;
  /** The end user's id, or `agent:<agentId>` when a runtime token called without a user. */
  sub: string;
  /**
   * The agent id: a runtime checks that the token was minted for it. Toward an upstream MCP server it
   * is `mcp-server:<serverId>`, so the server cannot present it back to the gateway as the agent.
   */
  aud: string;
  iat: number;
  exp: number;
  /** The request id, also sent as X-Gateway-Request-ID. */
  jti: string;
  tenant_id: string;
  agent_id: string;
  user_id: string | null;
  email: string | null;
  roles: string[];
  auth_kind: string;
}

/** `iss` of every session token the gateway mints. */
export const SESSION_TOKEN_ISSUER = 'portcullis-gateway';
