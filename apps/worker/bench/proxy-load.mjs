// Stamp workers behind a proxy at its sustained maximum: does the backlog stay bounded?
//
//   pnpm run build && node apps/worker/bench/proxy-load.mjs [--workers 1,2] [--seconds 20] [--agents 4]
//
// One stack (control plane, one proxy, the bench upstream; database and Redis prefix of its own);
// for each worker count: N stamp workers, then wrk -t1 -c64 through invoke, spread over several
// agents, for --seconds. Every second it prints the requests the proxy answered, the stamps on the
// chains and the difference (the backlog, in stamps); at the end, the request and append rates, the
// peak backlog, and how long the backlog took to drain once the load stopped.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { freePort, http, spawnApp, workerEnv } from '@portcullis/testing';
import { run, startBenchStack } from '../../proxy/bench/stack.mjs';

const { values: opts } = parseArgs({
  options: {
    workers: { type: 'string', default: '1,2' },
    seconds: { type: 'string', default: '20' },
    agents: { type: 'string', default: '4' },
    connections: { type: 'string', default: '64' },
  },
});
const SECONDS = Number(opts.seconds);

// wrk spreads its connections over the agents: each request picks the next agent and its token.
async function wrkScript(agents) {
  const file = join(mkdtempSync(join(tmpdir(), 'portcullis-wrk-')), 'agents.lua');
  const list = agents.map((a) => `{"/api/v1/agents/${a.id}/invoke/bench", "Bearer ${a.token}"}`).join(',\n  ');
  writeFileSync(
    file,
    `local agents = {\n  ${list}\n}\nlocal i = 0\nrequest = function()\n  i = i % #agents + 1\n` +
      `  return wrk.format("GET", agents[i][1], { ["Authorization"] = agents[i][2] })\nend\n`,
  );
  return file;
}

/** Requests the proxy answered so far, from its own counter. */
async function answered(proxyUrl) {
  const text = await (await fetch(`${proxyUrl}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(/^portcullis_proxy_requests_total\{route="invoke",status="\d+"\} (\d+)/gm)) n += Number(m[1]);
  return n;
}

const results = [];
const stack = await startBenchStack();
const db = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
const workers = [];
try {
  const agents = [{ id: stack.agentId, token: stack.runtimeToken }];
  for (let i = 1; i < Number(opts.agents); i++) {
    const res = await http('POST', `${stack.cp.url}/api/v1/admin/agents`, {
      token: stack.adminKey,
      body: { name: `bench-agent-${i}`, upstreamUrl: stack.upstreamUrl, requiredCredentials: [{ serviceType: 'github' }] },
    });
    if (res.status !== 201) throw new Error(`agent: ${res.status} ${res.text}`);
    agents.push({ id: res.body.agent.id, token: res.body.runtimeToken });
  }
  const script = await wrkScript(agents);
  const proxy = stack.proxies[0].url;
  const stamps = async () => Number((await db.query("SELECT count(*) AS n FROM stamps WHERE event_type = 'request'")).rows[0].n);
  for (const n of opts.workers.split(',').map(Number)) {
    for (let i = 0; i < n; i++) workers.push(await spawnApp('worker', await freePort(), workerEnv()));
    const base = { req: await answered(proxy), stamps: await stamps() };
    const load = run('wrk', ['-t1', `-c${opts.connections}`, `-d${SECONDS}s`, '-s', script, proxy]);
    let done = false;
    void load.finally(() => (done = true));
    const t0 = performance.now();
    let peak = 0;
    console.log(`\n${n} worker(s), ${agents.length} agents, wrk -t1 -c${opts.connections} -d${SECONDS}s through invoke`);
    while (!done) {
      await new Promise((r) => setTimeout(r, 1000));
      const now = { req: (await answered(proxy)) - base.req, stamps: (await stamps()) - base.stamps };
      peak = Math.max(peak, now.req - now.stamps);
      const t = ((performance.now() - t0) / 1000).toFixed(1);
      console.log(`  [${t}s] answered ${now.req}, stamped ${now.stamps}, backlog ${now.req - now.stamps}`);
    }
    const loadSeconds = (performance.now() - t0) / 1000;
    const total = (await answered(proxy)) - base.req;
    const atStop = total - ((await stamps()) - base.stamps);
    const t1 = performance.now();
    while ((await stamps()) - base.stamps < total) await new Promise((r) => setTimeout(r, 50));
    const drainSeconds = (performance.now() - t1) / 1000;
    const row = {
      workers: n,
      reqPerSec: Math.round(total / loadSeconds),
      stampsPerSec: Math.round(total / (loadSeconds + drainSeconds)),
      peak,
      atStop,
      drainSeconds: Number(drainSeconds.toFixed(2)),
    };
    results.push(row);
    console.log(`  ${JSON.stringify(row)}`);
    await Promise.all(workers.splice(0).map((w) => w.stop()));
  }
} finally {
  await Promise.all(workers.map((w) => w.stop()));
  await db.end();
  await stack.stop();
}

console.log(`\nStamp workers behind the proxy at saturation — ${new Date().toISOString()}, ${SECONDS} s of load per row`);
console.log(
  '| workers | requests/s answered | stamps/s appended (load + drain) | peak backlog (stamps) | backlog when load stopped | drain after |',
);
console.log('|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(`| ${r.workers} | ${r.reqPerSec} | ${r.stampsPerSec} | ${r.peak} | ${r.atStop} | ${r.drainSeconds} s |`);
}
