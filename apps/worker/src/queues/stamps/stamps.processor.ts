/**
 * Consumes the `stamps` queue. BullMQ hands this process up to `stampConcurrency` jobs at once; each
 * one joins the pending batch, and batches are appended one transaction at a time (append.ts), so a
 * busy queue turns into few large transactions and a quiet one into small, immediate ones.
 *
 * Nothing is dropped:
 * - a job completes only after its stamp is committed (or found already committed: a replay);
 * - while Postgres fails, the batch is retried with capped exponential backoff, for as long as it
 *   takes; the jobs stay active (BullMQ keeps renewing their locks) instead of burning attempts;
 * - if this process dies, its active jobs stall and BullMQ gives them to another worker; the stalled
 *   count never fails them;
 * - only an event that can never be appended (not a stamp event, wrong tenant) fails its job, which
 *   stays in the failed set and is counted in `portcullis_worker_stamps_rejected_total`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { QUEUES } from '@portcullis/contracts';
import type { RunningProcessor, WorkerContext } from '../../context.js';
import { appendBatch, toStampInput, type AppendOutcome, type StampInput } from './append.js';

interface Pending {
  input: StampInput;
  resolve(o: AppendOutcome): void;
  reject(e: Error): void;
}

interface StampMetrics {
  appended: Counter;
  duplicates: Counter;
  rejected: Counter;
  retries: Counter;
  batch: Histogram;
  seconds: Histogram;
}

const MAX_BACKOFF_MS = 5_000;

/**
 * Groups pending jobs into batches of at most `batchSize` and runs up to `maxInFlight` batches at once,
 * never two with the same agent: batches in flight touch disjoint chain heads, so they do not wait on
 * each other's row locks, and each agent's jobs keep their arrival order within this process.
 */
export class StampBatcher {
  /** Waiting jobs by agent, each list in arrival order; the map keeps agents in order of first arrival. */
  private readonly pending = new Map<string, Pending[]>();
  private scheduled = false;
  private inFlight = 0;
  private readonly busy = new Set<string>();

  constructor(
    private readonly pg: Pool,
    private readonly batchSize: number,
    private readonly maxInFlight: number,
    private readonly logger: Logger,
    private readonly metrics: StampMetrics,
  ) {}

  append(input: StampInput): Promise<AppendOutcome> {
    return new Promise((resolve, reject) => {
      const list = this.pending.get(input.agentId);
      if (list) list.push({ input, resolve, reject });
      else this.pending.set(input.agentId, [{ input, resolve, reject }]);
      // setImmediate lets every job BullMQ delivered in this turn join the batch before it goes.
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.kick();
        });
      }
    });
  }

  private kick(): void {
    while (this.inFlight < this.maxInFlight && this.pending.size) {
      const { batch, agents } = this.take();
      if (!batch.length) return;
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        for (const a of agents) this.busy.delete(a);
        this.kick();
      });
    }
  }

  /**
   * The oldest waiting jobs of agents not in flight, up to batchSize. An agent whose list does not
   * fit whole stays busy until this batch commits, so the rest of its list keeps its order.
   */
  private take(): { batch: Pending[]; agents: string[] } {
    const batch: Pending[] = [];
    const agents: string[] = [];
    for (const [agent, list] of this.pending) {
      if (batch.length >= this.batchSize) break;
      if (this.busy.has(agent)) continue;
      const room = this.batchSize - batch.length;
      if (list.length <= room) {
        for (const p of list) batch.push(p);
        this.pending.delete(agent);
      } else {
        for (const p of list.splice(0, room)) batch.push(p);
      }
      this.busy.add(agent);
      agents.push(agent);
    }
    return { batch, agents };
  }

  private async run(batch: Pending[]): Promise<void> {
    try {
      const outcomes = await this.commit(batch.map((p) => p.input));
      batch.forEach((p, i) => p.resolve(outcomes[i]!));
    } catch (err) {
      batch.forEach((p) => p.reject(err as Error));
    }
  }

  private async commit(inputs: StampInput[]): Promise<AppendOutcome[]> {
    for (let attempt = 0; ; attempt++) {
      const end = this.metrics.seconds.startTimer();
      try {
        const client = await this.pg.connect();
        try {
          const outcomes = await appendBatch(client, inputs);
          client.release();
          this.metrics.batch.observe(inputs.length);
          end();
          return outcomes;
        } catch (err) {
          // A connection that failed mid-transaction is not reused.
          client.release(err as Error);
          throw err;
        }
      } catch (err) {
        this.metrics.retries.inc();
        const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(attempt, 6));
        this.logger.warn(
          { err: (err as Error).message, attempt: attempt + 1, batch: inputs.length, retryInMs: delay },
          'stamp append failed; retrying',
        );
        await sleep(delay);
      }
    }
  }
}

