/**
 * A Redis outage while an admin disables an agent: the change is committed, the admin hears 503 (not
 * a false success), and when Redis is back the control plane republishes, so the data plane sees the
 * agent disabled. Runs its own redis-server so the shared one is never touched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys, type AgentSnapshot } from '@portcullis/contracts';
import { freePort, http, testServices } from '@portcullis/testing';
import { startControlPlane, type Harness } from './harness.js';

function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  return new Promise((resolve, reject) => {
    const until = Date.now() + 10_000;
    const probe = (): void => {
      const r = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      r.on('error', () => undefined);
      r.connect()
        .then(() => (r.disconnect(), resolve(child)))
        .catch(() => {
          r.disconnect();
          if (Date.now() > until) reject(new Error('redis-server did not start'));
          else setTimeout(probe, 50);
        });
    };
    probe();
  });
}

const stop = (c: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (c.exitCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGKILL');
  });

describe('Redis outage during a kill switch', () => {
  let port: number;
  let redisProc: ChildProcess;
  let h: Harness;
  const keys = redisKeys(testServices().redisPrefix);

  beforeAll(async () => {
    port = await freePort();
    redisProc = await startRedis(port);
    h = await startControlPlane({ REDIS_URL: `redis://127.0.0.1:${port}` });
  });
  afterAll(async () => {
    await h?.close();
    if (redisProc) await stop(redisProc);
  });

  it('answers 503 while Redis is down, and the republish on reconnect carries the disabled state', async () => {
    const t = await h.createTenant();
    const created = await http('POST', `${h.url}/api/v1/admin/agents`, {
      token: t.adminKey,
      body: { name: 'bot', upstreamUrl: 'http://127.0.0.1:9', requiredCredentials: [] },
    });
    const id: string = created.body.agent.id;

    await stop(redisProc);
    const res = await http('POST', `${h.url}/api/v1/admin/agents/${id}/disable`, { token: t.adminKey });
    expect(res.status).toBe(503);
    expect(res.body.error).toContain('not yet propagated');

    // Redis comes back empty, as a restarted Redis does.
    redisProc = await startRedis(port);
    const fresh = new Redis(port, '127.0.0.1');
    try {
      await expect
        .poll(async () => (JSON.parse((await fresh.get(keys.agent(id))) ?? 'null') as AgentSnapshot | null)?.status, {
          timeout: 15_000,
          interval: 100,
        })
        .toBe('disabled');
    } finally {
      fresh.disconnect();
    }
    const got = await http('GET', `${h.url}/api/v1/admin/agents/${id}`, { token: t.adminKey });
    expect(got.body.status).toBe('disabled');
  }, 40_000);
});
