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
} as const;

/** Internal endpoint a proxy calls to have the control plane rewrite a missing snapshot. */
export const REPUBLISH_PATH = '/internal/v1/republish';
