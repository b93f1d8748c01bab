/** Shared by the worker's integration specs: real worker processes, a real queue, real Postgres. */
import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import pg from 'pg';
import { stampPackJobs, type RequestStampEvent } from '@portcullis/contracts';
import { testServices } from '@portcullis/testing';

export { startWorker, stampsQueue, workerEnv } from '@portcullis/testing';

export function requestEvent(agentId: string, tenantId: string, i: number): RequestStampEvent {
  return {
    type: 'request',
    requestId: randomUUID(),
    tenantId,
    agentId,
    userId: i % 2 ? `user-${i}` : null,
    authKind: 'runtime_token',
    method: 'POST',
    path: `/api/v1/agents/${agentId}/invoke`,
    status: 200,
    bytesIn: i,
    bytesOut: 2 * i,
    startedAt: new Date().toISOString(),
    durationMs: 1.5,
    upstreamMs: 1.25,
    upstream: 'http://127.0.0.1:9',
    requestDigest: null,
    responseDigest: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  };
}

/** The way the proxy enqueues: one packed job per flush of `perPack` events. */
export async function enqueue(queue: Queue, events: { requestId: string }[], perPack = 200): Promise<void> {
  await queue.addBulk(stampPackJobs(events, perPack));
}

/** The way the control plane enqueues: one event per job, job id = request id. */
export async function enqueueSingles(queue: Queue, events: { requestId: string }[]): Promise<void> {
  await queue.addBulk(events.map((data) => ({ name: 'stamp', data, opts: { jobId: data.requestId, removeOnComplete: true } })));
}

export function pool(): pg.Pool {
  return new pg.Pool({ connectionString: testServices().databaseUrl, max: 2 });
}

export async function stampCount(db: pg.Pool, agentId: string): Promise<number> {
  const r = await db.query<{ n: string }>('SELECT count(*) AS n FROM stamps WHERE agent_id = $1', [agentId]);
  return Number(r.rows[0]!.n);
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}
