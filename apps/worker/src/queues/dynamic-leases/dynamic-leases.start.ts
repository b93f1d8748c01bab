/**
 * Runs the dynamic-secret expiry processor (dynamic-leases.processor.ts) in the worker process, after
 * re-queuing the expiry of every dynamic lease not yet ended (a second line behind the delayed jobs
 * already in Redis). Needs PORTCULLIS_MASTER_KEY to open provider configs; without it the jobs fail
 * and retry, and the worker says so at start.
 */
import { Queue, Worker } from 'bullmq';
import { createPrismaClient } from '@portcullis/db';
import { EnvelopeCipher, LocalKeyProvider, parseKey } from '@portcullis/domain';
import { QUEUES, type DynamicLeaseExpiryJob, type StampEvent } from '@portcullis/contracts';
import type { RunningProcessor, WorkerContext } from '../../context.js';
import { createDynamicLeasesProcessor, sweepDynamicLeases, type DynamicLeaseOutcome } from './dynamic-leases.processor.js';

export async function startDynamicLeasesProcessor(ctx: WorkerContext): Promise<RunningProcessor> {
  const prisma = createPrismaClient(ctx.config.databaseUrl);
  const stamps = new Queue<StampEvent>(QUEUES.stamps, { connection: ctx.redis, prefix: ctx.queuePrefix });
  const queue = new Queue<DynamicLeaseExpiryJob>(QUEUES.dynamicLeases, { connection: ctx.redis, prefix: ctx.queuePrefix });
  const cipher = ctx.config.masterKey ? new EnvelopeCipher(new LocalKeyProvider(parseKey(ctx.config.masterKey))) : null;
  if (!cipher) ctx.logger.error('PORTCULLIS_MASTER_KEY is not set: dynamic-secret credentials cannot be revoked at expiry until it is');
  const worker = new Worker<DynamicLeaseExpiryJob, DynamicLeaseOutcome>(
    QUEUES.dynamicLeases,
    createDynamicLeasesProcessor({ prisma, stamps, cipher }),
    {
      connection: ctx.redis,
      prefix: ctx.queuePrefix,
      maxStalledCount: Number.MAX_SAFE_INTEGER,
    },
  );
  worker.on('error', (err) => ctx.logger.error({ err: err.message }, 'dynamic-leases worker error'));
  worker.on('failed', (job, err) =>
    ctx.logger.warn({ lease_id: job?.data.leaseId, err: err.message }, 'dynamic credential revocation failed; will retry'),
  );
  try {
    const swept = await sweepDynamicLeases({ prisma, queue });
    ctx.logger.info({ open_leases: swept }, 'dynamic lease expiries re-queued');
  } catch (err) {
    ctx.logger.error({ err: (err as Error).message }, 'dynamic lease sweep failed; the delayed jobs in Redis still stand');
  }
  return {
    name: QUEUES.dynamicLeases,
    async close() {
      await worker.close();
      await Promise.all([stamps.close(), queue.close()]);
      await prisma.$disconnect();
    },
  };
}
