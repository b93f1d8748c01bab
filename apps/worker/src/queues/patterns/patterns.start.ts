/** Runs the learned-patterns processor (patterns.processor.ts) in the worker process. */
import { Worker } from 'bullmq';
import { createPrismaClient } from '@portcullis/db';
import { QUEUES, type ProxyPatternEvent } from '@portcullis/contracts';
import type { RunningProcessor, WorkerContext } from '../../context.js';
import { createPatternsProcessor, type PatternOutcome } from './patterns.processor.js';

export function startPatternsProcessor(ctx: WorkerContext): Promise<RunningProcessor> {
  const prisma = createPrismaClient(ctx.config.databaseUrl);
  const worker = new Worker<ProxyPatternEvent, PatternOutcome>(QUEUES.patterns, createPatternsProcessor({ prisma }), {
    connection: ctx.redis,
    prefix: ctx.queuePrefix,
    concurrency: 8,
  });
  worker.on('error', (err) => ctx.logger.error({ err: err.message }, 'patterns worker error'));
  return Promise.resolve({
    name: QUEUES.patterns,
    async close() {
      await worker.close();
      await prisma.$disconnect();
    },
  });
}
