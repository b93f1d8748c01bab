// Hand-run benchmark of the vault's MCP endpoint: what a tools/call on POST /v1/mcp (a fresh stateless
// MCP server and transport per request) costs next to the same read on the REST API.
//   pnpm run build
//   createdb -h 127.0.0.1 -U postgres pc_bench && DATABASE_URL=postgresql://postgres@127.0.0.1:5432/pc_bench node scripts/prisma.mjs migrate deploy
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/pc_bench node apps/control-plane/bench/vault-mcp.bench.mjs
// Prints figures; asserts nothing. Numbers depend on the machine (and on anyone else using it).
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { loadControlPlaneConfig } from '@portcullis/config';
import { createApp } from '../dist/app.js';

const VALUE = `sk-live-${randomBytes(16).toString('hex')}`;
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
};
const app = await createApp(loadControlPlaneConfig(env), pino({ level: 'silent' }));
await app.listen(0, '127.0.0.1');
const cp = `http://127.0.0.1:${app.getHttpServer().address().port}`;

const json = (method, url, token, body) =>
  fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  }).then(async (r) => JSON.parse((await r.text()) || 'null'));
const slug = `bench-${randomBytes(4).toString('hex')}`;
const admin = (await json('POST', `${cp}/api/v1/platform/tenants`, env.PORTCULLIS_ROOT_TOKEN, { name: slug, slug })).adminApiKey;
await json('PUT', `${cp}/v1/secrets/bench/key`, admin, { value: VALUE });
await json('POST', `${cp}/api/v1/admin/policies`, admin, { name: 'p', rules: [{ path: 'bench/*', capabilities: ['read'] }] });
const role = await json('POST', `${cp}/api/v1/admin/approles`, admin, { name: 'bot', policies: ['p'] });
const { token } = await json('POST', `${cp}/v1/auth/approle/login`, '', { role_id: role.role_id, secret_id: role.secret_id });

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
    `${name.padEnd(48)} ${(n / s).toFixed(0).padStart(6)} req/s   p50 ${q(0.5)} ms   p99 ${q(0.99)} ms   (${n} requests, ${concurrency} concurrent)`,
  );
}

const rest = async () => {
  const r = await fetch(`${cp}/v1/secrets/bench/key/value`, { headers: { authorization: `Bearer ${token}` } });
  if ((await r.json()).value !== VALUE) throw new Error('bad REST answer');
};
let id = 0;
const mcpRaw = async () => {
  const r = await fetch(`${cp}/v1/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: ++id,
      method: 'tools/call',
      params: { name: 'gatehouse_get', arguments: { path: 'bench/key' } },
    }),
  });
  if (!(await r.json()).result.content[0].text.includes(VALUE)) throw new Error('bad MCP answer');
};
const client = new Client({ name: 'bench', version: '1' });
await client.connect(
  new StreamableHTTPClientTransport(new URL(`${cp}/v1/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
);
const mcpSdk = async () => {
  const r = await client.callTool({ name: 'gatehouse_get', arguments: { path: 'bench/key' } });
  if (!r.content[0].text.includes(VALUE)) throw new Error('bad MCP answer');
};
const mcpList = async () => {
  await client.listTools();
};
await run('REST GET /v1/secrets/<path>/value', 1000, 8, rest);
await run('MCP tools/call gatehouse_get (raw POST)', 1000, 8, mcpRaw);
await run('MCP tools/call gatehouse_get (SDK Client)', 1000, 8, mcpSdk);
await run('MCP tools/list (SDK Client)', 1000, 8, mcpList);
await run('REST, one at a time', 300, 1, rest);
await run('MCP gatehouse_get (SDK Client), one at a time', 300, 1, mcpSdk);

await client.close();
await app.close();
// Leave nothing behind in Redis: snapshots under the run's prefix, queues under its hash tag.
const redis = new Redis(env.REDIS_URL);
for (const pattern of [`${env.PORTCULLIS_REDIS_PREFIX}:*`, `{${env.PORTCULLIS_REDIS_PREFIX}}:*`]) {
  for await (const keys of redis.scanStream({ match: pattern, count: 500 })) if (keys.length) await redis.del(...keys);
}
redis.disconnect();
