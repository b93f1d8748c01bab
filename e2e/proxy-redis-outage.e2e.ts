/**
 * Redis goes away under a running data plane. Uses a private redis-server on a free port (never the
 * shared one): the proxy keeps serving what it confirmed until the staleness bound, then answers 503;
 * stamps made meanwhile go to the local spool; when Redis returns (empty), the control plane
 * republishes, the proxy flushes its cache and serves again, and the spool drains into the queue.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, queuedStamps } from '@portcullis/testing';
import { PROXY_TIMING, startPrivateRedis, startStack, waitFor, type PrivateRedis, type Stack } from './proxy-stack.js';

describe('proxy when Redis is unreachable', () => {
  let redis: PrivateRedis;
  let s: Stack;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    s = await startStack({ env: { REDIS_URL: redis.url } });
    await waitFor(async () => (await fetch(`${s.proxies[0]!.url}/readyz`)).ok, 10_000, 'proxy readiness');
  });
  afterAll(async () => {
    await s?.stop();
    await redis?.kill();
  });

  it('fails closed after the staleness bound, spools stamps, and recovers when Redis returns', async () => {
    const proxy = s.proxies[0]!.url;
    const t = await s.tenant();
    const a = await s.agent(t.adminKey);
    const call = () => http('GET', `${proxy}/api/v1/agents/${a.id}/invoke/during`, { headers: { authorization: `Bearer ${a.token}` } });
    expect((await call()).status).toBe(200);

    await redis.kill();
    const downAt = Date.now();

    // Still confirmed recently: served from the cache; the stamp cannot reach Redis, so it is spooled.
    const during = await call();
    expect(during.status).toBe(200);
    const spooledId = during.headers.get('x-gateway-request-id')!;
    const spool = join(s.spoolDir, 'proxy-0.spool');
    await waitFor(() => Promise.resolve(existsSync(spool) && readFileSync(spool, 'utf8').includes(spooledId)), 3000, 'spooled stamp');

    // Past the staleness bound nothing can be confirmed: 503, never a possibly-disabled agent.
    let status = 0;
    while (status !== 503) {
      status = (await call()).status;
      expect(Date.now() - downAt).toBeLessThan(Number(PROXY_TIMING.PORTCULLIS_STALENESS_BOUND_MS) + 1000);
      await new Promise((r) => setTimeout(r, 20));
    }
    const failClosed = await call();
    expect(failClosed.status).toBe(503);
    expect(failClosed.body).toMatchObject({ error: expect.any(String), request_id: expect.any(String) });

    // Redis returns empty: the control plane republishes, the proxy flushes and serves again.
    await redis.start();
    let last = '';
    await waitFor(
      async () => {
        const r = await call();
        last = `${r.status} ${r.text}`;
        return r.status === 200;
      },
      15_000,
      'recovery after Redis returned',
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}; last answer ${last}\n${s.cp.output.slice(-15).join('\n')}\n${s.proxies[0]!.output.slice(-15).join('\n')}`,
      );
    });

    // The spooled stamp reached the queue.
    await waitFor(
      async () => (await queuedStamps(redis.url, s.env.PORTCULLIS_REDIS_PREFIX)).some((e) => e.requestId === spooledId),
      10_000,
      'drained stamp',
    );
    expect(existsSync(spool)).toBe(false);
  });
});
