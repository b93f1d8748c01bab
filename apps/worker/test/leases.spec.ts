/** The lease-expiry processor on a real BullMQ worker, real Redis and a real, migrated Postgres. */
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '@portcullis/db';
import { QUEUES, queuePrefix, type LeaseExpiryJob, type StampEvent } from '@portcullis/contracts';
import { testServices } from '@portcullis/testing';
import { createLeasesProcessor, type LeaseOutcome } from '../src/queues/leases/leases.processor.js';

describe('lease expiry processor', () => {
  let prisma: PrismaClient;
  let redis: Redis;
  let blocking: Redis;
  let leases: Queue<LeaseExpiryJob>;
  let stamps: Queue<StampEvent>;
  let worker: Worker<LeaseExpiryJob, LeaseOutcome>;
  const outcomes = new Map<string, LeaseOutcome>();

  beforeAll(async () => {
    const s = testServices();
    prisma = createPrismaClient(s.databaseUrl);
    redis = new Redis(s.redisUrl, { maxRetriesPerRequest: null });
    const prefix = queuePrefix(s.redisPrefix);
    leases = new Queue<LeaseExpiryJob>(QUEUES.leases, { connection: redis, prefix });
    stamps = new Queue<StampEvent>(QUEUES.stamps, { connection: redis, prefix });
    worker = new Worker<LeaseExpiryJob, LeaseOutcome>(QUEUES.leases, createLeasesProcessor({ prisma, stamps }), {
      connection: (blocking = redis.duplicate()),
      prefix,
    });
    worker.on('completed', (job, outcome) => outcomes.set(job.data.leaseId, outcome));
    await worker.waitUntilReady();
  });
  afterAll(async () => {
    await worker.close();
    await Promise.all([leases.close(), stamps.close()]);
    redis.disconnect();
    blocking.disconnect();
    await prisma.$disconnect();
  });

  async function lease(ms: number, bound = false) {
    const row = await prisma.vaultLease.create({
      data: {
        tenantId: randomUUID(),
        holder: 'approle:x',
        approleId: bound ? randomUUID() : null,
        agentId: bound ? randomUUID() : null,
        path: 'api-keys/openai',
        version: 1,
        expiresAt: new Date(Date.now() + ms),
      },
    });
    await leases.add('expire', { leaseId: row.id, tenantId: row.tenantId }, { jobId: `lease-${row.id}`, delay: Math.max(0, ms) });
    return row;
  }

  it('marks a lease expired when its delayed job comes due, and stamps an agent-bound one once', async () => {
    const row = await lease(300, true);
    expect((await prisma.vaultLease.findUniqueOrThrow({ where: { id: row.id } })).expiredAt).toBeNull();
    await expect.poll(() => outcomes.get(row.id), { timeout: 10_000 }).toBe('expired');
    const after = await prisma.vaultLease.findUniqueOrThrow({ where: { id: row.id } });
    expect(after.expiredAt!.getTime()).toBeGreaterThanOrEqual(row.expiresAt.getTime());
    const stamp = await stamps.getJob(`vault-lease-expired-${row.id}`);
    expect(stamp?.data).toMatchObject({
      type: 'vault',
      action: 'lease.expired',
      agentId: row.agentId,
      approleId: row.approleId,
      path: 'api-keys/openai',
    });
  });

  it('puts a job that fires early back until the lease ends', async () => {
    const row = await prisma.vaultLease.create({
      data: { tenantId: randomUUID(), holder: 'user:x', path: 'p', version: 1, expiresAt: new Date(Date.now() + 1500) },
    });
    await leases.add('expire', { leaseId: row.id, tenantId: row.tenantId }, { jobId: `lease-${row.id}` });
    await new Promise((r) => setTimeout(r, 700));
    expect((await prisma.vaultLease.findUniqueOrThrow({ where: { id: row.id } })).expiredAt).toBeNull();
    await expect.poll(() => outcomes.get(row.id), { timeout: 10_000 }).toBe('expired');
    expect((await prisma.vaultLease.findUniqueOrThrow({ where: { id: row.id } })).expiredAt!.getTime()).toBeGreaterThanOrEqual(
      row.expiresAt.getTime(),
    );
  });

  it('leaves a revoked lease alone and ignores unknown leases', async () => {
    const row = await lease(200);
    const revokedAt = new Date();
    await prisma.vaultLease.update({ where: { id: row.id }, data: { revokedAt } });
    await expect.poll(() => outcomes.get(row.id), { timeout: 10_000 }).toBe('already-ended');
    expect((await prisma.vaultLease.findUniqueOrThrow({ where: { id: row.id } })).expiredAt).toBeNull();
    const ghost = randomUUID();
    await leases.add('expire', { leaseId: ghost, tenantId: randomUUID() }, { jobId: `lease-${ghost}` });
    await expect.poll(() => outcomes.get(ghost), { timeout: 10_000 }).toBe('missing');
  });
});
