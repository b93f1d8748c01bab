/**
 * The config cache against the run's real Redis: invalidations drop entries at once, a read that
 * cannot reach Redis serves the last confirmed value only until the staleness bound, then 503.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DomainError, sealWithKey } from '@portcullis/domain';
import { providerKeyAad, redisKeys, type AgentSnapshot, type TenantSnapshot } from '@portcullis/contracts';
import { testServices } from '@portcullis/testing';
import { ConfigCache } from '../src/config-cache/config-cache.js';

const key = randomBytes(32);
const keys = redisKeys(`${testServices().redisPrefix}-cache-${randomBytes(3).toString('hex')}`);
const clients: Redis[] = [];
const connect = (): Redis => {
  const c = new Redis(testServices().redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  c.on('error', () => undefined);
  clients.push(c);
  return c;
};
afterEach(() => clients.splice(0).forEach((c) => c.disconnect()));

const snapshot = (id: string, over: Partial<AgentSnapshot> = {}): AgentSnapshot => ({
  id,
  tenantId: 't',
  name: 'a',
  status: 'active',
  tokenHash: 'h',
  upstreamUrl: 'http://127.0.0.1:9/base/',
  requiredCredentials: [],
  sealedUpstreamSecret: sealWithKey(key, 'up-secret', id),
  rateLimit: null,
  provider: null,
  allowedUpstreams: [],
  budgets: [],
  version: 1,
  updatedAt: new Date().toISOString(),
  ...over,
});

async function cacheWith(
  stopped: string[] = [],
  ttlMs = 60_000,
  stalenessBoundMs = 300,
): Promise<{ cache: ConfigCache; redis: Redis; writer: Redis }> {
  const redis = connect();
  const subscriber = new Redis(testServices().redisUrl);
  clients.push(subscriber);
  const cache = new ConfigCache({
    redis,
    subscriber,
    keys,
    dataPlaneKey: key,
    ttlMs,
    stalenessBoundMs,
    controlPlaneUrl: 'http://127.0.0.1:9',
    internalToken: 'x'.repeat(24),
    logger: pino({ level: 'silent' }),
    stats: { hit: () => undefined, miss: () => undefined },
    onAgentStopped: (id) => stopped.push(id),
  });
  await expect.poll(() => cache.ready).toBe(true);
  const writer = new Redis(testServices().redisUrl);
  clients.push(writer);
  return { cache, redis, writer };
}

describe('config cache', () => {
  it('opens the upstream secret once per version and drops the entry on invalidation', async () => {
    const stopped: string[] = [];
    const { cache, writer } = await cacheWith(stopped);
    const id = randomBytes(8).toString('hex');
    await writer.set(keys.agent(id), JSON.stringify(snapshot(id)));
    const a = await cache.agent(id);
    expect(a).toMatchObject({ origin: 'http://127.0.0.1:9', basePath: '/base', upstreamAuthorization: 'Bearer up-secret' });
    await writer.set(keys.agent(id), JSON.stringify(snapshot(id, { status: 'disabled', version: 2 })));
    expect((await cache.agent(id))?.snapshot.status).toBe('active'); // cached within the TTL
    await writer.publish(
      keys.invalidationChannel,
      JSON.stringify({ kind: 'agent', agentId: id, tenantId: 't', version: 2, status: 'disabled' }),
    );
    await expect.poll(async () => (await cache.agent(id))?.snapshot.status).toBe('disabled');
    expect(stopped).toEqual([id]);
  });

  it('serves the last confirmed value until the staleness bound when Redis is unreachable, then fails closed', async () => {
    const { cache, redis, writer } = await cacheWith([], 50, 400);
    const id = randomBytes(8).toString('hex');
    await writer.set(keys.agent(id), JSON.stringify(snapshot(id)));
    await cache.agent(id);
    redis.disconnect();
    await new Promise((r) => setTimeout(r, 100));
    expect((await cache.agent(id))?.snapshot.id).toBe(id); // past the TTL, within the bound
    await new Promise((r) => setTimeout(r, 350));
    const err = await cache.agent(id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('unavailable');
  });

  it("opens an agent's provider key and the tenant default's once, each bound to its owner", async () => {
    const { cache, writer } = await cacheWith();
    const id = randomBytes(8).toString('hex');
    const tenantId = randomBytes(8).toString('hex');
    const provider = {
      kind: 'anthropic' as const,
      baseUrl: 'https://llm.example/v1/',
      sealedApiKey: sealWithKey(key, 'sk-agent', providerKeyAad(id)),
    };
    const allowedUpstreams = ['https://eu.llm.example/v1/'];
    await writer.set(keys.agent(id), JSON.stringify(snapshot(id, { tenantId, provider, allowedUpstreams })));
    const a = await cache.agent(id);
    expect(a?.provider).toMatchObject({ kind: 'anthropic', apiKey: 'sk-agent' });
    expect([...(a?.allowedUpstreams.keys() ?? [])]).toEqual(['https://eu.llm.example/v1']);

    const tenant: TenantSnapshot = {
      id: tenantId,
      slug: 't',
      status: 'active',
      issuers: [],
      defaultProvider: {
        kind: 'openai',
        baseUrl: 'https://api.example/v1',
        sealedApiKey: sealWithKey(key, 'sk-tenant', providerKeyAad(tenantId)),
      },
      allowProviderKeys: false,
      updatedAt: new Date().toISOString(),
    };
    await writer.set(keys.tenant(tenantId), JSON.stringify(tenant));
    expect(await cache.tenantProvider(tenantId)).toMatchObject({ kind: 'openai', apiKey: 'sk-tenant' });
    // A key sealed for another owner does not open: a snapshot cannot borrow another tenant's key.
    const other = randomBytes(8).toString('hex');
    await writer.set(keys.tenant(other), JSON.stringify({ ...tenant, id: other }));
    await expect(cache.tenantProvider(other)).rejects.toThrow();
  });
});
