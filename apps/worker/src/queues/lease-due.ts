import { DelayedError, type Job } from 'bullmq';

/**
 * The shared first step of every lease-expiry job: a lease that is gone or already ended needs
 * nothing; one whose end has not come (the job fired early, e.g. clock skew) is put back until then.
 * Returns the outcome to report, or null when the lease is due and the caller should end it.
 */
export async function leaseDue(
  job: Job,
  token: string | undefined,
  lease: { expiresAt: Date; revokedAt: Date | null; expiredAt: Date | null } | null,
): Promise<'missing' | 'already-ended' | null> {
  if (!lease) return 'missing';
  if (lease.revokedAt || lease.expiredAt) return 'already-ended';
  if (lease.expiresAt.getTime() > Date.now()) {
    await job.moveToDelayed(lease.expiresAt.getTime(), token);
    throw new DelayedError();
  }
  return null;
}
