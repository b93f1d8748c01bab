/**
 * Verifies an end user's JWT against the tenant's trusted issuers (claim rules in @portcullis/domain).
 * Each JWKS URI gets one jose remote key set, which caches keys and refetches on an unknown kid.
 */
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { endUserFromClaims, issuersFor, unverifiedIssuer, USER_JWT_ALGORITHMS, type EndUser, type TrustedIssuerRef } from '@portcullis/domain';

export class UserJwtVerifier {
  private readonly sets = new Map<string, JWTVerifyGetKey>();

  /** The end user, or null when no trusted issuer of the tenant vouches for the token. */
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
        /* try the issuer's next audience */
      }
    }
    return null;
  }

  private keySet(uri: string): JWTVerifyGetKey {
    let set = this.sets.get(uri);
    if (!set) {
      set = createRemoteJWKSet(new URL(uri), { timeoutDuration: 3000, cooldownDuration: 10_000, cacheMaxAge: 600_000 });
      if (this.sets.size > 1000) this.sets.clear();
      this.sets.set(uri, set);
    }
    return set;
  }
}
