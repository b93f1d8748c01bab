// Stamp throughput: how many stamps per second one and two worker processes append.
//
//   pnpm run build && node apps/worker/bench/throughput.mjs [--events 60000] [--agents 50] [--workers 1,2]
//
// Uses a fresh, migrated database and its own Redis prefix on the local services (dropped afterwards).
// Events are enqueued the way the proxy does: one packed job (`{events}`) per flush of up to 200.
// The backlog is pre-filled, then workers start, so the figure is the append rate, not the enqueue
// rate; with --paced R it instead enqueues at R events/s while workers run and reports the peak backlog.
// --per-job 1 enqueues one event per job (job id = request id), as the control plane does.
import { randomUUID, randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { stampPackJobs } from '../../../libs/contracts/dist/index.js';
import { ROOT, createDatabase, dropDatabase, ensureServices, freePort, migrate } from '../../../scripts/lib/services.mjs';

const { values: opts } = parseArgs({
  options: {
    events: { type: 'string', default: '60000' },
    agents: { type: 'string', default: '50' },
    workers: { type: 'string', default: '1,2' },
    paced: { type: 'string' },
    'batch-size': { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '100' },
    // Events per job: the proxy packs each flush (PORTCULLIS_STAMP_BATCH_SIZE, 200) into one job.
    'per-job': { type: 'string', default: '200' },
  },
});
const EVENTS = Number(opts.events);
const AGENTS = Number(opts.agents);

function event(agentId, tenantId, i) {
  return {
    type: 'request',
    requestId: randomUUID(),
    tenantId,
    agentId,
    userId: null,
    authKind: 'runtime_token',
    method: 'POST',
    path: `/api/v1/agents/${agentId}/invoke`,
    status: 200,
    bytesIn: 120 + (i % 50),
    bytesOut: 900,
    startedAt: new Date().toISOString(),
    durationMs: 2.1,
    upstreamMs: 1.7,
    upstream: 'http://127.0.0.1:9',
    requestDigest: null,
    responseDigest: randomBytes(32).toString('hex'),
  };
}

const ports = new Map();
async function startWorker(env) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_PROF] : []), `${ROOT}/apps/worker/dist/main.js`],
    { env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) {
        ports.set(child, port);
        return child;
      }
    } catch {
      /* starting */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('worker did not start');
}

const services = await ensureServices();
const run = randomBytes(4).toString('hex');
const dbName = `portcullis_bench_${run}`;
const prefix = `bench-${run}`;
const databaseUrl = await createDatabase(services.databaseAdminUrl, dbName);
migrate(databaseUrl);
const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
const queue = new Queue('stamps', { connection: { url: services.redisUrl, maxRetriesPerRequest: null }, prefix: `{${prefix}}` });
const env = {
  DATABASE_URL: databaseUrl,
  REDIS_URL: services.redisUrl,
  PORTCULLIS_REDIS_PREFIX: prefix,
  LOG_LEVEL: 'warn',
  PORTCULLIS_STAMP_BATCH_SIZE: opts['batch-size'],
  PORTCULLIS_STAMP_CONCURRENCY: opts.concurrency,
};
const count = async () => Number((await db.query('SELECT count(*) AS n FROM stamps')).rows[0].n);

// CPU seconds spent so far, per party: the worker processes (from /proc), Redis (INFO cpu) and the
// Postgres backends serving this bench's database; their deltas over the run say where a stamp's cost goes.
const TICK = 100; // USER_HZ on Linux
const procCpu = (pid) => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / TICK;
  } catch {
    return 0;
  }
};
const redisCli = new Redis(services.redisUrl);
const redisCpu = async () => {
  const info = await redisCli.info('cpu');
  const v = (k) => Number(new RegExp(`${k}:([0-9.]+)`).exec(info)?.[1] ?? 0);
  return v('used_cpu_sys') + v('used_cpu_user');
};
const pgCpu = async () => {
  const { rows } = await db.query('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
  return rows.reduce((sum, r) => sum + procCpu(r.pid), 0);
};

try {
  for (const n of opts.workers.split(',').map(Number)) {
    const tenantId = randomUUID();
    const agents = Array.from({ length: AGENTS }, () => randomUUID());
    const events = Array.from({ length: EVENTS }, (_, i) => event(agents[i % AGENTS], tenantId, i));
    const base = await count();
    let peak = 0;
    let children;
    let t0;
    let cpu0;
    const per = Number(opts['per-job']);
    const jobsOf = (slice) =>
      per === 1
        ? slice.map((data) => ({ name: 'stamp', data, opts: { jobId: data.requestId, removeOnComplete: true } }))
        : stampPackJobs(slice, per);
    // Workers start, then the clock and the CPU counters.
    const startClock = async () => {
      children = await Promise.all(Array.from({ length: n }, () => startWorker(env)));
      t0 = performance.now();
      cpu0 = { redis: await redisCpu(), worker: children.reduce((sum, c) => sum + procCpu(c.pid), 0) };
    };
    if (!opts.paced) {
      for (let i = 0; i < events.length; i += 1000) await queue.addBulk(jobsOf(events.slice(i, i + 1000)));
      await startClock();
    } else {
      await startClock();
      const rate = Number(opts.paced);
      const tick = 20; // ms: the proxy flushes its batch every few ms
      for (let sent = 0; sent < events.length;) {
        const due = Math.min(events.length, Math.floor(((performance.now() - t0) / 1000) * rate));
        if (due > sent) {
          await queue.addBulk(jobsOf(events.slice(sent, due)));
          sent = due;
          peak = Math.max(peak, sent - ((await count()) - base));
        }
        await new Promise((r) => setTimeout(r, tick));
      }
    }
    while ((await count()) - base < EVENTS) await new Promise((r) => setTimeout(r, 50));
    const seconds = (performance.now() - t0) / 1000;
    const perStamp = (s) => Math.round((s * 1e6) / EVENTS);
    const cpu = {
      worker: perStamp(children.reduce((sum, c) => sum + procCpu(c.pid), 0) - cpu0.worker),
      redis: perStamp((await redisCpu()) - cpu0.redis),
      postgres: perStamp(await pgCpu()),
    };
    if (process.env.BENCH_METRICS) {
      for (const c of children) {
        const text = await (await fetch(`http://127.0.0.1:${ports.get(c)}/metrics`)).text();
        console.log(
          text
            .split('\n')
            .filter((l) => /stamp_batch_size_(sum|count)|append_seconds_(sum|count)|process_cpu_seconds_total /.test(l))
            .join('\n'),
        );
      }
    }
    await Promise.all(
      children.map(
        (c) =>
          new Promise((r) => {
            c.once('exit', r);
            c.kill('SIGTERM');
          }),
      ),
    );
    const line =
      `${n} worker(s): ${EVENTS} stamps over ${AGENTS} agents in ${seconds.toFixed(2)} s = ${Math.round(EVENTS / seconds)} stamps/s` +
      (n > 1 ? ` (${Math.round(EVENTS / seconds / n)} per worker)` : '') +
      (opts.paced ? `; offered ${opts.paced}/s, peak backlog ${peak} stamps` : '');
    console.log(line);
    console.log(`  CPU per stamp: worker ${cpu.worker} µs, Redis ${cpu.redis} µs, Postgres backends ${cpu.postgres} µs`);
  }
} finally {
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  redisCli.disconnect();
  await db.end();
  await dropDatabase(services.databaseAdminUrl, dbName).catch(() => undefined);
  await services.stop();
}
