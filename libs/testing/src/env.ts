import { createHash, randomBytes } from 'node:crypto';

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
 * A complete control-plane environment on the test services, with fresh tokens. The master and
 * data-plane keys are derived from the run's database, so every control plane started in one run
 * (several spec files share the database) can open what another one sealed at its start-up republish.
 */
export function controlPlaneEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const s = testServices();
  const runKey = (use: string): string => createHash('sha256').update(`${use}:${s.databaseUrl}`).digest('hex');
  return {
    DATABASE_URL: s.databaseUrl,
    REDIS_URL: s.redisUrl,
    PORTCULLIS_REDIS_PREFIX: s.redisPrefix,
    PORTCULLIS_ROOT_TOKEN: `root-${randomBytes(24).toString('hex')}`,
    PORTCULLIS_MASTER_KEY: runKey('master'),
    PORTCULLIS_DATA_PLANE_KEY: runKey('data-plane'),
    PORTCULLIS_JWT_SECRET: randomBytes(32).toString('hex'),
    PORTCULLIS_INTERNAL_TOKEN: `int-${randomBytes(24).toString('hex')}`,
    LOG_LEVEL: 'info',
    ...overrides,
  };
}
