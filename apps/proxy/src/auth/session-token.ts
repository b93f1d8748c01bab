/**
 * Mints `X-Gateway-Session-Token`: a compact JWS (EdDSA or ES256) over SessionTokenClaims, signed with
 * the control plane's active key. The header is encoded once per key; per request only the payload is
 * serialised and signed, with node:crypto directly (no per-request key import).
 */
import { sign } from 'node:crypto';
import { SESSION_TOKEN_ISSUER, type SessionTokenClaims } from '@portcullis/contracts';
import type { SessionSigner } from '../config-cache/config-cache.js';

export interface SessionSubject {
  tenantId: string;
  agentId: string;
  userId: string | null;
  email: string | null;
  roles: string[];
  authKind: string;
  requestId: string;
}

export function mintSessionToken(
  signer: SessionSigner,
  s: SessionSubject,
  ttlSeconds: number,
  nowSeconds = Math.floor(Date.now() / 1000),
): string {
  const claims: SessionTokenClaims = {
    iss: SESSION_TOKEN_ISSUER,
    sub: s.userId ?? `agent:${s.agentId}`,
    aud: s.agentId,
    iat: nowSeconds,
    exp: nowSeconds + ttlSeconds,
    jti: s.requestId,
    tenant_id: s.tenantId,
    agent_id: s.agentId,
    user_id: s.userId,
    email: s.email,
    roles: s.roles,
    auth_kind: s.authKind,
  };
  const input = `${signer.encodedHeader}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  // ES256 in JWS is the raw r||s pair, not DER.
  const signature =
    signer.alg === 'ES256'
      ? sign('sha256', Buffer.from(input), { key: signer.key, dsaEncoding: 'ieee-p1363' })
      : sign(null, Buffer.from(input), signer.key);
  return `${input}.${signature.toString('base64url')}`;
}
