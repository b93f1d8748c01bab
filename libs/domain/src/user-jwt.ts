/**
 * End-user JWTs from a tenant's own identity provider: the checks both the proxy (invoke) and the
 * control plane (credential connect) apply, without the I/O (each app fetches JWKS with jose).
 *
 * Invariants: only asymmetric algorithms are accepted (an HS256 token signed with a public key is the
 * classic confusion attack); the token's `iss` must name one of the tenant's trusted issuers and its
 * `aud` that issuer's audience, both checked by the verifier; the end user is the `sub` claim.
 */
export const USER_JWT_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;

export interface TrustedIssuerRef {
  issuer: string;
  jwksUri: string;
  audience: string;
}

export interface EndUser {
  id: string;
  email: string | null;
  roles: string[];
}

const USER_ID = /^[\w@.:|+-]{1,200}$/;

/** The `iss` of a compact JWS without verifying anything, or null when it is not one. */
export function unverifiedIssuer(token: string): string | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    const iss = (payload as { iss?: unknown } | null)?.iss;
    return typeof iss === 'string' ? iss : null;
  } catch {
    return null;
  }
}

/** The tenant's trusted issuers that may have signed a token claiming `iss` (one per audience). */
export function issuersFor<T extends TrustedIssuerRef>(issuers: readonly T[], iss: string | null): T[] {
  return iss === null ? [] : issuers.filter((i) => i.issuer === iss);
}

/** The end user named by verified claims, or null when `sub` is missing or unusable as a user id. */
export function endUserFromClaims(claims: Record<string, unknown>): EndUser | null {
  const sub = claims.sub;
  if (typeof sub !== 'string' || !USER_ID.test(sub)) return null;
  const email = typeof claims.email === 'string' ? claims.email : null;
  const raw = Array.isArray(claims.roles) ? claims.roles : Array.isArray(claims.groups) ? claims.groups : [];
  const roles = raw.filter((r): r is string => typeof r === 'string' && /^[\w:.-]{1,100}$/.test(r)).slice(0, 50);
  return { id: sub, email, roles };
}

/** X-User-Id values accepted alongside an API key: the same shape as a credential's user id. */
export function isUserId(value: string): boolean {
  return USER_ID.test(value);
}
