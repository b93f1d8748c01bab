// Hand-run benchmark of vault proxy mode: what POST /v1/proxy adds over calling the upstream directly
// (auth + policy + secret open + SSRF guard + scrubbing), and streaming throughput through the scrubber.
//   pnpm run build
//   createdb -h 127.0.0.1 -U postgres pc_bench && DATABASE_URL=postgresql://postgres@127.0.0.1:5432/pc_bench node scripts/prisma.mjs migrate deploy
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/pc_bench node apps/control-plane/bench/proxy.bench.mjs
// Prints figures; asserts nothing. Numbers depend on the machine (and on anyone else using it).
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { loadControlPlaneConfig } from '@portcullis/config';
import { createApp } from '../dist/app.js';

const KEY = `sk-live-${randomBytes(16).toString('hex')}`;
const BIG = Buffer.alloc(8 * 1024 * 1024, 'abcdefghij0123456789');
const upstream = http.createServer((req, res) => {
  if (req.url === '/big')
    return void res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BIG.length }).end(BIG);
  res
    .writeHead(200, { 'content-type': 'application/json' })
    .end(JSON.stringify({ ok: true, auth: req.headers.authorization, pad: 'x'.repeat(900) }));
});
await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
const up = `http://127.0.0.1:${upstream.address().port}`;

const env = {
  DATABASE_URL: process.env.DATABASE_URL,
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  PORTCULLIS_REDIS_PREFIX: `bench-${randomBytes(4).toString('hex')}`,
  PORTCULLIS_ROOT_TOKEN: `root-${randomBytes(24).toString('hex')}`,
  PORTCULLIS_MASTER_KEY: randomBytes(32).toString('hex'),
  PORTCULLIS_DATA_PLANE_KEY: randomBytes(32).toString('hex'),
  PORTCULLIS_JWT_SECRET: randomBytes(32).toString('hex'),
  PORTCULLIS_INTERNAL_TOKEN: `int-${randomBytes(24).toString('hex')}`,
  PORTCULLIS_DOCS: 'false',
  PORTCULLIS_PROXY_MAX_RESPONSE_BYTES: String(64 * 1024 * 1024),
};
const app = await createApp(loadControlPlaneConfig(env), pino({ level: 'silent' }));
await app.listen(0, '127.0.0.1');
const cp = `http://127.0.0.1:${app.getHttpServer().address().port}`;

const json = (method, url, token, body) =>
  fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: await r.text() }));
const slug = `bench-${randomBytes(4).toString('hex')}`;
const tenant = JSON.parse((await json('POST', `${cp}/api/v1/platform/tenants`, env.PORTCULLIS_ROOT_TOKEN, { name: slug, slug })).body);
const admin = tenant.adminApiKey;
await json('PUT', `${cp}/v1/secrets/bench/key`, admin, { value: KEY, metadata: { allow_private: 'true' } });
await json('POST', `${cp}/api/v1/admin/policies`, admin, { name: 'p', rules: [{ path: 'bench/*', capabilities: ['proxy'] }] });
const role = JSON.parse((await json('POST', `${cp}/api/v1/admin/approles`, admin, { name: 'bot', policies: ['p'] })).body);
const token = JSON.parse(
  (await json('POST', `${cp}/v1/auth/approle/login`, '', { role_id: role.role_id, secret_id: role.secret_id })).body,
).token;

async function run(name, n, concurrency, once) {
  for (let i = 0; i < 50; i++) await once(); // warm up
  const lat = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < n) {
        const s = performance.now();
        await once();
        lat.push(performance.now() - s);
      }
    }),
  );
  const s = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(2);
  console.log(
    `${name.padEnd(44)} ${(n / s).toFixed(0).padStart(6)} req/s   p50 ${q(0.5)} ms   p99 ${q(0.99)} ms   (${n} requests, ${concurrency} concurrent)`,
  );
}

const direct = async () => {
  const r = await fetch(`${up}/small`, { headers: { authorization: `Bearer ${KEY}` } });
  await r.arrayBuffer();
};
const viaProxy = async () => {
  const r = await fetch(`${cp}/v1/proxy`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ method: 'GET', url: `${up}/small`, inject: { Authorization: 'bench/key' } }),
  });
  const text = await r.text();
  if (r.status !== 200 || text.includes(KEY)) throw new Error(`bad proxy answer ${r.status}`);
};
const whoami = async () => {
  const r = await fetch(`${cp}/v1/auth/whoami`, { headers: { authorization: `Bearer ${token}` } });
  await r.arrayBuffer();
};
await run('direct to upstream (1 KB JSON)', 2000, 8, direct);
await run('GET /v1/auth/whoami (vault auth only)', 500, 8, whoami);
await run('POST /v1/proxy (1 KB JSON, scrubbed)', 500, 8, viaProxy);
await run('POST /v1/proxy, one at a time', 200, 1, viaProxy);

const t0 = performance.now();
const r = await fetch(`${cp}/v1/proxy`, {
  method: 'POST',
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  body: JSON.stringify({ method: 'GET', url: `${up}/big`, inject: { Authorization: 'bench/key' } }),
});
const size = (await r.arrayBuffer()).byteLength;
const sec = (performance.now() - t0) / 1000;
console.log(`${'POST /v1/proxy streaming 8 MiB through the scrubber'.padEnd(44)} ${(size / 1048576 / sec).toFixed(1).padStart(6)} MiB/s`);

await app.close();
upstream.close();
// Leave nothing behind in Redis: snapshots under the run's prefix, queues under its hash tag.
const redis = new Redis(env.REDIS_URL);
for (const pattern of [`${env.PORTCULLIS_REDIS_PREFIX}:*`, `{${env.PORTCULLIS_REDIS_PREFIX}}:*`]) {
  for await (const keys of redis.scanStream({ match: pattern, count: 500 })) if (keys.length) await redis.del(...keys);
}
redis.disconnect();
