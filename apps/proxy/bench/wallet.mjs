// The agent wallet through the MCP SDK client, against a control plane and 2 proxy pods:
//   node apps/proxy/bench/wallet.mjs            (after `pnpm run build`; BENCH_CALLS=300 by default)
// Prints p50/p99 of: opening a Streamable HTTP session (initialize + initialized), tool calls served
// from Redis alone (lock_acquire + lock_release), through the control plane (portcullis_get_identity,
// workroom_post), with calls alternating between the pods; throughput of 8 concurrent clients on
// lock_list; and the kill switch: time from the disable call returning until an open SSE stream on
// the other pod ends (20 trials).
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { http } from '@portcullis/testing';
import { startBenchStack } from './stack.mjs';

const CALLS = Number(process.env.BENCH_CALLS ?? 300);
const stack = await startBenchStack({ proxies: 2 });
const headers = { authorization: `Bearer ${stack.runtimeToken}` };
const pods = stack.proxies.map((p) => p.url);

const pct = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const fmt = (xs) => `p50 ${pct(xs, 50).toFixed(2)} ms  p99 ${pct(xs, 99).toFixed(2)} ms  (n=${xs.length})`;

async function open() {
  let n = 0;
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${pods[0]}/mcp`), {
      requestInit: { headers },
      fetch: (url, init) => fetch(String(url).replace(pods[0], pods[n++ % pods.length]), init),
    }),
  );
  return client;
}

async function timed(fn) {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

try {
  const sessions = [];
  for (let i = 0; i < 50; i++) sessions.push(await timed(async () => (await open()).close()));
  console.log(`open session          ${fmt(sessions)}`);

  const client = await open();
  const call = (name, args = {}) => client.callTool({ name, arguments: args });
  for (let i = 0; i < 30; i++) await call('lock_list'); // warm up
  const locks = [];
  for (let i = 0; i < CALLS; i++) {
    locks.push(await timed(() => call('lock_acquire', { resource: `bench/${i % 10}` })));
    locks.push(await timed(() => call('lock_release', { resource: `bench/${i % 10}` })));
  }
  console.log(`lock acquire/release  ${fmt(locks)}`);
  const identity = [];
  for (let i = 0; i < CALLS; i++) identity.push(await timed(() => call('portcullis_get_identity')));
  console.log(`get_identity (cp)     ${fmt(identity)}`);
  await call('workroom_join', { name: 'bench' });
  const posts = [];
  for (let i = 0; i < CALLS; i++)
    posts.push(await timed(() => call('workroom_post', { name: 'bench', kind: 'share_update', body: `update ${i}` })));
  console.log(`workroom_post (cp)    ${fmt(posts)}`);

  const clients = await Promise.all(Array.from({ length: 8 }, () => open()));
  const t0 = performance.now();
  let done = 0;
  await Promise.all(
    clients.map(async (c) => {
      for (let i = 0; i < CALLS / 4; i++, done++) await c.callTool({ name: 'lock_list', arguments: {} });
    }),
  );
  console.log(`8 clients, lock_list  ${((done / (performance.now() - t0)) * 1000).toFixed(0)} calls/s over 2 pods`);
  for (const c of [client, ...clients]) await c.close();

  const cuts = [];
  for (let i = 0; i < 20; i++) {
    const res = await fetch(`${pods[1]}/mcp/sse`, { headers: { ...headers, accept: 'text/event-stream' } });
    const reader = res.body.getReader();
    await reader.read(); // the endpoint event
    let ended = 0;
    const end = (async () => {
      while (!(await reader.read()).done);
      ended = performance.now();
    })().catch(() => (ended = performance.now()));
    const r = await http('POST', `${stack.cp.url}/api/v1/admin/agents/${stack.agentId}/disable`, { token: stack.adminKey });
    const returned = performance.now();
    if (r.status !== 200) throw new Error(`disable: ${r.status}`);
    await end;
    cuts.push(Math.max(0, ended - returned));
    await http('POST', `${stack.cp.url}/api/v1/admin/agents/${stack.agentId}/enable`, { token: stack.adminKey });
    for (;;) {
      const ok = await fetch(`${pods[1]}/mcp/sse`, { headers: { ...headers, accept: 'text/event-stream' } });
      await ok.body?.cancel();
      if (ok.status === 200) break;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  console.log(`kill switch → SSE cut ${fmt(cuts)}  (after the disable call returned; 0 = already cut)`);
} finally {
  await stack.stop();
}
