/**
 * The agent wallet (MCP at `/mcp` on the proxy): its stamp event, its Redis keys, and the internal
 * control-plane endpoints the proxy calls for everything that lives in Postgres (chain heads, stamps,
 * workrooms), since the proxy never touches Postgres.
 *
 * Redis (every command touches one key, so the layout is valid on Redis Cluster):
 *   <p>:wallet:session:<sessionId>              WalletSession (JSON), expires after the idle TTL
 *   <p>:wallet:agent-sessions:<agentId>         SET of the agent's session ids (the kill switch ends them all)
 *   <p>:wallet:session-locks:<sessionId>        SET of lock resources the session holds (released when it ends)
 *   <p>:wallet:lock:<tenantId>:<sha256(resource)>  WalletLock (JSON), PX = the lock's TTL
 *   <p>:wallet:locks:<tenantId>                 ZSET resource → expiry (ms), the tenant's lock index for lock_list
 */
import type { AuthKind } from './queues.js';

export const WALLET_INTERNAL_PATH = '/internal/v1/wallet';

export const WORKROOM_KINDS = ['announce_intent', 'share_update', 'request_sync'] as const;
export type WorkroomKind = (typeof WORKROOM_KINDS)[number];

export type WalletTransport = 'streamable_http' | 'sse';

/**
 * One wallet event on the agent's chain: a new MCP session (`authenticate`) or one tool call. Names,
 * digests and outcomes only: tool arguments are never copied, except the few facts a tool exists to
 * record (an artifact's name and SHA-256, a workroom message's seq and body digest, a lock's resource).
 */
export interface WalletStampEvent {
  type: 'mcp';
  server: 'wallet';
  requestId: string;
  tenantId: string;
  agentId: string;
  userId: string | null;
  authKind: AuthKind;
  sessionId: string;
  transport: WalletTransport;
  action: 'authenticate' | 'tool_call';
  tool: string | null;
  outcome: 'ok' | 'error';
  /** for an error: its code (`bad_request`, `forbidden`, ...), never a message that could echo input */
  error: string | null;
  startedAt: string;
  durationMs: number;
  details: Record<string, string | number | boolean | null> | null;
}

export interface WalletSession {
  id: string;
  tenantId: string;
  agentId: string;
  userId: string | null;
  email: string | null;
  roles: string[];
  authKind: AuthKind;
  transport: WalletTransport;
  createdAt: string;
}

export interface WalletLock {
  resource: string;
  tenantId: string;
  agentId: string;
  agentName: string;
  sessionId: string;
  userId: string | null;
  acquiredAt: string;
  expiresAt: string;
}

export interface WalletKeys {
  session(sessionId: string): string;
  agentSessions(agentId: string): string;
  sessionLocks(sessionId: string): string;
  lock(tenantId: string, resourceHash: string): string;
  lockIndex(tenantId: string): string;
}

export function walletKeys(prefix: string): WalletKeys {
  return {
    session: (id) => `${prefix}:wallet:session:${id}`,
    agentSessions: (agentId) => `${prefix}:wallet:agent-sessions:${agentId}`,
    sessionLocks: (id) => `${prefix}:wallet:session-locks:${id}`,
    lock: (tenantId, hash) => `${prefix}:wallet:lock:${tenantId}:${hash}`,
    lockIndex: (tenantId) => `${prefix}:wallet:locks:${tenantId}`,
  };
}

/* ---- internal control-plane endpoints: `${WALLET_INTERNAL_PATH}/tenants/:tenantId/agents/:agentId/…` ---- */

export interface ChainHeadView {
  seq: number;
  stateHash: string;
}

export interface WalletStampView {
  seq: number;
  requestId: string;
  type: string;
  stateHash: string;
  createdAt: string;
  event: unknown;
}

export interface ArtifactView {
  agentId: string;
  name: string;
  sha256: string;
  requestId: string;
  seq: number;
  stateHash: string;
  registeredAt: string;
  /** the chain recomputes from genesis up to this entry */
  chainValid: boolean;
}

export interface WorkroomView {
  id: string;
  name: string;
  createdAt: string;
  members: { agentId: string; name: string | null; joinedAt: string }[];
  joined: boolean;
  lastSeq: number;
}

export interface WorkroomMessageView {
  seq: number;
  workroom: string;
  agentId: string;
  agentName: string | null;
  userId: string | null;
  kind: WorkroomKind;
  body: string;
  /** the request id of the poster's chain entry that stamped this message */
  requestId: string;
  createdAt: string;
}

export interface WorkroomReadView {
  workroom: string;
  messages: WorkroomMessageView[];
  /** pass back as `cursor` to read only what came after */
  cursor: number;
  /** `request_sync` posts by other members among `messages`: they ask you to answer with your state */
  syncRequests: WorkroomMessageView[];
}

export interface WorkroomPostView {
  message: WorkroomMessageView;
  /** members other than the poster (a request_sync is delivered to them) */
  otherMembers: string[];
}
