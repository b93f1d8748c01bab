/**
 * The dynamic-secret expiry processor as the worker runs it (its start function, real BullMQ, Redis
 * and Postgres): a lease whose expiry job was lost is found by the start-up sweep, and its Postgres
 * role is dropped; without PORTCULLIS_MASTER_KEY the job fails and stays for a retry.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import pg from 'pg';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkerConfig } from '@portcullis/config';
import { PostgresProvider, createPrismaClient, type PrismaClient } from '@portcullis/db';
import { EnvelopeCipher, LocalKeyProvider, parseKey } from '@portcullis/domain';
import { QUEUES, queuePrefix, type DynamicLeaseExpiryJob } from '@portcullis/contracts';
import { controlPlaneEnv, testServices } from '@portcullis/testing';
import type { WorkerContext } from '../src/context.js';
import { startDynamicLeasesProcessor } from '../src/queues/dynamic-leases/dynamic-leases.start.js';
import { workerEnv } from './helpers.js';

describe('dynamic lease expiry in the worker', () => {
  const s = testServices();
  // The run's own master key (as the control plane's specs use), so either side may serve the other's jobs.
  const masterKey = controlPlaneEnv().PORTCULLIS_MASTER_KEY!;
  const cipher = new EnvelopeCipher(new LocalKeyProvider(parseKey(masterKey)));
  let prisma: PrismaClient;
  let admin: pg.Client;
  let queue: Queue<DynamicLeaseExpiryJob>;

  beforeAll(async () => {
    prisma = createPrismaClient(s.databaseUrl);
    admin = new pg.Client({ connectionString: s.databaseUrl });
    await admin.connect();
    queue = new Queue<DynamicLeaseExpiryJob>(QUEUES.dynamicLeases, {
      connection: { url: s.redisUrl, maxRetriesPerRequest: null },
      prefix: queuePrefix(s.redisPrefix),
    });
  });
  afterAll(async () => {
    await queue.close();
    await admin.end();
    await prisma.$disconnect();
  });

  const ctx = (env: Record<string, string>): WorkerContext => {
    const config = loadWorkerConfig(env);
    return {
      config,
      redis: { url: config.redisUrl, maxRetriesPerRequest: null },
      queuePrefix: queuePrefix(config.redisPrefix),
      pg: new pg.Pool({ connectionString: config.databaseUrl, max: 1 }),
      logger: pino({ level: 'silent' }),
      registry: new Registry(),
    };
  };
  const roleExists = async (name: string) => ((await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount ?? 0) > 0;

  /** A real role and an overdue lease for it, whose job never reached Redis. */
  async function overdueLease() {
    const tenantId = randomUUID();
    const path = 'db/app';
    const config = { connectionUrl: s.databaseUrl };
    const { credential } = await new PostgresProvider(config).checkout(60);
    const lease = await prisma.vaultDynamicLease.create({
      data: {
        tenantId,
        holder: 'approle:x',
        path,
        provider: 'postgresql',
        externalId: credential.username,
        sealedConfig: await cipher.seal(JSON.stringify({ provider: 'postgresql', config }), `vault-dynamic:${tenantId}:${path}`),
        expiresAt: new Date(Date.now() - 1000),
      },
    });
    return { lease, username: credential.username };
  }

  it('sweeps an overdue lease at start and drops its role', async () => {
    const { lease, username } = await overdueLease();
    expect(await roleExists(username)).toBe(true);
    const c = ctx(workerEnv({ PORTCULLIS_MASTER_KEY: masterKey }));
    const running = await startDynamicLeasesProcessor(c);
    try {
      await expect
        .poll(async () => (await prisma.vaultDynamicLease.findUniqueOrThrow({ where: { id: lease.id } })).expiredAt, { timeout: 15_000 })
        .not.toBeNull();
      expect(await roleExists(username)).toBe(false);
    } finally {
      await running.close();
      await c.pg.end();
    }
  });

  it('without the master key the revocation fails and waits for a retry; the lease stays open', async () => {
    const { lease, username } = await overdueLease();
    const c = ctx(workerEnv());
    const running = await startDynamicLeasesProcessor(c);
    try {
      await expect
        .poll(async () => (await queue.getJob(`dynamic-lease-${lease.id}`))?.attemptsMade ?? 0, { timeout: 15_000 })
        .toBeGreaterThan(0);
      expect((await prisma.vaultDynamicLease.findUniqueOrThrow({ where: { id: lease.id } })).expiredAt).toBeNull();
      expect(await roleExists(username)).toBe(true);
    } finally {
      await running.close();
      await c.pg.end();
      await queue.remove(`dynamic-lease-${lease.id}`);
      await new PostgresProvider({ connectionUrl: s.databaseUrl }).revoke(username);
    }
  });
});
