import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '@portcullis/domain';
import { redisKeys, type AgentSnapshot, type Invalidation, type TokenIndexEntry } from '@portcullis/contracts';
import { http, testServices } from '@portcullis/testing';
import { startControlPlane, type Harness } from './harness.js';

describe('agents', () => {
  let h: Harness;
  let redis: Redis;
  const keys = redisKeys(testServices().redisPrefix);
  beforeAll(async () => {
    h = await startControlPlane();
    redis = new Redis(testServices().redisUrl);
  });
  afterAll(async () => {
    redis?.disconnect();
    await h?.close();
  });

  const agentBody = { name: 'support-bot', upstreamUrl: 'http://127.0.0.1:9', requiredCredentials: [{ serviceType: 'github' }] };

  it('creates an agent, shows its art_ token once and stores only its hash', async () => {
    const t = await h.createTenant();
    const res = await http('POST', `${h.url}/api/v1/admin/agents`, {
      token: t.adminKey,
      body: { ...agentBody, upstreamSecret: 'upstream-s3cret' },
    });
    expect(res.status).toBe(201);
    const token: string = res.body.runtimeToken;
    expect(token).toMatch(/^art_/);
    expect(res.body.agent).toMatchObject({ name: 'support-bot', status: 'active', hasUpstreamSecret: true, version: 1 });
    expect(res.text).not.toContain('upstream-s3cret');

    const got = await http('GET', `${h.url}/api/v1/admin/agents/${res.body.agent.id}`, { token: t.adminKey });
    expect(got.status).toBe(200);
    expect(got.text).not.toContain(token);
    expect(got.text).not.toContain('upstream-s3cret');

    const snapshot = JSON.parse((await redis.get(keys.agent(res.body.agent.id)))!) as AgentSnapshot;
    expect(snapshot.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(snapshot)).not.toContain('upstream-s3cret');
    const entry = JSON.parse((await redis.get(keys.token(hashToken(token))))!) as TokenIndexEntry;
    expect(entry).toEqual({ kind: 'runtime', tenantId: t.tenantId, agentId: res.body.agent.id });
  });

  it('disable and enable publish the new snapshot to subscribers', async () => {
    const t = await h.createTenant();
    const created = await http('POST', `${h.url}/api/v1/admin/agents`, { token: t.adminKey, body: agentBody });
    const id: string = created.body.agent.id;
    const sub = new Redis(testServices().redisUrl);
    const seen: Invalidation[] = [];
    await sub.subscribe(keys.invalidationChannel);
    sub.on('message', (_c, m: string) => seen.push(JSON.parse(m) as Invalidation));
    try {
      const off = await http('POST', `${h.url}/api/v1/admin/agents/${id}/disable`, { token: t.adminKey });
      expect(off.status).toBe(200);
      expect(off.body).toMatchObject({ id, status: 'disabled', version: 2 });
      expect(JSON.parse((await redis.get(keys.agent(id)))!)).toMatchObject({ status: 'disabled', version: 2 });
      const on = await http('POST', `${h.url}/api/v1/admin/agents/${id}/enable`, { token: t.adminKey });
      expect(on.body).toMatchObject({ status: 'active', version: 3 });
      await expect
        .poll(() => seen.filter((m) => m.kind === 'agent' && m.agentId === id).map((m) => (m as { status: string }).status))
        .toEqual(['disabled', 'active']);
    } finally {
      sub.disconnect();
    }
  });

  it('regenerating the token replaces the old one', async () => {
    const t = await h.createTenant();
    const created = await http('POST', `${h.url}/api/v1/admin/agents`, { token: t.adminKey, body: agentBody });
    const id: string = created.body.agent.id;
    const old: string = created.body.runtimeToken;
    const res = await http('POST', `${h.url}/api/v1/admin/agents/${id}/regenerate-token`, { token: t.adminKey });
    expect(res.status).toBe(200);
    expect(res.body.runtimeToken).toMatch(/^art_/);
    expect(res.body.runtimeToken).not.toBe(old);
    expect(await redis.get(keys.token(hashToken(old)))).toBeNull();
    const snapshot = JSON.parse((await redis.get(keys.agent(id)))!) as AgentSnapshot;
    expect(snapshot.tokenHash).toBe(hashToken(res.body.runtimeToken as string));
  });
});
