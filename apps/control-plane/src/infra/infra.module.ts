import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { createPrismaClient, type PrismaClient } from '@portcullis/db';
import { EnvelopeCipher, LocalKeyProvider, parseKey } from '@portcullis/domain';
import { redisKeys, type RedisKeys } from '@portcullis/contracts';
import { CONFIG, type Config } from '../common/config.js';
import { SnapshotPublisher } from './snapshot-publisher.js';
import { CIPHER, DATA_PLANE_KEY, KEYS, PRISMA, REDIS } from './tokens.js';

/** Connections and keys every feature shares: Postgres, Redis, the envelope cipher, the key layout. */
@Global()
@Module({
  providers: [
    { provide: PRISMA, inject: [CONFIG], useFactory: (c: Config) => createPrismaClient(c.databaseUrl) },
    {
      provide: REDIS,
      inject: [CONFIG],
      useFactory: (c: Config) => new Redis(c.redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false }),
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
