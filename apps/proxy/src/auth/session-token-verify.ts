/**
 * Verifies an `X-Gateway-Session-Token` the proxy itself minted: signature against the session keys in
 * the config cache (every key still in the JWKS, so tokens signed just before a rotation stay valid),
 * issuer, expiry, and audience = the agent that presents it.
 */
import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet } from 'jose';
import { SESSION_TOKEN_ISSUER, type SessionTokenClaims } from '@portcullis/contracts';
import type { SessionKeys } from '../config-cache/config-cache.js';

type KeySet = ReturnType<typeof createLocalJWKSet>;

/** One key set per JWKS text: built again only when the session keys change. */
let cached: { jwks: string; set: KeySet } | null = null;

function keySet(keys: SessionKeys): KeySet {
  if (cached?.jwks !== keys.jwks) cached = { jwks: keys.jwks, set: createLocalJWKSet(JSON.parse(keys.jwks) as JSONWebKeySet) };
  return cached.set;
}

/** The claims when the token is valid for `agentId`; null for any invalid, expired or foreign token. */
export async function verifySessionToken(token: string, agentId: string, keys: SessionKeys): Promise<SessionTokenClaims | null> {
  try {
    const { payload } = await jwtVerify(token, keySet(keys), {
      issuer: SESSION_TOKEN_ISSUER,
      audience: agentId,
      algorithms: ['EdDSA', 'ES256'],
    });
    const claims = payload as unknown as SessionTokenClaims;
    return claims.agent_id === agentId && typeof claims.tenant_id === 'string' ? claims : null;
  } catch (err) {
    if (err instanceof errors.JOSEError) return null;
    throw err;
  }
}
