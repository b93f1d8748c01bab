/**
 * End-user JWTs from a tenant's own identity provider: the checks both the proxy (invoke) and the
 * control plane (credential connect) apply. The only I/O, fetching JWKS, is the factory each app passes.
 *
 * Invariants: only asymmetric algorithms are accepted (an HS256 token signed with a public key is the
 * classic confusion attack); the token's `iss` must name one of the tenant's trusted issuers and its
 * `aud` that issuer's audience, both checked by the verifier; the end user is the `sub` claim.
 */
import { jwtVerify, type JWTVerifyGetKey } from 'jose';

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

/** Resolves a JWKS URI to a key set; apps pass jose's `createRemoteJWKSet` (the only I/O involved). */
export type KeySetFactory = (jwksUri: string) => JWTVerifyGetKey;

/**
 * Verifies an end user's JWT against a tenant's trusted issuers: signature by the issuer's JWKS,
 * `iss` and `aud` exact, asymmetric algorithms only, then the end user from the claims. One key set
 * per JWKS URI is kept, so keys are fetched once and refetched only on an unknown `kid`.
 */
export class UserJwtVerifier {
  private readonly sets = new Map<string, JWTVerifyGetKey>();
  constructor(private readonly keySetFor: KeySetFactory) {}

  async verify(token: string, issuers: readonly TrustedIssuerRef[]): Promise<EndUser | null> {
    for (const issuer of issuersFor(issuers, unverifiedIssuer(token))) {
      try {
        const { payload } = await jwtVerify(token, this.keySet(issuer.jwksUri), {
          issuer: issuer.issuer,
          audience: issuer.audience,
          algorithms: [...USER_JWT_ALGORITHMS],
          clockTolerance: 5,
        });
        const user = endUserFromClaims(payload);
        if (user) return user;
      } catch {
        /* not this issuer entry (another audience, or a bad token): try the next */
      }
    }
    return null;
  }

  private keySet(uri: string): JWTVerifyGetKey {
    let set = this.sets.get(uri);
    if (!set) {
      if (this.sets.size >= 1000) this.sets.clear();
      set = this.keySetFor(uri);
      this.sets.set(uri, set);
    }
    return set;
  }
}
