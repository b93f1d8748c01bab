import { Queue } from 'bullmq';
import { QUEUES, queuePrefix, type StampEvent, type StampPack } from '@portcullis/contracts';
import { workerEnv, testServices } from './env.js';
import { freePort } from './net.js';
import { spawnApp, type RunningApp } from './processes.js';

/** The built worker as its own process on the test services. */
export async function startWorker(env = workerEnv()): Promise<RunningApp> {
  return spawnApp('worker', await freePort(), env);
}

/** A producer on the run's `stamps` queue, the way the proxy and control plane enqueue. */
export function stampsQueue(): Queue {
  const s = testServices();
  return new Queue(QUEUES.stamps, { connection: { url: s.redisUrl, maxRetriesPerRequest: null }, prefix: queuePrefix(s.redisPrefix) });
}

/**
 * Every stamp event waiting (or kept) in a `stamps` queue, packs unpacked: what the proxy enqueued,
 * for specs that run no worker. `redisUrl`/`redisPrefix` default to the run's own.
 */
export async function queuedStamps(redisUrl?: string, redisPrefix?: string): Promise<StampEvent[]> {
  const s = testServices();
  const queue = new Queue(QUEUES.stamps, {
    connection: { url: redisUrl ?? s.redisUrl, maxRetriesPerRequest: null },
    prefix: queuePrefix(redisPrefix ?? s.redisPrefix),
  });
  try {
    const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed']);
    return jobs.flatMap((j) => {
      const data = j.data as StampEvent | StampPack;
      return 'events' in data ? data.events : [data];
    });
  } finally {
    await queue.close();
  }
}
