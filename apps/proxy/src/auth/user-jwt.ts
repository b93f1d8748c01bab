import { createRemoteJWKSet } from 'jose';
import { UserJwtVerifier } from '@portcullis/domain';

/** The verifier with jose's remote key sets: cached keys, refetch on an unknown kid, bounded waits. */
export function createUserJwtVerifier(): UserJwtVerifier {
  return new UserJwtVerifier((uri) =>
    createRemoteJWKSet(new URL(uri), { timeoutDuration: 3000, cooldownDuration: 10_000, cacheMaxAge: 600_000 }),
  );
}
