/** Shapes of what the control plane writes to Redis for the data plane (see redis.ts for keys). */

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
  /** Increases on every change; a cache never replaces a newer snapshot with an older one. */
  version: number;
  updatedAt: string;
}

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
  updatedAt: string;
}

/** What every subscriber drops from its cache. `all` follows a full republish. */
export type Invalidation =
  | { kind: 'agent'; agentId: string; tenantId: string; version: number; status: AgentStatus | 'deleted' }
  | { kind: 'token'; tokenHash: string }
  | { kind: 'credential'; tenantId: string; userId: string | null; serviceType: string }
  | { kind: 'tenant'; tenantId: string }
  | { kind: 'session-keys' }
  | { kind: 'all' };
