/** Queue names and job payloads shared by producers (proxy, control plane) and the worker. */
import type { ProviderKind } from '@portcullis/domain';
import type { WalletStampEvent } from './wallet.js';

export const QUEUES = {
  stamps: 'stamps',
  leases: 'leases',
  /** one ProxyPatternEvent per vault proxy call; the worker aggregates learned call patterns */
  patterns: 'patterns',
  /** one delayed DynamicLeaseExpiryJob per dynamic-secret checkout */
  dynamicLeases: 'dynamic-leases',
} as const;

export type AuthKind = 'user_jwt' | 'api_key_jwt' | 'api_key_user_id' | 'runtime_token' | 'session_token' | 'admin';

/** One proxied request, as the proxy saw it. Metadata and digests only: never bodies, headers or tokens. */
export interface RequestStampEvent {
  type: 'request';
  requestId: string;
  tenantId: string;
  agentId: string;
  userId: string | null;
  authKind: AuthKind;
  method: string;
  path: string;
  status: number;
  bytesIn: number;
  bytesOut: number;
  startedAt: string;
  durationMs: number;
  upstreamMs: number | null;
  /** Origin of the upstream that served the request (scheme://host:port), never a URL with secrets. */
  upstream: string;
  /** Hex SHA-256 of the request and response bodies, computed while streaming; null when empty. */
  requestDigest: string | null;
  responseDigest: string | null;
  /** Calls through `/mcp/servers/:id`: the server and each JSON-RPC method (and tool name) sent, never arguments. */
  mcp?: McpCallSummary;
  /** Calls on the LLM provider routes: which provider, the model and the token usage the answer reported. */
  llm?: LlmCallSummary;
}

export interface LlmCallSummary {
  /** The provider kind the call went to. */
  provider: ProviderKind;
  /** The route family called: `chat.completions`, `messages`, `embeddings`, `ollama`, `azure`, … */
  route: string;
  /** The model the answer named (or the Azure deployment); null when it named none. */
  model: string | null;
  /** Tokens the answer reported (JSON `usage`, or the final events of a stream); null when it reported none. */
  usage: { inputTokens: number; outputTokens: number; totalTokens: number } | null;
  /** The caller chose an upstream from the agent's allowed list (`X-Portcullis-Upstream`). */
  selectedUpstream?: true;
  /** The caller brought its own provider key (`X-Portcullis-Provider-Key`). */
  ownKey?: true;
}

export interface McpCallSummary {
  serverId: string;
  /** One entry per JSON-RPC message in the request body, in order (a batch has several). */
  calls: { method: string; tool?: string; refused?: true }[];
}

/** An admin action on an agent. `jobId` is unique per action so a replay adds nothing. */
export interface AdminStampEvent {
  type: 'admin';
  requestId: string;
  tenantId: string;
  agentId: string;
  action:
    | 'created'
    | 'updated'
    | 'disabled'
    | 'enabled'
    | 'token_regenerated'
    | 'deleted'
    | 'credentials_changed'
    | 'mcp_server_granted'
    | 'mcp_server_changed'
    | 'mcp_server_revoked';
  actor: string;
  at: string;
  changes?: string[];
  /** the MCP server an `mcp_server_*` action is about */
  mcpServerId?: string;
}

/** A vault action by an AppRole bound to an agent. Paths and capabilities only, never values. */
export interface VaultStampEvent {
  type: 'vault';
  requestId: string;
  tenantId: string;
  agentId: string;
  approleId: string;
  action: string;
  /** the secret path; for a proxy call that used several secrets, their paths joined by `,` */
  path: string | null;
  at: string;
  /** proxy calls only: what was called and how it ended (no URL, header or body: they may hold values) */
  request?: { method: string; host: string; status: number };
  /** actions taken through the vault's MCP endpoint (POST /v1/mcp): the tool that was called */
  tool?: string;
}

/**
 * Everything that lands on an agent's chain. The worker treats events generically: it hashes the
 * canonical JSON of whatever event it is given, so a new event type needs no worker change.
 */
export type StampEvent = RequestStampEvent | AdminStampEvent | VaultStampEvent | WalletStampEvent;

/**
 * A job on QUEUES.stamps carries one StampEvent, or a pack of them: the proxy sends everything one
 * flush collected as a single job, since BullMQ's per-job work (two Lua scripts, serialising and
 * parsing) costs more than appending the stamp itself. Idempotence does not rest on the job id: the
 * worker skips a request id already on the agent's chain, so a pack sent twice adds nothing.
 */
export interface StampPack {
  events: StampEvent[];
}

/** A pack's job id: derived from its first event, so the same pack replayed (a spool drain cut short) is one job. */
export function stampPackJobId(events: readonly Pick<StampEvent, 'requestId'>[]): string {
  return `pack-${events[0]?.requestId ?? 'empty'}-${events.length}`;
}

/** Events as `addBulk` jobs packed the way the proxy packs a flush (benchmarks and specs enqueue with it). */
export function stampPackJobs<E extends Pick<StampEvent, 'requestId'>>(
  events: readonly E[],
  perPack = 200,
): { name: 'pack'; data: { events: E[] }; opts: { jobId: string; removeOnComplete: true } }[] {
  const jobs = [];
  for (let i = 0; i < events.length; i += perPack) {
    const pack = events.slice(i, i + perPack);
    jobs.push({ name: 'pack' as const, data: { events: pack }, opts: { jobId: stampPackJobId(pack), removeOnComplete: true as const } });
  }
  return jobs;
}

/** A lease's expiry: a delayed job on QUEUES.leases, job id `lease-<leaseId>`, due at the lease's end. */
export interface LeaseExpiryJob {
  leaseId: string;
  tenantId: string;
}

/**
 * One vault proxy call, as the agent wrote it (placeholders, never values): the worker folds it into
 * the learned pattern of each secret path used. `success` is an upstream status below 400; a failure
 * only counts against a pattern that already exists. The job id is a fresh uuid.
 */
export interface ProxyPatternEvent {
  tenantId: string;
  secretPaths: string[];
  /** who made the call (approle:<id>, user:<id>, api-key:<id>) */
  holder: string;
  method: string;
  urlTemplate: string;
  host: string;
  requestHeaders: string[];
  requestSchema: Record<string, string> | null;
  responseStatus: number;
  responseSchema: Record<string, string> | null;
  success: boolean;
  at: string;
}

/** A dynamic credential's end: a delayed job on QUEUES.dynamicLeases, job id `dynamic-lease-<leaseId>`. */
export interface DynamicLeaseExpiryJob {
  leaseId: string;
  tenantId: string;
}
