// CPU time each proxy spends per request, read from /proc/<pid>/stat around a wrk run: a steadier
// figure than req/s on a shared machine (steal time and the other processes move req/s a lot, CPU
// per request much less). Same fake upstream, same POST /v1/chat/completions body for every target:
//   pnpm run build && node apps/proxy/bench/cpu-cost.mjs [--seconds 8] [--rounds 3]
// Prints µs of CPU (user + system) per request for nginx, the bare undici passthrough, Portcullis
// invoke and the Portcullis LLM route (with and without a budget): the least of the rounds (the one
// the other tenants of the machine disturbed least) and their median. Rounds interleave the targets.
import { readFileSync } from 'node:fs';
import { freePort } from '@portcullis/testing';
import { LLM_BENCH_AGENTS, chatWrkScript, child, createLlmAgent, run, startBenchStack } from './stack.mjs';
import { startNginx } from './nginx.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : process.argv[i + 1];
};
const SECONDS = Number(arg('seconds', 8));
const ROUNDS = Number(arg('rounds', 3));
const lua = chatWrkScript();
const TICK_US = 1e6 / 100; // USER_HZ is 100 on Linux

/** utime + stime of a process and its threads, in µs. */
function cpuUs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

async function measure(pids, url, headers) {
  const before = pids.map(cpuUs);
  const out = await run('wrk', ['-t1', '-c32', `-d${SECONDS}s`, '-s', lua, ...headers.flatMap((h) => ['-H', h]), url]);
  const spent = pids.reduce((sum, pid, i) => sum + cpuUs(pid) - before[i], 0);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  return { usPerRequest: spent / requests, rps: requests / SECONDS, non2xx };
}

const stack = await startBenchStack();
const nginx = await startNginx(stack.upstreamUrl);
const passPort = await freePort();
const passthrough = await child('undici-passthrough.mjs', [passPort, stack.upstreamUrl]);
const targets = [
  ['nginx proxy_pass (1 worker)', nginx.pids, `${nginx.url}/v1/chat/completions`, []],
  ['bare undici passthrough', [passthrough.pid], `http://127.0.0.1:${passPort}/v1/chat/completions`, []],
];
const px = stack.proxies[0];
targets.push([
  'Portcullis invoke',
  [px.child.pid],
  `${px.url}/api/v1/agents/${stack.agentId}/invoke/v1/chat/completions`,
  [`Authorization: Bearer ${stack.runtimeToken}`],
]);
for (const [name, budgets] of LLM_BENCH_AGENTS) {
  const token = await createLlmAgent(stack, name, budgets);
  targets.push([name, [px.child.pid], `${px.url}/v1/chat/completions`, [`Authorization: Bearer ${token}`]]);
}

const results = new Map(targets.map(([name]) => [name, []]));
try {
  for (const [, pids, url, headers] of targets) await measure(pids, url, headers); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, pids, url, headers] of targets) {
      const r = await measure(pids, url, headers);
      if (r.non2xx) throw new Error(`${name}: ${r.non2xx} non-2xx answers`);
      results.get(name).push(r);
      process.stderr.write(`${name}: ${r.usPerRequest.toFixed(0)} µs/request, ${r.rps.toFixed(0)} req/s\n`);
    }
  }
} finally {
  nginx.stop();
  passthrough.kill('SIGTERM');
  await stack.stop();
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`\nCPU per request, POST /v1/chat/completions, wrk -t1 -c32 -d${SECONDS}s, ${ROUNDS} rounds, ${new Date().toISOString()}`);
console.log('| target | µs CPU / request, least | median | req/s, median |');
console.log('|---|---:|---:|---:|');
for (const [name, rs] of results) {
  const us = rs.map((r) => r.usPerRequest);
  console.log(`| ${name} | ${Math.min(...us).toFixed(0)} | ${median(us).toFixed(0)} | ${median(rs.map((r) => r.rps)).toFixed(0)} |`);
}
