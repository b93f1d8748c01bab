/**
 * Relays admin stamp events from the control plane's `audit_outbox` table to the `stamps` queue: rows are
 * locked (SKIP LOCKED, so several workers share the work), enqueued with job id = request id, and
 * deleted in the same transaction. If Redis is away the transaction rolls back and the rows wait for
 * the next pass; if the commit fails after the enqueue, the next pass enqueues them again and the
 * stamps processor finds their request ids already on the chain. Polls Postgres on a timer rather than
 * a BullMQ schedule, because it must keep trying exactly when Redis is down.
 */
import { Queue } from 'bullmq';
import { Counter } from 'prom-client';
import { QUEUES } from '@portcullis/contracts';
import type { RunningProcessor, WorkerContext } from '../../context.js';

const POLL_MS = 250;
const BATCH = 500;

export function startOutboxRelay(ctx: WorkerContext): Promise<RunningProcessor> {
  // Fail fast while Redis is down: the rows stay in Postgres and the next pass tries again.
  const queue = new Queue(QUEUES.stamps, { connection: { ...ctx.redis, maxRetriesPerRequest: 1 }, prefix: ctx.queuePrefix });
  queue.on('error', () => undefined);
  const relayed = new Counter({
    name: 'portcullis_worker_outbox_relayed_total',
    help: 'Admin stamp events relayed from the outbox to the stamps queue',
    registers: [ctx.registry],
  });
  let stopped = false;
  let failures = 0;

  const pass = async (): Promise<number> => {
    const client = await ctx.pg.connect();
    try {
      await client.query('BEGIN');
      const rows = await client.query<{ id: string; event: string }>(
        'SELECT id, event FROM audit_outbox ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED',
        [BATCH],
      );
      if (rows.rows.length) {
        await queue.addBulk(
          rows.rows.map((r) => {
            const data = JSON.parse(r.event) as { requestId: string };
            return { name: 'admin', data, opts: { jobId: data.requestId, removeOnComplete: true } };
          }),
        );
        await client.query('DELETE FROM audit_outbox WHERE id = ANY($1::uuid[])', [rows.rows.map((r) => r.id)]);
      }
      await client.query('COMMIT');
      client.release();
      return rows.rows.length;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      // A connection that failed mid-transaction is not reused.
      client.release(err as Error);
      throw err;
    }
  };

  const loop = async (): Promise<void> => {
    while (!stopped) {
      try {
        const n = await pass();
        relayed.inc(n);
        if (failures) ctx.logger.info({ afterFailures: failures }, 'outbox relay recovered');
        failures = 0;
        if (n === BATCH) continue;
      } catch (err) {
        if (failures++ % 20 === 0) ctx.logger.warn({ err: (err as Error).message, failures }, 'outbox relay failed; retrying');
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  };
  const running = loop();

  return Promise.resolve({
    name: 'audit-outbox',
    async close() {
      stopped = true;
      await running;
      await queue.close();
    },
  });
}
