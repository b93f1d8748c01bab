// Kill-switch propagation across 3 proxy processes while load runs:
//   node apps/proxy/bench/kill-switch.mjs            (after `pnpm run build`)
// 50 times: enable the agent and wait until every pod serves it, then disable it through the admin API
// while every pod is probed back to back (keep-alive connections) until each answers 403. Prints the
// time from sending the disable until the last pod refused (p50/p99/max), and how many probes sent
// after the disable call returned were still served (the promise: once it returns, none is).
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { http } from '@portcullis/testing';
import { run, startBenchStack } from './stack.mjs';

const TRIALS = Number(process.env.BENCH_TRIALS ?? 50);
const stack = await startBenchStack({ proxies: 3 });
const headers = { authorization: `Bearer ${stack.runtimeToken}` };
const path = `/api/v1/agents/${stack.agentId}/invoke/bench`;
const pools = stack.proxies.map((p) => new Pool(p.url, { connections: 4 }));
// 0 when the request was cut: disabling destroys the agent's responses in flight, by design.
const status = async (pool) => {
  try {
    const res = await pool.request({ path, method: 'GET', headers });
    await res.body.dump();
    return res.statusCode;
  } catch {
    return 0;
  }
};
const admin = (action) => http('POST', `${stack.cp.url}/api/v1/admin/agents/${stack.agentId}/${action}`, { token: stack.adminKey });

// Background load on every pod for the whole run (a separate process per pod).
const load = stack.proxies.map((p) =>
  run(process.execPath, [
    new URL('rate-load.mjs', import.meta.url).pathname,
    `${p.url}${path}`,
    '100',
    String(TRIALS),
    `authorization: Bearer ${stack.runtimeToken}`,
  ]).catch(() => null),
);

const fromSent = [];
const fromReturned = [];
const callMs = [];
let servedAfterReturn = 0;
let probes = 0;
try {
  for (let i = 0; i < TRIALS; i++) {
    await admin('enable');
    for (const pool of pools) while ((await status(pool)) !== 200) await new Promise((r) => setTimeout(r, 2));
    // Every pod is probed back to back from before the disable is sent until it answers 403; each
    // probe's send time is kept, so the figure is when a pod started refusing, not when a reply landed.
    let sent = Infinity;
    let returned = Infinity;
    const probing = pools.map(async (pool) => {
      for (;;) {
        const at = performance.now();
        const s = await status(pool);
        probes++;
        if (s === 403 && at >= sent) return at;
        if (s === 200 && at > returned) servedAfterReturn++;
      }
    });
    await new Promise((r) => setTimeout(r, 5));
    sent = performance.now();
    const off = await admin('disable');
    returned = performance.now();
    if (off.status !== 200) throw new Error(`disable answered ${off.status}`);
    const rejectedAt = await Promise.all(probing);
    fromSent.push(Math.max(...rejectedAt) - sent);
    fromReturned.push(Math.max(0, Math.max(...rejectedAt) - returned));
    callMs.push(returned - sent);
  }
} finally {
  await Promise.all(pools.map((p) => p.close()));
  await Promise.all(load);
  await stack.stop();
}

const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))].toFixed(2);
console.log(`\nKill-switch propagation, 3 proxy pods, ${TRIALS} disables under ~100 req/s per pod (shared 2-core machine)`);
console.log('| measured from | p50 ms | p99 ms | max ms |');
console.log('|---|---:|---:|---:|');
console.log(
  `| disable sent → the last pod's first refused probe was sent | ${q(fromSent, 0.5)} | ${q(fromSent, 0.99)} | ${q(fromSent, 1)} |`,
);
console.log(
  `| disable returned → the last pod's first refused probe was sent (0 = already refusing) | ${q(fromReturned, 0.5)} | ${q(fromReturned, 0.99)} | ${q(fromReturned, 1)} |`,
);
console.log(`| (the disable call itself: sent → returned) | ${q(callMs, 0.5)} | ${q(callMs, 0.99)} | ${q(callMs, 1)} |`);
console.log(`probes sent after the disable call returned that were still served (200): ${servedAfterReturn} of ${probes} probes in total`);
