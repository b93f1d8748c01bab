/**
 * What every queue processor receives, and what it hands back. main.ts builds one context and starts
 * each processor in its list, so adding a queue is one line there and one folder under queues/.
 */
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { WorkerConfig } from '@portcullis/config';

export interface WorkerContext {
  config: Readonly<WorkerConfig>;
  /** BullMQ connection options; BullMQ opens its own connections from them. */
  redis: { url: string; maxRetriesPerRequest: null };
  /** BullMQ key prefix (`queuePrefix(redisPrefix)`), shared with every producer. */
  queuePrefix: string;
  pg: Pool;
  logger: Logger;
  registry: Registry;
}

export interface RunningProcessor {
  name: string;
  /** Finishes the jobs in hand, then stops taking new ones. */
  close(): Promise<void>;
}

export type StartProcessor = (ctx: WorkerContext) => Promise<RunningProcessor>;
