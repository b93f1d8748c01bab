/**
 * Stamp events leave the request path at once: `emit` only pushes to an in-memory batch. A timer
 * (every `flushMs`, or as soon as `batchSize` events wait) sends the batch as one packed job
 * (`StampPack`): one Redis round trip and one BullMQ job per flush instead of one per request. A
 * replay (the same pack, or the same events packed differently after a spool drain) adds nothing
 * twice: the worker skips request ids already on the chain.
 *
 * Nothing is lost while Redis is unreachable: a batch that cannot be sent is appended, one JSON event
 * per line, to a local spool file; when the connection is ready again the spool is renamed (so new
 * failures start a fresh file), replayed in batches, and removed. Appends and drains are serialised on
 * one promise chain; the request path never waits for either.
 */
import { appendFile, mkdir, readFile, rename, unlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { QUEUES, queuePrefix, stampPackJobId, type RequestStampEvent, type StampPack, type WalletStampEvent } from '@portcullis/contracts';
import type { ProxyMetrics } from '../metrics.js';

/** What the proxy stamps: proxied requests, and the wallet's MCP sessions and tool calls. */
export type ProxyStampEvent = RequestStampEvent | WalletStampEvent;

export interface StampEmitterOptions {
  connection: Redis;
  redisPrefix: string;
  spoolPath: string;
  batchSize: number;
  flushMs: number;
  logger: Logger;
  metrics: ProxyMetrics;
}

const JOB_OPTIONS = { removeOnComplete: true, removeOnFail: false, attempts: 10, backoff: { type: 'exponential', delay: 500 } } as const;

export class StampEmitter {
  private batch: ProxyStampEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly queue: Queue<StampPack>;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly o: StampEmitterOptions) {
    this.queue = new Queue<StampPack>(QUEUES.stamps, { connection: o.connection, prefix: queuePrefix(o.redisPrefix) });
    this.queue.on('error', () => undefined); // connection errors surface as failed add calls
    o.connection.on('ready', () => void this.serial(() => this.drain()));
    if (o.connection.status === 'ready') void this.serial(() => this.drain());
  }

  emit(event: ProxyStampEvent): void {
    this.batch.push(event);
    if (this.batch.length >= this.o.batchSize) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.o.flushMs);
  }

  /** Sends what is waiting now; resolves once it is in Redis or in the spool. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.batch.length) return this.chain;
    const events = this.batch;
    this.batch = [];
    return this.send(events);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    await this.chain;
    await this.queue.close().catch(() => undefined);
  }

  private async send(events: ProxyStampEvent[]): Promise<void> {
    try {
      if (this.o.connection.status !== 'ready') throw new Error('redis not ready');
      await this.add(events);
    } catch (err) {
      this.o.metrics.stampErrors.inc({ reason: 'enqueue' });
      this.o.metrics.stampsSpooled.inc(events.length);
      this.o.logger.warn({ count: events.length, err: (err as Error).message }, 'stamp enqueue failed; spooling to disk');
      await this.serial(() => this.spool(events));
    }
  }

  private add(events: ProxyStampEvent[]): Promise<unknown> {
    return this.queue.add('pack', { events }, { ...JOB_OPTIONS, jobId: stampPackJobId(events) });
  }

  private serial(op: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(op).catch((err: Error) => {
      this.o.metrics.stampErrors.inc({ reason: 'spool' });
      this.o.logger.error({ err: err.message }, 'stamp spool operation failed');
    });
    return this.chain;
  }

  private async spool(events: ProxyStampEvent[]): Promise<void> {
    await mkdir(dirname(this.o.spoolPath), { recursive: true });
    await appendFile(this.o.spoolPath, events.map((e) => JSON.stringify(e)).join('\n') + '\n', { mode: 0o600 });
  }

  /** Replays the spool into the queue; whatever fails goes back to the (new) spool file. */
  private async drain(): Promise<void> {
    if (this.closed && this.o.connection.status !== 'ready') return;
    const draining = `${this.o.spoolPath}.draining`;
    if (!existsSync(draining)) {
      if (!existsSync(this.o.spoolPath)) return;
      await rename(this.o.spoolPath, draining);
    }
    const lines = (await readFile(draining, 'utf8')).split('\n').filter(Boolean);
    const events = lines.map((l) => JSON.parse(l) as ProxyStampEvent);
    for (let i = 0; i < events.length; i += 500) {
      const chunk = events.slice(i, i + 500);
      try {
        await this.add(chunk);
      } catch {
        await this.spool(events.slice(i));
        break;
      }
    }
    await unlink(draining);
    this.o.logger.info({ count: events.length }, 'stamp spool drained');
  }
}
