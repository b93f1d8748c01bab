// `npm test`: every test, in a database and Redis prefix of this run's own.
//   lint (no warnings) → migrate a fresh database → vitest (unit, integration, e2e) → clean up.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ROOT, STATE_DIR, createDatabase, dropDatabase, ensureServices, log, migrate } from './lib/services.mjs';

function run(cmd, args, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: 'inherit', env });
    const forward = (sig) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

const bin = (name) => `${ROOT}/node_modules/.bin/${name}`;
const args = process.argv.slice(2);

if (!args.length && process.env.PORTCULLIS_SKIP_LINT !== '1') {
  log('lint and format');
  const lint = await run(bin('eslint'), ['--max-warnings', '0', '.'], process.env);
  if (lint !== 0) process.exit(lint);
  const format = await run(bin('prettier'), ['--check', '--log-level', 'warn', '.'], process.env);
  if (format !== 0) process.exit(format);
}

mkdirSync(STATE_DIR, { recursive: true });
const services = await ensureServices();
log(`postgres: ${services.sources.postgres}; redis: ${services.sources.redis}`);
const runId = randomBytes(4).toString('hex');
const dbName = `portcullis_test_${runId}`;
const prefix = `pt-${runId}`;
const resultsFile = path.join(STATE_DIR, `test-results-${runId}.json`);
let code;
try {
  const databaseUrl = await createDatabase(services.databaseAdminUrl, dbName);
  migrate(databaseUrl);
  log(`database ${dbName}, redis prefix ${prefix}`);
  code = await run(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${resultsFile}`, ...args], {
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    PORTCULLIS_TEST_ADMIN_DATABASE_URL: services.databaseAdminUrl,
    REDIS_URL: services.redisUrl,
    PORTCULLIS_REDIS_PREFIX: prefix,
    // One set of keys for the run, shared by every process the tests start (like a deployment's pods).
    PORTCULLIS_ROOT_TOKEN: `root-${randomBytes(24).toString('hex')}`,
    PORTCULLIS_MASTER_KEY: randomBytes(32).toString('hex'),
    PORTCULLIS_DATA_PLANE_KEY: randomBytes(32).toString('hex'),
    PORTCULLIS_JWT_SECRET: randomBytes(32).toString('hex'),
    PORTCULLIS_INTERNAL_TOKEN: `int-${randomBytes(24).toString('hex')}`,
  });
} finally {
  await dropDatabase(services.databaseAdminUrl, dbName).catch((e) => log(`could not drop ${dbName}: ${e.message}`));
  const redis = new Redis(services.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    for (const pattern of [`${prefix}*`, `{${prefix}}*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
    }
  } catch (e) {
    log(`could not clean redis prefix ${prefix}: ${e.message}`);
  } finally {
    redis.disconnect();
  }
  await services.stop();
}
// One plain closing line, whatever the reporters printed above it.
if (existsSync(resultsFile)) {
  const r = JSON.parse(readFileSync(resultsFile, 'utf8'));
  rmSync(resultsFile, { force: true });
  process.stdout.write(
    `\n${r.numPassedTests} passed, ${r.numFailedTests} failed${r.numPendingTests ? `, ${r.numPendingTests} skipped` : ''}\n`,
  );
}
process.exit(code);
