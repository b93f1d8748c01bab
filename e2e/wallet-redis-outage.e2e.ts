/**
 * The wallet when Redis goes away (a private redis-server, never the shared one): it fails closed —
 * no session opens or continues on a guess, and an open SSE stream is cut once the agent's state can no
 * longer be confirmed — and it serves again once Redis is back.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivateRedis, startStack, waitFor, type PrivateRedis, type Stack } from './proxy-stack.js';

describe('wallet when Redis is unreachable', () => {
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

  it('refuses new and open sessions while Redis is away, cuts SSE streams, and serves again after', async () => {
    const proxy = s.proxies[0]!.url;
    const t = await s.tenant();
    const a = await s.agent(t.adminKey);
    const headers = { authorization: `Bearer ${a.token}` };
    const connect = async (): Promise<Client> => {
      const c = new Client({ name: 'outage', version: '1.0.0' });
      await c.connect(new StreamableHTTPClientTransport(new URL(`${proxy}/mcp`), { requestInit: { headers } }));
      return c;
    };
    const client = await connect();
    expect((await client.callTool({ name: 'lock_list', arguments: {} })).isError).toBeFalsy();
    const sse = await fetch(`${proxy}/mcp/sse`, { headers: { ...headers, accept: 'text/event-stream' } });
    const reader = sse.body!.getReader();
    await reader.read();
    const sseEnded = (async () => {
      for (;;) if ((await reader.read()).done) return true;
    })().catch(() => true);

    await redis.kill();

    // an open session cannot be confirmed: refused at once (503), not served on a guess
    await expect(client.callTool({ name: 'lock_list', arguments: {} })).rejects.toMatchObject({ code: 503 });
    await expect(connect()).rejects.toMatchObject({ code: 503 });
    // past the staleness bound the agent itself is unconfirmable: the open SSE stream is cut
    expect(await sseEnded).toBe(true);

    await redis.start();
    // Redis came back empty: the old session is gone (404 → initialize again); a new one works
    await waitFor(
      async () => {
        const c = await connect();
        const ok = !(await c.callTool({ name: 'lock_list', arguments: {} })).isError;
        await c.close();
        return ok;
      },
      20_000,
      'wallet back',
    );
    await expect(client.callTool({ name: 'lock_list', arguments: {} })).rejects.toMatchObject({ code: 404 });
    await client.close();
  });
});
