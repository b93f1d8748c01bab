import { DomainError } from '@portcullis/domain';

/** Unique-constraint violations become a 409 that says what clashed; everything else is rethrown. */
export function rethrowConflict(err: unknown, what: string): never {
  if (err && typeof err === 'object' && (err as { code?: unknown }).code === 'P2002') {
    throw new DomainError('conflict', `${what} already exists`);
  }
  throw err;
}

/** Postgres rejects malformed uuids in queries; for a path id that simply means "not found". */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
