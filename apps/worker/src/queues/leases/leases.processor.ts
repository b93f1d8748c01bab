/**
 * Lease expiry. The control plane queues one delayed job per lease on QUEUES.leases (job id
 * `lease-<id>`), due when the lease ends. Time alone already ends a lease (every read checks
 * `expires_at`); this job records the end (`expired_at`) without a sweep that could lag, and stamps
 * the expiry on the agent's chain when the lease was taken by an agent-bound AppRole.
 *
 * Idempotent: a replayed job finds the lease already ended and does nothing; the expiry stamp has a
 * job id derived from the lease, so it is queued at most once. A job that fires early (clock skew)
 * is put back until the lease's end.
 */
import type { Job, Processor, Queue } from 'bullmq';
import type { PrismaClient } from '@portcullis/db';
import { leaseDue } from '../lease-due.js';
import { QUEUES, type LeaseExpiryJob, type StampEvent, type VaultStampEvent } from '@portcullis/contracts';

export const LEASES_QUEUE = QUEUES.leases;

export type LeaseOutcome = 'expired' | 'already-ended' | 'missing';

export interface LeasesProcessorDeps {
  prisma: PrismaClient;
  /** The stamps queue (same prefix); expiries of agent-bound leases are appended to the agent's chain. */
  stamps: Queue<StampEvent>;
}

export function createLeasesProcessor({ prisma, stamps }: LeasesProcessorDeps): Processor<LeaseExpiryJob, LeaseOutcome> {
  return async (job: Job<LeaseExpiryJob>, token?: string): Promise<LeaseOutcome> => {
    const { leaseId, tenantId } = job.data;
    const lease = await prisma.vaultLease.findFirst({ where: { id: leaseId, tenantId } });
    const skip = await leaseDue(job, token, lease);
    if (skip || !lease) return skip ?? 'missing';
    const now = Date.now();
    const { count } = await prisma.vaultLease.updateMany({
      where: { id: leaseId, tenantId, revokedAt: null, expiredAt: null },
      data: { expiredAt: new Date(now) },
    });
    if (count === 0) return 'already-ended';
    if (lease.agentId && lease.approleId) {
      const event: VaultStampEvent = {
        type: 'vault',
        requestId: `lease-expiry-${leaseId}`,
        tenantId,
        agentId: lease.agentId,
        approleId: lease.approleId,
        action: 'lease.expired',
        path: lease.path,
        at: new Date(now).toISOString(),
      };
      await stamps.add('vault', event, {
        jobId: `vault-lease-expired-${leaseId}`,
        attempts: 25,
        backoff: { type: 'exponential', delay: 500 },
        removeOnComplete: true,
        removeOnFail: false,
      });
    }
    return 'expired';
  };
}
