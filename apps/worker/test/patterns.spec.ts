/** The learned-patterns processor on a real BullMQ worker, real Redis and a real, migrated Postgres. */
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '@portcullis/db';
import { QUEUES, queuePrefix, type ProxyPatternEvent } from '@portcullis/contracts';
import { testServices } from '@portcullis/testing';
import { MAX_PATTERNS_PER_SECRET, createPatternsProcessor, type PatternOutcome } from '../src/queues/patterns/patterns.processor.js';

describe('learned patterns processor', () => {
  let prisma: PrismaClient;
  let redis: Redis;
  let blocking: Redis;
  let queue: Queue<ProxyPatternEvent>;
  let worker: Worker<ProxyPatternEvent, PatternOutcome>;
  const outcomes = new Map<string, PatternOutcome>();

  beforeAll(async () => {
    const s = testServices();
    prisma = createPrismaClient(s.databaseUrl);
    redis = new Redis(s.redisUrl, { maxRetriesPerRequest: null });
    const prefix = queuePrefix(s.redisPrefix);
    queue = new Queue<ProxyPatternEvent>(QUEUES.patterns, { connection: redis, prefix });
    worker = new Worker<ProxyPatternEvent, PatternOutcome>(QUEUES.patterns, createPatternsProcessor({ prisma }), {
      connection: (blocking = redis.duplicate()),
      prefix,
    });
    worker.on('completed', (job, outcome) => outcomes.set(job.id!, outcome));
    await worker.waitUntilReady();
  });
  afterAll(async () => {
    await worker.close();
    await queue.close();
    redis.disconnect();
    blocking.disconnect();
    await prisma.$disconnect();
  });

  const tenantId = randomUUID();
  const event = (over: Partial<ProxyPatternEvent>): ProxyPatternEvent => ({
    tenantId,
    secretPaths: ['api/github'],
    holder: 'approle:a',
    method: 'GET',
    urlTemplate: 'https://api.github.com/repos/{id}/issues/{n}',
    host: 'api.github.com',
    requestHeaders: ['authorization'],
    requestSchema: null,
    responseStatus: 200,
    responseSchema: { title: 'string', id: 'integer' },
    success: true,
    at: new Date().toISOString(),
    ...over,
  });
  async function run(e: ProxyPatternEvent): Promise<PatternOutcome> {
    const id = `pattern-${randomUUID()}`;
    await queue.add('pattern', e, { jobId: id });
    await expect.poll(() => outcomes.get(id), { timeout: 10_000 }).toBeDefined();
    return outcomes.get(id)!;
  }

  it('aggregates successes per template, counts distinct verifiers, and only counts failures of known patterns', async () => {
    expect(await run(event({ success: false, responseStatus: 404 }))).toBe('failure-unknown-pattern');
    expect(await prisma.vaultProxyPattern.count({ where: { tenantId } })).toBe(0);
    expect(await run(event({}))).toBe('recorded');
    expect(await run(event({}))).toBe('recorded');
    expect(await run(event({ holder: 'approle:b', secretPaths: ['api/github', 'api/other'] }))).toBe('recorded');
    expect(await run(event({ success: false, responseStatus: 500, responseSchema: null }))).toBe('failure-counted');
    const row = await prisma.vaultProxyPattern.findFirstOrThrow({ where: { tenantId, secretPath: 'api/github' } });
    expect(row).toMatchObject({ method: 'GET', successes: 3, failures: 1, responseStatus: 200, requestHeaders: ['authorization'] });
    expect(row.verifiers.sort()).toEqual(['approle:a', 'approle:b']);
    expect(row.responseSchema).toBe('{"id":"integer","title":"string"}');
    expect(await prisma.vaultProxyPattern.count({ where: { tenantId, secretPath: 'api/other' } })).toBe(1);
    expect(await run(event({ method: 'POST' }))).toBe('recorded');
    expect(await prisma.vaultProxyPattern.count({ where: { tenantId, secretPath: 'api/github' } })).toBe(2);
  });

  it('keeps at most MAX_PATTERNS_PER_SECRET patterns per secret, and keeps updating known ones', async () => {
    const t = randomUUID();
    await prisma.$executeRaw`INSERT INTO vault_proxy_patterns (id, tenant_id, secret_path, method, url_template, host, request_headers,
        response_status, successes, failures, verifiers, last_used_at, created_at, updated_at)
      SELECT gen_random_uuid(), ${t}::uuid, 'api/full', 'GET', 'https://x.test/p' || g, 'x.test', '{}', 200, 1, 0, '{}', now(), now(), now()
      FROM generate_series(1, ${MAX_PATTERNS_PER_SECRET}) g`;
    expect(await run(event({ tenantId: t, secretPaths: ['api/full'], urlTemplate: 'https://x.test/new' }))).toBe('dropped-at-limit');
    expect(await prisma.vaultProxyPattern.count({ where: { tenantId: t, secretPath: 'api/full' } })).toBe(MAX_PATTERNS_PER_SECRET);
    expect(await run(event({ tenantId: t, secretPaths: ['api/full'], urlTemplate: 'https://x.test/p1' }))).toBe('recorded');
    expect((await prisma.vaultProxyPattern.findFirstOrThrow({ where: { tenantId: t, urlTemplate: 'https://x.test/p1' } })).successes).toBe(
      2,
    );
  });
});
