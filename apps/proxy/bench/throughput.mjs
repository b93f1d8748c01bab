// Throughput and added latency, one run, printed as a table:
//   node apps/proxy/bench/throughput.mjs            (after `pnpm run build`; wrk and nginx from Debian)
// Targets, all in front of the same fake upstream process (/bench: ~1 KB JSON; and an 8 ms-delay variant):
//   direct upstream · nginx proxy_pass (reference) · bare undici passthrough · Portcullis with undici ·
//   Portcullis with http-proxy. Portcullis runs with every feature on (art_ auth, a credential injected,
//   upstream secret, session token minted, stamp enqueued). Saturation: wrk -t1 -c64 (separate process).
//   Moderate load: rate-load.mjs at a fixed rate, latencies p50/p99 compared with direct.
// With --llm: the same, for POST /v1/chat/completions (a small OpenAI-format body) through the LLM
//   route (provider key injected, usage read, stamp with usage), with and without a budget, next to
//   the same POST through invoke.
import { cpus } from 'node:os';
import { freePort } from '@portcullis/testing';
import { CHAT, LLM_BENCH_AGENTS, chatWrkScript, child, createLlmAgent, run, startBenchStack } from './stack.mjs';
import { startNginx } from './nginx.mjs';

const DURATION = process.env.BENCH_SECONDS ?? '8';
const CONNECTIONS = process.env.BENCH_CONNECTIONS ?? '64';
const MODERATE_RATE = process.env.BENCH_RATE ?? '500';
const LLM = process.argv.includes('--llm');
const PATH = LLM ? '/v1/chat/completions' : '/bench';
let wrkScript = [];
if (LLM) {
  // wrk and rate-load.mjs send the chat body as a POST.
  wrkScript = ['-s', chatWrkScript()];
  process.env.RATE_BODY = CHAT;
}

function parseWrk(out) {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const errors = /Socket errors:.*/.exec(out)?.[0] ?? '';
  return { rps, non2xx, errors };
}

async function wrk(url, headers) {
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${DURATION}s`, ...wrkScript, ...headers.flatMap((h) => ['-H', h]), url];
  return parseWrk(await run('wrk', args));
}

async function moderate(url, headers) {
  await run(process.execPath, [new URL('rate-load.mjs', import.meta.url).pathname, url, '200', '1', ...headers]); // warm-up
  return JSON.parse(await run(process.execPath, [new URL('rate-load.mjs', import.meta.url).pathname, url, MODERATE_RATE, '5', ...headers]));
}

const stack = await startBenchStack();
const viaHttpProxy = await stack.startProxy({ PORTCULLIS_FORWARDER: 'http-proxy' });
const nginx = await startNginx(stack.upstreamUrl);
const passPort = await freePort();
const passthrough = await child('undici-passthrough.mjs', [passPort, stack.upstreamUrl]);
const auth = [`Authorization: Bearer ${stack.runtimeToken}`];
const invoke = (base) => `${base}/api/v1/agents/${stack.agentId}/invoke${PATH}`;
const targets = [
  ['direct upstream', `${stack.upstreamUrl}${PATH}`, []],
  ['nginx proxy_pass', `${nginx.url}${PATH}`, []],
  ['bare undici passthrough', `http://127.0.0.1:${passPort}${PATH}`, []],
  [`Portcullis invoke (undici)`, invoke(stack.proxies[0].url), auth],
];
if (LLM) {
  // Two more agents of the same tenant: an OpenAI-kind provider at the fake upstream, one with a budget.
  for (const [name, budgets] of LLM_BENCH_AGENTS) {
    const token = await createLlmAgent(stack, name, budgets);
    targets.push([name, `${stack.proxies[0].url}${PATH}`, [`Authorization: Bearer ${token}`]]);
  }
} else {
  targets.push(['Portcullis invoke (http-proxy)', invoke(viaHttpProxy.url), auth]);
}

const rows = [];
try {
  for (const [name, url, headers] of targets) {
    const check = await fetch(url, {
      method: LLM ? 'POST' : 'GET',
      headers: { ...Object.fromEntries(headers.map((h) => h.split(': '))), 'content-type': 'application/json' },
      ...(LLM ? { body: CHAT } : {}),
    });
    if (!check.ok) throw new Error(`${name} answered ${check.status}`);
    await check.arrayBuffer();
    await wrk(url, headers); // warm-up run, discarded
    const sat = await wrk(url, headers);
    const delayed = LLM ? { rps: NaN, non2xx: 0 } : await wrk(`${url}?delayMs=8`, headers);
    const mod = await moderate(url, headers);
    rows.push({ name, rps: sat.rps, rps8ms: delayed.rps, p50: mod.p50, p99: mod.p99, errors: sat.non2xx + delayed.non2xx + mod.errors });
    process.stderr.write(`${name}: ${JSON.stringify(rows.at(-1))}\n`);
  }
} finally {
  nginx.stop();
  passthrough.kill('SIGTERM');
  await stack.stop();
}

const nginxRps = rows.find((r) => r.name.startsWith('nginx')).rps;
const direct = rows[0];
console.log(
  `\nPortcullis proxy benchmark${LLM ? ' (LLM route, POST /v1/chat/completions)' : ''} — ${new Date().toISOString()}, ${cpus().length} cores (shared machine), wrk -t1 -c${CONNECTIONS} -d${DURATION}s, moderate load ${MODERATE_RATE} req/s for 5 s`,
);
console.log(
  '| target | req/s (1 KB) | vs nginx | req/s (8 ms upstream) | p50 ms @moderate | p99 ms @moderate | added p50 / p99 vs direct | errors |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.name} | ${Math.round(r.rps)} | ${(r.rps / nginxRps).toFixed(2)}× | ${Math.round(r.rps8ms)} | ${r.p50} | ${r.p99} | ${(r.p50 - direct.p50).toFixed(3)} / ${(r.p99 - direct.p99).toFixed(3)} | ${r.errors} |`,
  );
}
