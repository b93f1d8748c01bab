import { readFileSync } from 'node:fs';
import pg from 'pg';
import { pino } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { ConfigError, loadWorkerConfig, type WorkerConfig } from '@portcullis/config';
import { queuePrefix } from '@portcullis/contracts';
import type { RunningProcessor, StartProcessor, WorkerContext } from './context.js';
import { createHealthServer } from './http.js';
import { startStampsProcessor } from './queues/stamps/stamps.processor.js';
import { startCheckpointsProcessor } from './queues/checkpoints/checkpoints.processor.js';
import { startOutboxRelay } from './queues/outbox/outbox.relay.js';
import { startLeasesProcessor } from './queues/leases/leases.start.js';
import { startPatternsProcessor } from './queues/patterns/patterns.start.js';
import { startDynamicLeasesProcessor } from './queues/dynamic-leases/dynamic-leases.start.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

/** Every queue this process serves: one line each. */
const PROCESSORS: StartProcessor[] = [
  startStampsProcessor,
  startCheckpointsProcessor,
  startOutboxRelay,
  startLeasesProcessor,
  startPatternsProcessor,
  startDynamicLeasesProcessor,
];

async function main(): Promise<void> {
  let config: Readonly<WorkerConfig>;
  try {
    config = loadWorkerConfig(process.env, version);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`worker: ${e.message}\n`);
      process.exit(78);
    }
    throw e;
  }
  const logger = pino({ level: config.logLevel, base: { app: 'worker' } });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'portcullis_worker_' });
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: config.dbPoolSize });
  // An idle client losing its connection (Postgres restarting) must not crash the process.
  pool.on('error', (err) => logger.warn({ err: err.message }, 'idle Postgres connection lost'));
  const ctx: WorkerContext = {
    config,
    redis: { url: config.redisUrl, maxRetriesPerRequest: null },
    queuePrefix: queuePrefix(config.redisPrefix),
    pg: pool,
    logger,
    registry,
  };

  const running: RunningProcessor[] = [];
  for (const start of PROCESSORS) running.push(await start(ctx));
  const server = createHealthServer(version, registry);
  server.listen(config.port, config.host, () => logger.info({ port: config.port, queues: running.map((r) => r.name) }, 'worker ready'));

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    logger.info('worker stopping');
    server.close();
    Promise.all(running.map((r) => r.close()))
      .then(() => pool.end())
      .then(
        () => process.exit(0),
        (err: Error) => {
          logger.error({ err: err.message }, 'worker stop failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`worker: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