export function startStampsProcessor(ctx: WorkerContext): Promise<RunningProcessor> {
  const { registry } = ctx;
  const metrics: StampMetrics = {
    appended: new Counter({
      name: 'portcullis_worker_stamps_appended_total',
      help: 'Stamps appended to agent chains',
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'portcullis_worker_stamps_duplicate_total',
      help: 'Replayed stamp jobs that added nothing',
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'portcullis_worker_stamps_rejected_total',
      help: 'Stamp jobs failed because they can never be appended',
      registers: [registry],
    }),
    retries: new Counter({
      name: 'portcullis_worker_stamp_append_retries_total',
      help: 'Batch appends retried after a database error',
      registers: [registry],
    }),
    batch: new Histogram({
      name: 'portcullis_worker_stamp_batch_size',
      help: 'Jobs per append transaction',
      buckets: [1, 5, 20, 50, 100, 250, 500, 1000, 2500],
      registers: [registry],
    }),
    seconds: new Histogram({
      name: 'portcullis_worker_stamp_append_seconds',
      help: 'Append transaction time',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers: [registry],
    }),
  };
  const batcher = new StampBatcher(ctx.pg, ctx.config.stampBatchSize, ctx.config.dbPoolSize, ctx.logger, metrics);

  const reject = (jobId: string | undefined, reason: string): void => {
    metrics.rejected.inc();
    ctx.logger.error({ jobId, reason }, 'stamp event rejected');
  };
  const appendOne = async (jobId: string | undefined, data: unknown): Promise<AppendOutcome> => {
    const input = toStampInput(data);
    if (typeof input === 'string') {
      reject(jobId, input);
      return { kind: 'rejected', reason: input };
    }
    const outcome = await batcher.append(input);
    if (outcome.kind === 'appended') metrics.appended.inc();
    else if (outcome.kind === 'duplicate') metrics.duplicates.inc();
    else reject(jobId, outcome.reason);
    return outcome;
  };

  const worker = new Worker(
    QUEUES.stamps,
    // A job carries one StampEvent, or `{ events: StampEvent[] }` when a producer packs several into
    // one job to save Redis round trips; either way each event is appended (or found) by its request id.
    async (job: Job) => {
      const data = job.data as { events?: unknown };
      const many = Array.isArray(data.events);
      const outcomes = await Promise.all(many ? (data.events as unknown[]).map((e) => appendOne(job.id, e)) : [appendOne(job.id, data)]);
      const rejected = outcomes.filter((o): o is Extract<AppendOutcome, { kind: 'rejected' }> => o.kind === 'rejected');
      if (rejected.length) {
        // The job's other events are committed; a retry would find them and add nothing.
        throw new UnrecoverableError(`${rejected.length} event(s) can never be appended: ${rejected[0]!.reason}`);
      }
      const last = outcomes[outcomes.length - 1];
      return many
        ? { events: outcomes.length }
        : last?.kind === 'appended'
          ? { seq: last.seq, stateHash: last.stateHash }
          : { duplicate: true };
    },
    {
      connection: ctx.redis,
      prefix: ctx.queuePrefix,
      concurrency: ctx.config.stampConcurrency,
      // Completed stamps live in Postgres; keeping the jobs would only grow Redis.
      removeOnComplete: { count: 0 },
      removeOnFail: { count: 100_000 },
      // A job whose worker died goes back to the queue however often that happens, and soon: a dead
      // worker's jobs (a pack holds a whole proxy flush) are redelivered within ~15 s instead of ~60 s.
      // A live worker renews its locks every 5 s; should it miss one, the redelivered pack adds nothing.
      maxStalledCount: Number.MAX_SAFE_INTEGER,
      lockDuration: 10_000,
      stalledInterval: 5_000,
    },
  );
  worker.on('error', (err) => ctx.logger.error({ err: err.message }, 'stamps worker error'));

  const queue = new Queue(QUEUES.stamps, { connection: ctx.redis, prefix: ctx.queuePrefix });
  new Gauge({
    name: 'portcullis_worker_stamps_backlog',
    help: 'Stamp jobs in the queue, by state (a bounded backlog means workers keep up)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const counts = await queue.getJobCounts('wait', 'active', 'delayed', 'failed').catch(() => null);
      if (counts) for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
    },
  });

  return Promise.resolve({
    name: QUEUES.stamps,
    // Waits for the jobs in hand to commit; if Postgres never comes back, a SIGKILL leaves them to
    // stall and be redelivered, which is still no loss.
    async close() {
      await worker.close();
      await queue.close();
    },
  });
}
