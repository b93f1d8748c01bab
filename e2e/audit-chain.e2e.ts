/**
 * Requests through two proxy pods → the worker → the agent's chain: exactly one stamp per answered
 * request, seq 1..N with no gap, every request id findable, and the chain verifies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startWorker, type RunningApp } from '@portcullis/testing';
import { startStack, waitFor, type Stack } from './proxy-stack.js';

describe('audit chain through the proxy', () => {
  let stack: Stack;
  let worker: RunningApp;

  beforeAll(async () => {
    stack = await startStack({ proxies: 2 });
    worker = await startWorker();
  }, 60_000);
  afterAll(async () => {
    await worker?.stop();
    await stack?.stop();
  });

  it('stamps N requests as exactly N chain entries, gap-free, and the chain verifies', async () => {
    const t = await stack.tenant();
    const agent = await stack.agent(t.adminKey);
    const n = 60;
    const answered = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const res = await http('POST', `${stack.proxies[i % 2]!.url}/api/v1/agents/${agent.id}/invoke/item/${i}`, {
          token: agent.token,
          body: { i },
        });
        expect(res.status).toBe(200);
        return res.headers.get('x-gateway-request-id')!;
      }),
    );
    expect(new Set(answered).size).toBe(n);

    const verify = async () => (await http('GET', `${stack.cp.url}/v1/audit/agents/${agent.id}/verify`, { token: t.adminKey })).body;
    // the admin "created" stamp plus one per request
    await waitFor(async () => (await verify()).length === n + 1, 30_000, 'every stamp on the chain');
    const result = await verify();
    expect(result).toMatchObject({ valid: true, length: n + 1 });

    const seqs: number[] = [];
    for (const id of answered) {
      const s = await http('GET', `${stack.cp.url}/v1/audit/requests/${id}`, { token: t.adminKey });
      expect(s.status).toBe(200);
      expect(s.body).toMatchObject({ agentId: agent.id, type: 'request' });
      seqs.push(s.body.seq as number);
      if (id === answered[answered.length - 1]) {
        const pub = await http('GET', `${stack.cp.url}/v1/verify/${agent.id}?hash=${s.body.stateHash as string}`);
        expect(pub.body).toEqual({ valid: true, sequence: s.body.seq });
      }
    }
    // One entry each, inside 1..n+1; the admin "created" stamp (relayed through the outbox) holds the
    // remaining sequence number, wherever it interleaved.
    expect(new Set(seqs).size).toBe(n);
    expect(seqs.every((s) => s >= 1 && s <= n + 1)).toBe(true);
  }, 90_000);
});
