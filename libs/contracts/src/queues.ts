/** Queue names and job payloads shared by producers (proxy, control plane) and the worker. */

export const QUEUES = {
  stamps: 'stamps',
  leases: 'leases',
} as const;

export type AuthKind = 'user_jwt' | 'api_key_jwt' | 'api_key_user_id' | 'runtime_token' | 'admin';

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
}

/** An admin action on an agent. `jobId` is unique per action so a replay adds nothing. */
export interface AdminStampEvent {
  type: 'admin';
  requestId: string;
  tenantId: string;
  agentId: string;
  action: 'created' | 'updated' | 'disabled' | 'enabled' | 'token_regenerated' | 'deleted' | 'credentials_changed';
  actor: string;
  at: string;
  changes?: string[];
}

/** A vault action by an AppRole bound to an agent. Paths and capabilities only, never values. */
export interface VaultStampEvent {
  type: 'vault';
  requestId: string;
  tenantId: string;
  agentId: string;
  approleId: string;
  action: string;
  path: string | null;
  at: string;
}

/**
 * Everything that lands on an agent's chain. The worker treats events generically: it hashes the
 * canonical JSON of whatever event it is given, so a new event type needs no worker change.
 */
export type StampEvent = RequestStampEvent | AdminStampEvent | VaultStampEvent;

/** A lease's expiry: a delayed job on QUEUES.leases, job id `lease-<leaseId>`, due at the lease's end. */
export interface LeaseExpiryJob {
  leaseId: string;
  tenantId: string;
}
