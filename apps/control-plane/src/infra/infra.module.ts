import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createPrismaClient, type PrismaClient } from '@portcullis/db';
import { EnvelopeCipher, LocalKeyProvider, parseKey } from '@portcullis/domain';
import { redisKeys, type RedisKeys } from '@portcullis/contracts';
import { CONFIG, type Config } from '../common/config.js';
import { LOGGER } from '../common/logger.provider.js';
import { SnapshotPublisher } from './snapshot-publisher.js';
import { CIPHER, DATA_PLANE_KEY, KEYS, PRISMA, REDIS } from './tokens.js';

/**
 * The control plane's Redis connection fails fast while Redis is away (no offline queue), so an admin
 * hears 503 in well under a second instead of waiting on reconnects; it reconnects every second at
 * most, and the app republishes everything once it is back (AppModule).
 */
async function createRedis(url: string, logger: Logger): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 100, 1000),
  });
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) logger.warn({ err: err.message }, 'redis connection lost; retrying');
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info('redis connection restored');
    down = false;
  });
  await redis.connect().catch((err: Error) => logger.error({ err: err.message }, 'redis unreachable at start; retrying in the background'));
  return redis;
}

/** Connections and keys every feature shares: Postgres, Redis, the envelope cipher, the key layout. */
@Global()
@Module({
  providers: [
    { provide: PRISMA, inject: [CONFIG], useFactory: (c: Config) => createPrismaClient(c.databaseUrl) },
    {
      provide: REDIS,
      inject: [CONFIG, LOGGER],
      useFactory: (c: Config, logger: Logger) => createRedis(c.redisUrl, logger),
    },
    { provide: KEYS, inject: [CONFIG], useFactory: (c: Config): RedisKeys => redisKeys(c.redisPrefix) },
    {
      provide: CIPHER,
      inject: [CONFIG],
      useFactory: (c: Config) => new EnvelopeCipher(new LocalKeyProvider(parseKey(c.masterKey))),
    },
    { provide: DATA_PLANE_KEY, inject: [CONFIG], useFactory: (c: Config) => parseKey(c.dataPlaneKey) },
    SnapshotPublisher,
  ],
  exports: [PRISMA, REDIS, KEYS, CIPHER, DATA_PLANE_KEY, SnapshotPublisher],
})
export class InfraModule implements OnApplicationShutdown {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.prisma.$disconnect();
    this.redis.disconnect();
  }
}
