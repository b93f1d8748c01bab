import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canonicalJson,
  checkpointPublicKey,
  verifyAgainstCheckpoint,
  verifyChain,
  type ChainEntry,
  type SignedCheckpoint,
} from '@portcullis/domain';
import { stampPackJobId } from '@portcullis/contracts';
import type { RunningApp } from '@portcullis/testing';
import { enqueue, enqueueSingles, pool, requestEvent, stampCount, stampsQueue, startWorker, waitFor, workerEnv } from './helpers.js';

async function chainOf(db: pg.Pool, agentId: string): Promise<(ChainEntry & { requestId: string })[]> {
  const r = await db.query<{ seq: number; event: string; prev_hash: string; state_hash: string; request_id: string }>(
    'SELECT seq, event, prev_hash, state_hash, request_id FROM stamps WHERE agent_id = $1 ORDER BY seq',
    [agentId],
  );
  return r.rows.map((x) => ({ seq: x.seq, event: x.event, prevHash: x.prev_hash, stateHash: x.state_hash, requestId: x.request_id }));
}

describe('stamp worker', () => {
  let db: pg.Pool;
  let queue: Queue;
  const workers: RunningApp[] = [];
  beforeAll(async () => {
    db = pool();
    queue = stampsQueue();
    const env = workerEnv();
    // Two processes on one queue: every test below has them racing.
    workers.push(await startWorker(env), await startWorker(env));
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await queue.close();
    await db.end();
  });

  it('N events from two racing workers make exactly N entries, seq 1..N, in a chain that verifies', async () => {
    const tenantId = randomUUID();
    const agents = [randomUUID(), randomUUID(), randomUUID()];
    const N = 1500;
    const events = Array.from({ length: N }, (_, i) => requestEvent(agents[i % 3]!, tenantId, i));
    await enqueue(queue, events);
    await waitFor(async () => (await Promise.all(agents.map((a) => stampCount(db, a)))).every((n) => n === N / 3));
    for (const agentId of agents) {
      const chain = await chainOf(db, agentId);
      expect(chain.map((e) => e.seq)).toEqual(Array.from({ length: N / 3 }, (_, i) => i + 1));
      expect(verifyChain(agentId, chain)).toMatchObject({ valid: true, length: N / 3 });
      const mine = events.filter((e) => e.agentId === agentId);
      expect(new Set(chain.map((e) => e.requestId))).toEqual(new Set(mine.map((e) => e.requestId)));
      // What is stored is the canonical text of the event the proxy sent.
      const byId = new Map(mine.map((e) => [e.requestId, canonicalJson(e)]));
      for (const e of chain) expect(e.event).toBe(byId.get(e.requestId));
    }
    const head = await db.query<{ seq: number; state_hash: string }>('SELECT seq, state_hash FROM chain_heads WHERE agent_id = $1', [
      agents[0],
    ]);
    const chain = await chainOf(db, agents[0]!);
    expect(head.rows[0]).toEqual({ seq: N / 3, state_hash: chain[chain.length - 1]!.stateHash });
    expect(
      (await fetch(`${workers[0]!.url}/metrics`).then((r) => r.text())).match(/portcullis_worker_stamps_appended_total \d+/),
    ).not.toBeNull();
  });

  it('two workers racing on one agent keep its chain gap-free and ordered', async () => {
    const tenantId = randomUUID();
    const agentId = randomUUID();
    const N = 3000;
    const events = Array.from({ length: N }, (_, i) => requestEvent(agentId, tenantId, i));
    // Small packs, so both processes pick up jobs of this agent while the other is appending.
    await enqueue(queue, events, 20);
    await waitFor(async () => (await stampCount(db, agentId)) === N);
    const chain = await chainOf(db, agentId);
    expect(chain.map((e) => e.seq)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(verifyChain(agentId, chain)).toMatchObject({ valid: true, length: N });
    expect(new Set(chain.map((e) => e.requestId)).size).toBe(N);
  });

  it('a replayed job (same request id) adds nothing, whether sent alone or packed differently', async () => {
    const tenantId = randomUUID();
    const agentId = randomUUID();
    const events = Array.from({ length: 50 }, (_, i) => requestEvent(agentId, tenantId, i));
    await enqueue(queue, events);
    await waitFor(async () => (await stampCount(db, agentId)) === 50);
    const before = await chainOf(db, agentId);
    // Completed jobs are removed, so these are new jobs carrying the same request ids: a proxy spool
    // replay (packed differently, with repeats inside one pack), and the control plane's single jobs.
    await enqueue(queue, [...events.slice(0, 20), ...events.slice(0, 20)], 7);
    await enqueueSingles(queue, events.slice(30, 40));
    const marker = requestEvent(agentId, tenantId, 99);
    await enqueue(queue, [marker]);
    await waitFor(async () => (await stampCount(db, agentId)) === 51);
    await waitFor(async () => (await queue.getJobCounts('wait', 'active')).wait === 0);
    const after = await chainOf(db, agentId);
    expect(after.slice(0, 50)).toEqual(before);
    expect(after[50]!.requestId).toBe(marker.requestId);
    expect(verifyChain(agentId, after).valid).toBe(true);
  });

  it('one job per event (the control plane) and packs of many (the proxy) land on one gap-free chain', async () => {
    const tenantId = randomUUID();
    const agents = [randomUUID(), randomUUID()];
    const events = Array.from({ length: 30 }, (_, i) => requestEvent(agents[i % 2]!, tenantId, i));
    await enqueueSingles(queue, events.slice(0, 10));
    await enqueue(queue, events.slice(10));
    await waitFor(async () => (await stampCount(db, agents[0]!)) === 15 && (await stampCount(db, agents[1]!)) === 15);
    for (const a of agents) {
      const chain = await chainOf(db, a);
      expect(chain.map((e) => e.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
      expect(new Set(chain.map((e) => e.requestId))).toEqual(new Set(events.filter((e) => e.agentId === a).map((e) => e.requestId)));
      expect(verifyChain(a, chain).valid).toBe(true);
    }
  });

  it('an event that can never be appended fails its job and touches no chain; the rest of its pack lands', async () => {
    const tenantId = randomUUID();
    const agentId = randomUUID();
    await enqueue(queue, [requestEvent(agentId, tenantId, 1)]);
    await waitFor(async () => (await stampCount(db, agentId)) === 1);
    const wrongTenant = requestEvent(agentId, randomUUID(), 2);
    const badId = { ...requestEvent('not-a-uuid', tenantId, 3) };
    await enqueueSingles(queue, [wrongTenant, badId]);
    await waitFor(async () => {
      const states = await Promise.all([queue.getJobState(wrongTenant.requestId), queue.getJobState(badId.requestId)]);
      return states.every((s) => s === 'failed');
    });
    expect(await stampCount(db, agentId)).toBe(1);
    await queue.remove(wrongTenant.requestId);
    await queue.remove(badId.requestId);

    const good = requestEvent(agentId, tenantId, 4);
    const pack = [good, { ...requestEvent(agentId, tenantId, 5), tenantId: randomUUID() }];
    await enqueue(queue, pack);
    const packId = stampPackJobId(pack);
    await waitFor(async () => (await queue.getJobState(packId)) === 'failed');
    const chain = await chainOf(db, agentId);
    expect(chain.map((e) => e.requestId)).toEqual([expect.any(String), good.requestId]);
    await queue.remove(packId);
  });

  it('signs checkpoints of the heads; one catches removed tail entries', async () => {
    const tenantId = randomUUID();
    const agentId = randomUUID();
    await enqueue(
      queue,
      Array.from({ length: 10 }, (_, i) => requestEvent(agentId, tenantId, i)),
    );
    await waitFor(async () => (await stampCount(db, agentId)) === 10);
    let cp: SignedCheckpoint | undefined;
    await waitFor(async () => {
      const r = await db.query<{ body: string; signature: string }>(
        'SELECT body, signature FROM checkpoints WHERE tenant_id = $1 ORDER BY created_at DESC LIMIT 1',
        [tenantId],
      );
      if (!r.rows[0]) return false;
      cp = { ...(JSON.parse(r.rows[0].body) as Omit<SignedCheckpoint, 'signature'>), signature: r.rows[0].signature };
      return cp.heads[0]?.seq === 10;
    });
    const keys = await db.query<{ public_key: string }>('SELECT public_key FROM checkpoint_keys WHERE key_id = $1', [cp!.keyId]);
    const pub = checkpointPublicKey(keys.rows[0]!.public_key);
    const chain = await chainOf(db, agentId);
    const at = (c: ChainEntry[]) => (seq: number) => c[seq - 1]?.stateHash;
    expect(verifyAgainstCheckpoint(agentId, at(chain), chain.length, cp!, pub)).toEqual({ valid: true, seq: 10 });

    await db.query('DELETE FROM stamps WHERE agent_id = $1 AND seq > 7', [agentId]);
    const cut = await chainOf(db, agentId);
    expect(verifyChain(agentId, cut).valid).toBe(true);
    expect(verifyAgainstCheckpoint(agentId, at(cut), cut.length, cp!, pub)).toMatchObject({ valid: false, reason: 'truncated' });
  });
});
