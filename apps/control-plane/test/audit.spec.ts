import { randomBytes, randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, stampsQueue, startWorker, testServices, workerEnv, type RunningApp } from '@portcullis/testing';
import { startControlPlane, type Harness } from './harness.js';

/** The audit API against a real worker process appending the chains. */
describe('audit', () => {
  let h: Harness;
  let worker: RunningApp;
  let queue: Queue;
  let db: pg.Pool;
  beforeAll(async () => {
    const s = testServices();
    h = await startControlPlane();
    worker = await startWorker(workerEnv({ PORTCULLIS_CHECKPOINT_KEY: randomBytes(32).toString('base64') }));
    queue = stampsQueue();
    db = new pg.Pool({ connectionString: s.databaseUrl, max: 2 });
  });
  afterAll(async () => {
    await worker.stop();
    await queue.close();
    await db.end();
    await h.close();
  });

  const agentBody = { name: 'audited', upstreamUrl: 'http://127.0.0.1:9', requiredCredentials: [{ serviceType: 'github' }] };
  type Stamp = { seq: number; type: string; event: Record<string, unknown>; stateHash: string; requestId: string };
  type Page<T> = { items: T[]; nextCursor: string | null };
  type Checkpoint = { tenantId: string; keyId: string; heads: { agentId: string; seq: number }[]; signature: string };
  const stamps = async (key: string, id: string, q = ''): Promise<Stamp[]> => {
    const res = await http<Page<Stamp>>('GET', `${h.url}/v1/audit/agents/${id}/stamps?limit=100${q}`, { token: key });
    expect(res.status).toBe(200);
    return res.body.items;
  };
  const createAgent = async (key: string): Promise<{ id: string; runtimeToken: string }> => {
    const res = await http<{ agent: { id: string }; runtimeToken: string }>('POST', `${h.url}/api/v1/admin/agents`, {
      token: key,
      body: agentBody,
    });
    expect(res.status).toBe(201);
    return { id: res.body.agent.id, runtimeToken: res.body.runtimeToken };
  };
  const checkpoints = async (key: string): Promise<Checkpoint[]> =>
    (await http<Page<Checkpoint>>('GET', `${h.url}/v1/audit/checkpoints`, { token: key })).body.items;
  const requestEvent = (agentId: string, tenantId: string) => ({
    type: 'request',
    requestId: randomUUID(),
    tenantId,
    agentId,
    userId: null,
    authKind: 'runtime_token',
    method: 'GET',
    path: '/x',
    status: 200,
    bytesIn: 0,
    bytesOut: 5,
    startedAt: new Date().toISOString(),
    durationMs: 1,
    upstreamMs: 1,
    upstream: 'http://127.0.0.1:9',
    requestDigest: null,
    responseDigest: null,
  });

  it('stamps every admin action on the agent, with the actor, and requests next to them', async () => {
    const t = await h.createTenant();
    const created = await createAgent(t.adminKey);
    const id = created.id;
    await http('PATCH', `${h.url}/api/v1/admin/agents/${id}`, {
      token: t.adminKey,
      body: { description: 'd', upstreamSecret: 'never-on-the-chain' },
    });
    await http('POST', `${h.url}/api/v1/admin/agents/${id}/disable`, { token: t.adminKey });
    await http('POST', `${h.url}/api/v1/admin/agents/${id}/enable`, { token: t.adminKey });
    await http('POST', `${h.url}/api/v1/admin/agents/${id}/regenerate-token`, { token: t.adminKey });
    const cred = await http('POST', `${h.url}/api/v1/admin/credentials`, {
      token: t.adminKey,
      body: { serviceType: 'github', value: 'ghp_secretvalue' },
    });
    expect(cred.status).toBe(201);
    await http('POST', `${h.url}/api/v1/admin/credentials`, { token: t.adminKey, body: { serviceType: 'slack', value: 'xoxb-other' } });
    // Admin stamps arrive through the outbox relay; the request comes after them.
    await expect.poll(async () => (await stamps(t.adminKey, id)).length, { timeout: 15_000 }).toBe(6);
    const req = requestEvent(id, t.tenantId);
    await queue.add('stamp', req, { jobId: req.requestId });

    await expect.poll(async () => (await stamps(t.adminKey, id)).length, { timeout: 15_000 }).toBe(7);
    const items = await stamps(t.adminKey, id);
    expect(items.map((s) => s.seq)).toEqual([7, 6, 5, 4, 3, 2, 1]);
    const admin = items.filter((s) => s.type === 'admin').reverse();
    expect(admin.map((s) => s.event.action)).toEqual([
      'created',
      'updated',
      'disabled',
      'enabled',
      'token_regenerated',
      'credentials_changed',
    ]);
    expect(admin.every((s) => (s.event.actor as string).startsWith('api-key:'))).toBe(true);
    expect(admin[1]!.event.changes).toEqual(['description', 'upstreamSecret']);
    expect(admin[5]!.event.changes).toEqual(['github (tenant-wide) set']);
    const all = await http('GET', `${h.url}/v1/audit/agents/${id}/stamps?limit=100`, { token: t.adminKey });
    expect(all.text).not.toContain('never-on-the-chain');
    expect(all.text).not.toContain('ghp_secretvalue');
    expect(all.text).not.toContain(created.runtimeToken);

    // Filters and keyset pages.
    expect((await stamps(t.adminKey, id, '&type=request')).map((s) => s.requestId)).toEqual([req.requestId]);
    const page1 = await http<Page<Stamp>>('GET', `${h.url}/v1/audit/agents/${id}/stamps?limit=3`, { token: t.adminKey });
    expect(page1.body.items.map((s) => s.seq)).toEqual([7, 6, 5]);
    const page2 = await http<Page<Stamp>>('GET', `${h.url}/v1/audit/agents/${id}/stamps?limit=3&cursor=${page1.body.nextCursor!}`, {
      token: t.adminKey,
    });
    expect(page2.body.items.map((s) => s.seq)).toEqual([4, 3, 2]);
    expect(await stamps(t.adminKey, id, '&from=2000-01-01T00:00:00Z&to=2001-01-01T00:00:00Z')).toEqual([]);
    expect((await http('GET', `${h.url}/v1/audit/agents/${id}/stamps?from=yesterday`, { token: t.adminKey })).status).toBe(400);

    const one = await http('GET', `${h.url}/v1/audit/requests/${req.requestId}`, { token: t.adminKey });
    expect(one.body).toMatchObject({ requestId: req.requestId, agentId: id, seq: 7, stateHash: items[0]!.stateHash });

    const v = await http('GET', `${h.url}/v1/audit/agents/${id}/verify`, { token: t.adminKey });
    expect(v.body).toEqual({ valid: true, length: 7 });

    // Deleting the agent is its chain's last entry; the chain stays readable.
    expect((await http('DELETE', `${h.url}/api/v1/admin/agents/${id}`, { token: t.adminKey })).status).toBe(204);
    await expect.poll(async () => (await stamps(t.adminKey, id)).length, { timeout: 15_000 }).toBe(8);
    expect((await stamps(t.adminKey, id))[0]!.event.action).toBe('deleted');
  });

  it('a change and its stamp commit together: when the stamp cannot be written, nothing changes', async () => {
    const t = await h.createTenant();
    const { id } = await createAgent(t.adminKey);
    await expect.poll(async () => (await stamps(t.adminKey, id)).length, { timeout: 15_000 }).toBe(1);
    // The outbox refuses this agent's rows (and only this agent's: other specs share the database).
    const fn = `refuse_${id.replaceAll('-', '')}`;
    await db.query(
      `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN IF NEW.event LIKE '%${id}%' THEN RAISE EXCEPTION 'outbox refused'; END IF; RETURN NEW; END $$`,
    );
    await db.query(`CREATE TRIGGER ${fn} BEFORE INSERT ON audit_outbox FOR EACH ROW EXECUTE FUNCTION ${fn}()`);
    try {
      const disable = await http('POST', `${h.url}/api/v1/admin/agents/${id}/disable`, { token: t.adminKey });
      expect(disable.status).toBe(500);
      expect(disable.body).toMatchObject({ error: 'internal error', request_id: expect.any(String) as string });
      const cred = await http('POST', `${h.url}/api/v1/admin/credentials`, {
        token: t.adminKey,
        body: { serviceType: 'github', value: 'ghp_notsaved' },
      });
      expect(cred.status).toBe(500);
      const del = await http('DELETE', `${h.url}/api/v1/admin/agents/${id}`, { token: t.adminKey });
      expect(del.status).toBe(500);
    } finally {
      await db.query(`DROP TRIGGER ${fn} ON audit_outbox`);
      await db.query(`DROP FUNCTION ${fn}()`);
    }
    const agent = await http<{ status: string }>('GET', `${h.url}/api/v1/admin/agents/${id}`, { token: t.adminKey });
    expect(agent.body.status).toBe('active');
    const creds = await http<{ items: unknown[] }>('GET', `${h.url}/api/v1/admin/credentials`, { token: t.adminKey });
    expect(creds.body.items).toEqual([]);
    // With the outbox back, the same change commits with its stamp.
    expect((await http('POST', `${h.url}/api/v1/admin/agents/${id}/disable`, { token: t.adminKey })).status).toBe(200);
    await expect
      .poll(async () => (await stamps(t.adminKey, id)).map((s) => s.event.action), { timeout: 15_000 })
      .toEqual(['disabled', 'created']);
  });

  it('/v1/verify answers {valid, sequence} for a hash on the chain and {valid:false} otherwise; edits are found', async () => {
    const t = await h.createTenant();
    const created = await createAgent(t.adminKey);
    const id = created.id;
    const events = Array.from({ length: 5 }, () => requestEvent(id, t.tenantId));
    await queue.addBulk(events.map((data) => ({ name: 'stamp', data, opts: { jobId: data.requestId } })));
    await expect.poll(async () => (await stamps(t.adminKey, id)).length, { timeout: 15_000 }).toBe(6);
    const items = await stamps(t.adminKey, id);
    const at = (seq: number) => items.find((s) => s.seq === seq)!.stateHash;

    expect((await http('GET', `${h.url}/v1/verify/${id}?hash=${at(4)}`)).body).toEqual({ valid: true, sequence: 4 });
    expect((await http('GET', `${h.url}/v1/verify/${id}?hash=${at(4).toUpperCase()}`)).body).toEqual({ valid: true, sequence: 4 });
    expect((await http('GET', `${h.url}/v1/verify/${id}?hash=${'0'.repeat(64)}`)).body).toEqual({ valid: false });
    expect((await http('GET', `${h.url}/v1/verify/${randomUUID()}?hash=${at(4)}`)).body).toEqual({ valid: false });
    expect((await http('GET', `${h.url}/v1/verify/not-an-id?hash=${at(4)}`)).body).toEqual({ valid: false });
    const bad = await http('GET', `${h.url}/v1/verify/${id}?hash=xyz`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: expect.stringContaining('hash') as string, request_id: expect.any(String) as string });

    // Someone with database access edits entry 3.
    await db.query(`UPDATE stamps SET event = replace(event, '"status":200', '"status":201') WHERE agent_id = $1 AND seq = 3`, [id]);
    expect((await http('GET', `${h.url}/v1/audit/agents/${id}/verify`, { token: t.adminKey })).body).toEqual({
      valid: false,
      length: 3,
      firstBadSequence: 3,
    });
    expect((await http('GET', `${h.url}/v1/verify/${id}?hash=${at(2)}`)).body).toEqual({ valid: true, sequence: 2 });
    expect((await http('GET', `${h.url}/v1/verify/${id}?hash=${at(4)}`)).body).toEqual({ valid: false });
  });

  it('public /v1/verify calls are limited per client address, across control-plane pods', async () => {
    // Two pods with a limit of 3 per minute, sharing a Redis prefix of their own.
    const prefix = `${testServices().redisPrefix}-vrl-${randomUUID().slice(0, 8)}`;
    const env = { PORTCULLIS_PUBLIC_VERIFY_PER_MINUTE: '3', PORTCULLIS_REDIS_PREFIX: prefix };
    const pods = [await startControlPlane(env), await startControlPlane(env)];
    try {
      const hash = '0'.repeat(64);
      // The windows are calendar minutes: keep the four calls inside one.
      const intoMinute = Date.now() % 60_000;
      if (intoMinute > 50_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
      const answers = [];
      for (const pod of [...pods, ...pods]) answers.push(await http('GET', `${pod.url}/v1/verify/${randomUUID()}?hash=${hash}`));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
      const limited = answers[3]!;
      expect(limited.body).toMatchObject({
        error: expect.stringContaining('at most 3 per minute') as string,
        request_id: expect.any(String) as string,
      });
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      // Only the public route is limited: the signing keys stay readable.
      expect((await http('GET', `${pods[0]!.url}/v1/audit/checkpoint-keys`)).status).toBe(200);
    } finally {
      for (const pod of pods) await pod.close();
    }
  });

  it('full verify catches removed tail entries; checkpoints and their key are published', async () => {
    const t = await h.createTenant();
    const created = await createAgent(t.adminKey);
    const id = created.id;
    await expect.poll(async () => (await stamps(t.adminKey, id)).length, { timeout: 15_000 }).toBe(1);
    const events = Array.from({ length: 4 }, () => requestEvent(id, t.tenantId));
    await queue.addBulk(events.map((data) => ({ name: 'stamp', data, opts: { jobId: data.requestId } })));
    await expect.poll(async () => (await stamps(t.adminKey, id)).length, { timeout: 15_000 }).toBe(5);

    await expect.poll(async () => (await checkpoints(t.adminKey))[0]?.heads[0]?.seq, { timeout: 15_000 }).toBe(5);
    const cp = (await checkpoints(t.adminKey))[0]!;
    expect(cp).toMatchObject({ tenantId: t.tenantId, heads: [{ agentId: id, seq: 5 }], signature: expect.any(String) as string });
    const keys = await http<{ keys: { keyId: string }[] }>('GET', `${h.url}/v1/audit/checkpoint-keys`);
    expect(keys.status).toBe(200);
    expect(keys.body.keys.map((k) => k.keyId)).toContain(cp.keyId);

    await db.query('DELETE FROM stamps WHERE agent_id = $1 AND seq > 3', [id]);
    expect((await http('GET', `${h.url}/v1/audit/agents/${id}/verify`, { token: t.adminKey })).body).toEqual({
      valid: false,
      length: 3,
      firstBadSequence: 4,
    });
  });

  it("another tenant's agent, request or checkpoints are not visible", async () => {
    const a = await h.createTenant();
    const b = await h.createTenant();
    const { id } = await createAgent(a.adminKey);
    const req = requestEvent(id, a.tenantId);
    await queue.add('stamp', req, { jobId: req.requestId });
    await expect.poll(async () => (await stamps(a.adminKey, id)).length, { timeout: 15_000 }).toBe(2);
    for (const path of [`/v1/audit/agents/${id}/stamps`, `/v1/audit/agents/${id}/verify`, `/v1/audit/requests/${req.requestId}`]) {
      const res = await http('GET', `${h.url}${path}`, { token: b.adminKey });
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ error: expect.any(String) as string, request_id: expect.any(String) as string });
    }
    expect((await http('GET', `${h.url}/v1/audit/agents/${id}/stamps`)).status).toBe(401);
    const theirs = await checkpoints(b.adminKey);
    expect(theirs.every((c) => c.tenantId === b.tenantId)).toBe(true);
  });
});
