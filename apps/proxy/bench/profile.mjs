// A CPU profile of one proxy under wrk load (10 s, -c64), printed as self time by package and by
// function, the profile file kept for a closer look (chrome://inspect, or speedscope):
//   pnpm run build && node apps/proxy/bench/profile.mjs [--invoke] [--budget]
// Default: POST /v1/chat/completions on the LLM route; --invoke: the same POST through invoke.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chatWrkScript, createLlmAgent, run, startBenchStack } from './stack.mjs';

const dir = mkdtempSync(join(tmpdir(), 'prof-'));
const stack = await startBenchStack({ proxies: 0 });
const px = await stack.startProxy({}, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
const budgets = process.argv.includes('--budget') ? [{ window: 'day', requests: 1e9 }] : [];
const llmToken = await createLlmAgent(stack, 'prof', budgets);
const lua = chatWrkScript();
const invoke = process.argv.includes('--invoke');
const url = invoke ? `${px.url}/api/v1/agents/${stack.agentId}/invoke/v1/chat/completions` : `${px.url}/v1/chat/completions`;
const token = invoke ? stack.runtimeToken : llmToken;
console.log(await run('wrk', ['-t1', '-c64', '-d10s', '-s', lua, '-H', `Authorization: Bearer ${token}`, url]));
await stack.stop();
await new Promise((r) => setTimeout(r, 1000));
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
console.log('PROFILE', join(dir, file));
const prof = JSON.parse(readFileSync(join(dir, file), 'utf8'));
const self = new Map();
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const dt = new Map();
for (let i = 0; i < prof.samples.length; i++) dt.set(prof.samples[i], (dt.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
let total = 0;
for (const [id, t] of dt) {
  const n = byId.get(id);
  const cf = n.callFrame;
  const key = `${cf.functionName || '(anon)'} ${cf.url.replace(/.*node_modules\//, '').replace('file:///work/main/', '')}:${cf.lineNumber}`;
  self.set(key, (self.get(key) ?? 0) + t);
  total += t;
}
const byPkg = new Map();
for (const [k, t] of self) {
  const m = / (.*?):\d+$/.exec(k)?.[1] ?? '';
  const pkg =
    m.startsWith('apps/') || m.startsWith('libs/')
      ? m
      : m.startsWith('node:')
        ? 'node:' + m.split(/[:/]/)[2]
        : m.split('/')[0] || k.split(' ')[0];
  byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + t);
}
for (const [k, t] of [...byPkg].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(((100 * t) / total).toFixed(1).padStart(5), 'PKG', k);
const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, 45);
for (const [k, t] of rows) console.log(((100 * t) / total).toFixed(1).padStart(5), k);
