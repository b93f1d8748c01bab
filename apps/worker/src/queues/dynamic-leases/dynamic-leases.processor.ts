/**
 * Dynamic-secret expiry. The control plane queues one delayed job per checkout on
 * QUEUES.dynamicLeases (job id `dynamic-lease-<id>`), due when the lease ends. The job destroys the
 * credential at its provider (Postgres: terminate the role's sessions and drop it), then marks the
 * lease expired and stamps `dynamic.expired` for agent-bound AppRoles.
 *
 * The job lives in Redis, so a worker restart loses nothing; a provider outage throws, and BullMQ
 * retries with backoff (the credential's `VALID UNTIL` bounds it meanwhile). `sweepDynamicLeases`
 * re-queues a job for every lease not yet ended (at worker start), in case a job was ever lost:
 * adding a job whose id exists is a no-op. Idempotent: an ended lease is left alone, and dropping
 * a role that is already gone succeeds.
 */
import type { Job, Processor, Queue } from 'bullmq';
import { PostgresProvider, type PostgresProviderConfig, type PrismaClient } from '@portcullis/db';
import type { EnvelopeCipher } from '@portcullis/domain';
import { leaseDue } from '../lease-due.js';
import { QUEUES, type DynamicLeaseExpiryJob, type StampEvent, type VaultStampEvent } from '@portcullis/contracts';

export const DYNAMIC_LEASES_QUEUE = QUEUES.dynamicLeases;
/** Same associated data as the control plane's `dynamicAad`. */
const dynamicAad = (tenantId: string, path: string): string => `vault-dynamic:${tenantId}:${path}`;
const jobId = (leaseId: string): string => `dynamic-lease-${leaseId}`;

export type DynamicLeaseOutcome = 'revoked' | 'already-ended' | 'missing';

export interface DynamicLeasesProcessorDeps {
  prisma: PrismaClient;
  stamps: Queue<StampEvent>;
  /** Opens the sealed provider config; null when the worker was started without PORTCULLIS_MASTER_KEY. */
  cipher: EnvelopeCipher | null;
}

export function createDynamicLeasesProcessor({
  prisma,
  stamps,
  cipher,
}: DynamicLeasesProcessorDeps): Processor<DynamicLeaseExpiryJob, DynamicLeaseOutcome> {
  return async (job: Job<DynamicLeaseExpiryJob>, token?: string): Promise<DynamicLeaseOutcome> => {
    const { leaseId, tenantId } = job.data;
    const lease = await prisma.vaultDynamicLease.findFirst({ where: { id: leaseId, tenantId } });
    const skip = await leaseDue(job, token, lease);
    if (skip || !lease) return skip ?? 'missing';
    if (lease.provider === 'postgresql') {
      if (!cipher) throw new Error('PORTCULLIS_MASTER_KEY is not set: the worker cannot open dynamic-secret configs to revoke them');
      const sealed = JSON.parse(await cipher.open(lease.sealedConfig, dynamicAad(tenantId, lease.path))) as {
        config: PostgresProviderConfig;
      };
      await new PostgresProvider(sealed.config).revoke(lease.externalId);
    }
    const { count } = await prisma.vaultDynamicLease.updateMany({
      where: { id: leaseId, tenantId, revokedAt: null, expiredAt: null },
      data: { expiredAt: new Date() },
    });
    if (count === 0) return 'already-ended';
    if (lease.agentId && lease.approleId) {
      const event: VaultStampEvent = {
        type: 'vault',
        requestId: `dynamic-lease-expiry-${leaseId}`,
        tenantId,
        agentId: lease.agentId,
        approleId: lease.approleId,
        action: 'dynamic.expired',
        path: lease.path,
        at: new Date().toISOString(),
      };
      await stamps.add('vault', event, {
        jobId: `vault-dynamic-expired-${leaseId}`,
        attempts: 25,
        backoff: { type: 'exponential', delay: 500 },
        removeOnComplete: true,
        removeOnFail: false,
      });
    }
    return 'revoked';
  };
}

/** Queues (again) the expiry of every dynamic lease not yet ended; returns how many it looked at. */
export async function sweepDynamicLeases({
  prisma,
  queue,
}: {
  prisma: PrismaClient;
  queue: Queue<DynamicLeaseExpiryJob>;
}): Promise<number> {
  const open = await prisma.vaultDynamicLease.findMany({
    where: { revokedAt: null, expiredAt: null },
    select: { id: true, tenantId: true, expiresAt: true },
  });
  for (const l of open) {
    await queue.add(
      'revoke',
      { leaseId: l.id, tenantId: l.tenantId },
      {
        jobId: jobId(l.id),
        delay: Math.max(0, l.expiresAt.getTime() - Date.now()),
        attempts: 50,
        backoff: { type: 'exponential', delay: 2000 },
        removeOnComplete: true,
        removeOnFail: false,
      },
    );
  }
  return open.length;
}
