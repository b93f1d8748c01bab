/**
 * Mints `X-Gateway-Session-Token`: a compact JWS (EdDSA or ES256) over SessionTokenClaims, signed with
 * the control plane's active key. The header is encoded once per key; per request only the payload is
 * serialised and signed, with node:crypto directly (no per-request key import).
 */
import { sign, verify } from 'node:crypto';
import { SESSION_TOKEN_ISSUER, type SessionTokenClaims } from '@portcullis/contracts';
import type { SessionKeys, SessionSigner } from '../config-cache/config-cache.js';

export interface SessionSubject {
  tenantId: string;
  agentId: string;
  userId: string | null;
  email: string | null;
  roles: string[];
  authKind: string;
  requestId: string;
  /** `aud` when the token goes to someone other than the agent's runtime (an MCP server); default the agent id. */
  audience?: string;
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
    aud: s.audience ?? s.agentId,
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

/**
 * Checks a session token a runtime sends back (MCP routing: `X-Agent-Id` + `X-Gateway-Session-Token`):
 * signed by one of the gateway's keys in the JWKS, issued by the gateway, not expired, and minted for
 * `agentId`. Returns the claims, or null for anything else (the caller answers a uniform 401).
 */
export function verifySessionToken(
  token: string,
  keys: SessionKeys,
  agentId: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): SessionTokenClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3 || token.length > 8192) return null;
  const [h, p, sig] = parts as [string, string, string];
  let header: { alg?: unknown; kid?: unknown };
  let claims: SessionTokenClaims;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: unknown; kid?: unknown };
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as SessionTokenClaims;
  } catch {
    return null;
  }
  const k = typeof header.kid === 'string' ? keys.verifiers.get(header.kid) : undefined;
  if (!k || header.alg !== k.alg) return null;
  const input = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(sig, 'base64url');
  const ok =
    k.alg === 'ES256'
      ? verify('sha256', input, { key: k.key, dsaEncoding: 'ieee-p1363' }, signature)
      : verify(null, input, k.key, signature);
  if (!ok || typeof claims !== 'object' || claims === null) return null;
  if (claims.iss !== SESSION_TOKEN_ISSUER || claims.aud !== agentId || claims.agent_id !== agentId) return null;
  if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds || typeof claims.tenant_id !== 'string') return null;
  return claims;
}
