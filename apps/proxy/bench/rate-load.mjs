// Open-loop load at a fixed rate, in its own process: `node rate-load.mjs <url> <req/s> <seconds> [header: value]...`
// With RATE_BODY set, each request is a POST of that body (JSON).
// Prints {sent, ok, errors, p50, p90, p99, max} in milliseconds. Requests start on schedule whether
// or not earlier ones finished (no coordinated omission).
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

const [url, rate, seconds, ...headerArgs] = process.argv.slice(2);
const headers = Object.fromEntries(headerArgs.map((h) => [h.slice(0, h.indexOf(':')).trim(), h.slice(h.indexOf(':') + 1).trim()]));
const u = new URL(url);
const pool = new Pool(u.origin, { connections: 64, pipelining: 1 });
const body = process.env.RATE_BODY;
const method = body === undefined ? 'GET' : 'POST';
if (body !== undefined) headers['content-type'] = 'application/json';
const latencies = [];
let ok = 0;
let errors = 0;
const total = Number(rate) * Number(seconds);
const interval = 1000 / Number(rate);
const start = performance.now();
const pending = [];
for (let i = 0; i < total; i++) {
  const due = start + i * interval;
  const wait = due - performance.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  pending.push(
    pool.request({ path: u.pathname + u.search, method, headers, body }).then(
      async (res) => {
        await res.body.dump();
        latencies.push(performance.now() - due);
        if (res.statusCode === 200) ok++;
        else errors++;
      },
      () => errors++,
    ),
  );
}
await Promise.all(pending);
await pool.close();
latencies.sort((a, b) => a - b);
const q = (p) => Number((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN).toFixed(3));
process.stdout.write(JSON.stringify({ sent: total, ok, errors, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: q(1) }) + '\n');
