import { Queue } from 'bullmq';
import { QUEUES, queuePrefix } from '@portcullis/contracts';
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
