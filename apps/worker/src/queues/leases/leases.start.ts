/** Runs the lease-expiry processor (leases.processor.ts) in the worker process. */
import { Queue, Worker } from 'bullmq';
import { createPrismaClient } from '@portcullis/db';
import { QUEUES, type LeaseExpiryJob, type StampEvent } from '@portcullis/contracts';
import type { RunningProcessor, WorkerContext } from '../../context.js';
import { createLeasesProcessor, type LeaseOutcome } from './leases.processor.js';

export function startLeasesProcessor(ctx: WorkerContext): Promise<RunningProcessor> {
  const prisma = createPrismaClient(ctx.config.databaseUrl);
  const stamps = new Queue<StampEvent>(QUEUES.stamps, { connection: ctx.redis, prefix: ctx.queuePrefix });
  const worker = new Worker<LeaseExpiryJob, LeaseOutcome>(QUEUES.leases, createLeasesProcessor({ prisma, stamps }), {
    connection: ctx.redis,
    prefix: ctx.queuePrefix,
    // A job whose worker died goes back to the queue however often that happens.
    maxStalledCount: Number.MAX_SAFE_INTEGER,
  });
  worker.on('error', (err) => ctx.logger.error({ err: err.message }, 'leases worker error'));
  return Promise.resolve({
    name: QUEUES.leases,
    async close() {
      await worker.close();
      await stamps.close();
      await prisma.$disconnect();
    },
  });
}
