/** What crosses HTTP between processes and callers: the error body and the header names. */

export interface ErrorBody {
  error: string;
  request_id: string;
  [extra: string]: unknown;
}

export const HEADERS = {
  requestId: 'x-request-id',
  gatewayRequestId: 'x-gateway-request-id',
  gatewayAgentId: 'x-gateway-agent-id',
  gatewaySessionToken: 'x-gateway-session-token',
  userId: 'x-user-id',
  endUserId: 'x-end-user-id',
  endUserEmail: 'x-end-user-email',
  endUserRoles: 'x-end-user-roles',
  tenantId: 'x-tenant-id',
  agentId: 'x-agent-id',
  credentialPrefix: 'x-credential-',
  /** A tenant API key on invoke, when Authorization carries the user's JWT. */
  apiKey: 'x-api-key',
} as const;

/** Where a missing-credential 401 sends the end user (on the control plane). */
export const CONNECT_PATH = '/api/v1/credentials/connect';
export const JWKS_PATH = '/.well-known/jwks.json';

/** Internal endpoint a proxy calls to have the control plane rewrite a missing snapshot. */
export const REPUBLISH_PATH = '/internal/v1/republish';
