import { randomBytes } from 'node:crypto';

/** What `npm test` (scripts/test.mjs) sets up for this run: its own database and Redis prefix. */
export interface TestServices {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
}

export function testServices(): TestServices {
  const databaseUrl = process.env.DATABASE_URL;
  const redisUrl = process.env.REDIS_URL;
  const redisPrefix = process.env.PORTCULLIS_REDIS_PREFIX;
  if (!databaseUrl || !redisUrl || !redisPrefix) {
    throw new Error('integration tests need DATABASE_URL, REDIS_URL and PORTCULLIS_REDIS_PREFIX: run them with `npm test`');
  }
  return { databaseUrl, redisUrl, redisPrefix };
}

export const randomKey = (): string => randomBytes(32).toString('hex');
export const randomSlug = (stem = 't'): string => `${stem}-${randomBytes(5).toString('hex')}`;

/**
 * A complete control-plane environment on the test services. Keys and tokens are the run's own
 * (scripts/test.mjs makes them once per run), so every control plane and proxy a test starts shares
 * them, as a real deployment's pods do: the database holds values sealed under that master key.
 */
export function controlPlaneEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const s = testServices();
  const runKey = (name: string, make: () => string): string => (process.env[name] ??= make());
  return {
    DATABASE_URL: s.databaseUrl,
    REDIS_URL: s.redisUrl,
    PORTCULLIS_REDIS_PREFIX: s.redisPrefix,
    PORTCULLIS_ROOT_TOKEN: runKey('PORTCULLIS_ROOT_TOKEN', () => `root-${randomBytes(24).toString('hex')}`),
    PORTCULLIS_MASTER_KEY: runKey('PORTCULLIS_MASTER_KEY', randomKey),
    PORTCULLIS_DATA_PLANE_KEY: runKey('PORTCULLIS_DATA_PLANE_KEY', randomKey),
    PORTCULLIS_JWT_SECRET: runKey('PORTCULLIS_JWT_SECRET', () => randomBytes(32).toString('hex')),
    PORTCULLIS_INTERNAL_TOKEN: runKey('PORTCULLIS_INTERNAL_TOKEN', () => `int-${randomBytes(24).toString('hex')}`),
    LOG_LEVEL: 'info',
    ...overrides,
  };
}

/** A worker environment on the test services with a fresh checkpoint key (no master key unless given). */
export function workerEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const s = testServices();
  return {
    DATABASE_URL: s.databaseUrl,
    REDIS_URL: s.redisUrl,
    PORTCULLIS_REDIS_PREFIX: s.redisPrefix,
    PORTCULLIS_CHECKPOINT_KEY: randomBytes(32).toString('hex'),
    PORTCULLIS_CHECKPOINT_INTERVAL_SECONDS: '1',
    LOG_LEVEL: 'warn',
    ...overrides,
  };
}
