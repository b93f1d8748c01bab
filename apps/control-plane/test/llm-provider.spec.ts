/**
 * The admin side of the LLM provider gateway: an agent's provider, allowed upstreams and budgets, and
 * the tenant's default provider and bring-your-own-key flag; what reaches Redis for the proxies, and
 * that a provider key never comes back in a body, a snapshot in plaintext, a stamp or a log line.
 */
import pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadControlPlaneConfig } from '@portcullis/config';
import { openWithKey, parseKey } from '@portcullis/domain';
import { providerKeyAad, redisKeys, type AdminStampEvent, type AgentSnapshot, type TenantSnapshot } from '@portcullis/contracts';
import { http, testServices } from '@portcullis/testing';
import { SnapshotPublisher } from '../src/infra/snapshot-publisher.js';
import { startControlPlane, type Harness } from './harness.js';

describe('LLM provider gateway admin API', () => {
  let h: Harness;
  let redis: Redis;
  let db: pg.Client;
  let dataPlaneKey: Buffer;
  const keys = redisKeys(testServices().redisPrefix);
  /** Every provider key this spec sends; none may appear in a response, a snapshot or a log line. */
  const secrets: string[] = [];
  const secret = (label: string): string => {
    const s = `sk-test-${label}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
    secrets.push(s);
    return s;
  };

  beforeAll(async () => {
    h = await startControlPlane();
    dataPlaneKey = parseKey(loadControlPlaneConfig(h.env, '0.0.0-test').dataPlaneKey);
    redis = new Redis(testServices().redisUrl);
    db = new pg.Client({ connectionString: testServices().databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    // No provider key in any log line of the whole run.
    const all = h?.logs.join('\n') ?? '';
    for (const s of secrets) expect(all).not.toContain(s);
    redis?.disconnect();
    await db?.end();
    await h?.close();
  });

  const agents = (path = '') => `${h.url}/api/v1/admin/agents${path}`;
  const settings = (): string => `${h.url}/api/v1/admin/tenant`;
  const base = { upstreamUrl: 'http://127.0.0.1:9', requiredCredentials: [] };
  const agentSnapshot = async (id: string) => JSON.parse((await redis.get(keys.agent(id)))!) as AgentSnapshot;
  const tenantSnapshot = async (id: string) => JSON.parse((await redis.get(keys.tenant(id)))!) as TenantSnapshot;
  const agentRow = async (id: string) =>
    (
      await db.query<{
        provider_kind: string | null;
        provider_base_url: string | null;
        sealed_provider_key: string | null;
        allowed_upstreams: string[];
        budgets: unknown;
        version: number;
      }>('SELECT provider_kind, provider_base_url, sealed_provider_key, allowed_upstreams, budgets, version FROM agents WHERE id = $1', [
        id,
      ])
    ).rows[0]!;
  const outbox = async (agentId: string): Promise<AdminStampEvent[]> =>
    (await db.query<{ event: string }>('SELECT event FROM audit_outbox WHERE event LIKE $1', [`%${agentId}%`])).rows
      .map((r) => JSON.parse(r.event) as AdminStampEvent)
      .filter((e) => e.agentId === agentId)
      .sort((x, y) => x.at.localeCompare(y.at));

  it('creates an agent with a provider: hasApiKey only in the body, the key sealed for the data plane in Redis', async () => {
    const t = await h.createTenant();
    const key = secret('create');
    const res = await http('POST', agents(), {
      token: t.adminKey,
      body: {
        ...base,
        name: 'llm-bot',
        provider: { kind: 'openai', baseUrl: 'HTTPS://API.OpenAI.com:443/v1/', apiKey: key },
        allowedUpstreams: ['https://eu.api.openai.com/v1/', 'https://eu.api.openai.com/v1', 'http://127.0.0.1:11434'],
        budgets: [
          { window: 'month', tokens: 1_000_000 },
          { window: 'minute', requests: 60, tokens: 20_000 },
        ],
      },
    });
    expect(res.status).toBe(201);
    expect(res.text).not.toContain(key);
    const id: string = res.body.agent.id;
    expect(res.body.agent).toMatchObject({
      provider: { kind: 'openai', baseUrl: 'https://api.openai.com/v1', hasApiKey: true },
      allowedUpstreams: ['https://eu.api.openai.com/v1', 'http://127.0.0.1:11434'],
      budgets: [
        { window: 'minute', requests: 60, tokens: 20_000 },
        { window: 'month', tokens: 1_000_000 },
      ],
    });
    expect(Object.keys(res.body.agent.provider as object).sort()).toEqual(['baseUrl', 'hasApiKey', 'kind']);

    const got = await http('GET', agents(`/${id}`), { token: t.adminKey });
    expect(got.status).toBe(200);
    expect(got.text).not.toContain(key);
    expect(got.body.provider).toEqual({ kind: 'openai', baseUrl: 'https://api.openai.com/v1', hasApiKey: true });

    const raw = (await redis.get(keys.agent(id)))!;
    expect(raw).not.toContain(key);
    const snap = JSON.parse(raw) as AgentSnapshot;
    expect(snap.provider).toMatchObject({ kind: 'openai', baseUrl: 'https://api.openai.com/v1' });
    expect(openWithKey(dataPlaneKey, snap.provider!.sealedApiKey!, providerKeyAad(id))).toBe(key);
    // Bound to its owner: the same sealed value does not open as another agent's (or the tenant's) key.
    expect(() => openWithKey(dataPlaneKey, snap.provider!.sealedApiKey!, providerKeyAad(t.tenantId))).toThrow();
    expect(snap.allowedUpstreams).toEqual(['https://eu.api.openai.com/v1', 'http://127.0.0.1:11434']);
    expect(snap.budgets).toEqual(res.body.agent.budgets);

    // Postgres holds it envelope-sealed, not in plaintext.
    const row = await agentRow(id);
    expect(row.sealed_provider_key).toBeTruthy();
    expect(row.sealed_provider_key).not.toContain(key);
  });

  it('an agent without provider settings has none, and a keyless local provider has no sealed key', async () => {
    const t = await h.createTenant();
    const plain = await http('POST', agents(), { token: t.adminKey, body: { ...base, name: 'plain' } });
    expect(plain.status).toBe(201);
    expect(plain.body.agent).toMatchObject({ provider: null, allowedUpstreams: [], budgets: [] });
    expect(await agentSnapshot(plain.body.agent.id as string)).toMatchObject({ provider: null, allowedUpstreams: [], budgets: [] });

    const local = await http('POST', agents(), {
      token: t.adminKey,
      body: { ...base, name: 'local', provider: { kind: 'ollama', baseUrl: 'http://127.0.0.1:11434/', apiKey: null } },
    });
    expect(local.status).toBe(201);
    expect(local.body.agent.provider).toEqual({ kind: 'ollama', baseUrl: 'http://127.0.0.1:11434', hasApiKey: false });
    expect((await agentSnapshot(local.body.agent.id as string)).provider).toEqual({
      kind: 'ollama',
      baseUrl: 'http://127.0.0.1:11434',
      sealedApiKey: null,
    });
  });

  it('update keeps the key when apiKey is omitted, replaces it when given, and clears the provider with null; stamps name fields only', async () => {
    const t = await h.createTenant();
    const first = secret('first');
    const created = await http('POST', agents(), {
      token: t.adminKey,
      body: { ...base, name: 'rotating', provider: { kind: 'anthropic', baseUrl: 'https://api.anthropic.com', apiKey: first } },
    });
    expect(created.status).toBe(201);
    const id: string = created.body.agent.id;

    // Same host, another path, no apiKey: the stored key stays.
    const moved = await http('PATCH', agents(`/${id}`), {
      token: t.adminKey,
      body: { provider: { kind: 'anthropic', baseUrl: 'https://api.anthropic.com/proxy/' } },
    });
    expect(moved.status).toBe(200);
    expect(moved.body.provider).toEqual({ kind: 'anthropic', baseUrl: 'https://api.anthropic.com/proxy', hasApiKey: true });
    let snap = await agentSnapshot(id);
    expect(snap.version).toBe(2);
    expect(openWithKey(dataPlaneKey, snap.provider!.sealedApiKey!, providerKeyAad(id))).toBe(first);

    // Another host without the key sent again: refused, nothing changed (else the stored key could be
    // pointed at a host of the editor's choosing).
    const elsewhere = await http('PATCH', agents(`/${id}`), {
      token: t.adminKey,
      body: { provider: { kind: 'anthropic', baseUrl: 'https://collector.example' } },
    });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error).toBe('provider.apiKey must be sent again when provider.baseUrl moves to another host');
    expect((await agentSnapshot(id)).version).toBe(2);

    // A new key replaces it.
    const second = secret('second');
    const rotated = await http('PATCH', agents(`/${id}`), {
      token: t.adminKey,
      body: { provider: { kind: 'anthropic', baseUrl: 'https://api.anthropic.com', apiKey: second } },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.text).not.toContain(second);
    snap = await agentSnapshot(id);
    expect(openWithKey(dataPlaneKey, snap.provider!.sealedApiKey!, providerKeyAad(id))).toBe(second);

    // Other fields leave the provider alone; budgets: null clears them.
    const other = await http('PATCH', agents(`/${id}`), {
      token: t.adminKey,
      body: { allowedUpstreams: ['https://a.example/v1'], budgets: [{ window: 'day', requests: 5 }] },
    });
    expect(other.body).toMatchObject({
      provider: { hasApiKey: true },
      allowedUpstreams: ['https://a.example/v1'],
      budgets: [{ window: 'day', requests: 5 }],
    });
    const noBudget = await http('PATCH', agents(`/${id}`), { token: t.adminKey, body: { budgets: null } });
    expect(noBudget.body.budgets).toEqual([]);
    expect((await agentSnapshot(id)).budgets).toEqual([]);

    // null clears the provider and its key.
    const cleared = await http('PATCH', agents(`/${id}`), { token: t.adminKey, body: { provider: null } });
    expect(cleared.status).toBe(200);
    expect(cleared.body.provider).toBeNull();
    expect((await agentSnapshot(id)).provider).toBeNull();
    expect(await agentRow(id)).toMatchObject({ provider_kind: null, provider_base_url: null, sealed_provider_key: null });

    // The stamps name the changed fields, never a key.
    const updates = (await outbox(id)).filter((e) => e.action === 'updated');
    expect(updates.map((e) => e.changes)).toEqual([['provider'], ['provider'], ['allowedUpstreams', 'budgets'], ['budgets'], ['provider']]);
    const stamped = JSON.stringify(await outbox(id));
    for (const s of [first, second]) expect(stamped).not.toContain(s);
  });

  it('refuses bad provider, upstream and budget input with a 400 that changes nothing', async () => {
    const t = await h.createTenant();
    const key = secret('keep');
    const created = await http('POST', agents(), {
      token: t.adminKey,
      body: {
        ...base,
        name: 'steady',
        provider: { kind: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: key },
        allowedUpstreams: ['https://eu.api.openai.com/v1'],
        budgets: [{ window: 'day', tokens: 100 }],
      },
    });
    const id: string = created.body.agent.id;
    const before = await agentRow(id);
    const snapBefore = await redis.get(keys.agent(id));
    const leaked = secret('refused');

    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['bad kind', { provider: { kind: 'cohere', baseUrl: 'https://api.cohere.ai', apiKey: leaked } }, /provider\.kind must be one of/],
      [
        'bad url',
        { provider: { kind: 'openai', baseUrl: 'ftp://api.openai.com', apiKey: leaked } },
        /provider\.baseUrl must be an http\(s\) URL/,
      ],
      ['not a url', { provider: { kind: 'openai', baseUrl: 'api.openai.com' } }, /provider\.baseUrl must be an http\(s\) URL/],
      ['query in url', { provider: { kind: 'openai', baseUrl: 'https://api.openai.com/v1?x=1' } }, /query or fragment/],
      ['credentials in url', { provider: { kind: 'openai', baseUrl: 'https://u:p@api.openai.com/v1' } }, /credentials/],
      ['key with a newline', { provider: { kind: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-a\r\nX-Evil: 1' } }, /apiKey/],
      ['unknown provider field', { provider: { kind: 'openai', baseUrl: 'https://api.openai.com/v1', region: 'eu' } }, /region/],
      ['provider not an object', { provider: 'openai' }, /provider/],
      ['bad upstream', { allowedUpstreams: ['not a url'] }, /allowedUpstreams/],
      [
        'too many upstreams',
        { allowedUpstreams: Array.from({ length: 33 }, (_, i) => `https://u${i}.example`) },
        /allowedUpstreams holds at most 32/,
      ],
      [
        'duplicate budget window',
        {
          budgets: [
            { window: 'day', requests: 1 },
            { window: 'day', tokens: 5 },
          ],
        },
        /budgets lists the day window twice/,
      ],
      ['empty budget entry', { budgets: [{ window: 'minute' }] }, /the minute entry needs requests or tokens/],
      ['bad budget window', { budgets: [{ window: 'week', requests: 1 }] }, /budgets\.window must be one of/],
      ['zero budget', { budgets: [{ window: 'day', requests: 0 }] }, /requests/],
    ];
    for (const [label, body, message] of cases) {
      const res = await http('PATCH', agents(`/${id}`), { token: t.adminKey, body });
      expect(res.status, label).toBe(400);
      expect(res.body.request_id, label).toBeTruthy();
      expect(res.text, label).toMatch(message);
      expect(res.text, label).not.toContain(leaked);
      expect(res.text, label).not.toContain(key);
    }
    expect(await agentRow(id)).toEqual(before);
    expect(await redis.get(keys.agent(id))).toBe(snapBefore);

    // Creation refuses the same way and creates nothing.
    const bad = await http('POST', agents(), {
      token: t.adminKey,
      body: {
        ...base,
        name: 'never',
        budgets: [{ window: 'month' }],
        provider: { kind: 'openai', baseUrl: 'https://x.example', apiKey: leaked },
      },
    });
    expect(bad.status).toBe(400);
    const count = await db.query('SELECT count(*)::int AS n FROM agents WHERE tenant_id = $1', [t.tenantId]);
    expect(count.rows[0].n).toBe(1);
  });

  describe('tenant settings', () => {
    it('admins read and change the default provider and allowProviderKeys; the tenant snapshot follows', async () => {
      const t = await h.createTenant();
      const initial = await http('GET', settings(), { token: t.adminKey });
      expect(initial.status).toBe(200);
      expect(initial.body).toEqual({
        id: t.tenantId,
        name: t.slug,
        slug: t.slug,
        status: 'active',
        defaultProvider: null,
        allowProviderKeys: false,
      });
      expect(await tenantSnapshot(t.tenantId)).toMatchObject({ defaultProvider: null, allowProviderKeys: false });

      const key = secret('tenant');
      const set = await http('PATCH', settings(), {
        token: t.adminKey,
        body: {
          defaultProvider: { kind: 'azure-openai', baseUrl: 'https://acme.openai.azure.com/openai/', apiKey: key },
          allowProviderKeys: true,
        },
      });
      expect(set.status).toBe(200);
      expect(set.text).not.toContain(key);
      expect(set.body).toMatchObject({
        defaultProvider: { kind: 'azure-openai', baseUrl: 'https://acme.openai.azure.com/openai', hasApiKey: true },
        allowProviderKeys: true,
      });
      const raw = (await redis.get(keys.tenant(t.tenantId)))!;
      expect(raw).not.toContain(key);
      const snap = JSON.parse(raw) as TenantSnapshot;
      expect(snap.allowProviderKeys).toBe(true);
      expect(snap.defaultProvider).toMatchObject({ kind: 'azure-openai', baseUrl: 'https://acme.openai.azure.com/openai' });
      expect(openWithKey(dataPlaneKey, snap.defaultProvider!.sealedApiKey!, providerKeyAad(t.tenantId))).toBe(key);

      // Without apiKey the key stays on the same host, and is asked for again on another; the flag can change alone.
      const kept = await http('PATCH', settings(), {
        token: t.adminKey,
        body: { defaultProvider: { kind: 'azure-openai', baseUrl: 'https://acme.openai.azure.com/openai/v1' } },
      });
      expect(kept.body.defaultProvider).toEqual({
        kind: 'azure-openai',
        baseUrl: 'https://acme.openai.azure.com/openai/v1',
        hasApiKey: true,
      });
      const moved = await http('PATCH', settings(), {
        token: t.adminKey,
        body: { defaultProvider: { kind: 'azure-openai', baseUrl: 'https://acme2.openai.azure.com/openai' } },
      });
      expect(moved.status).toBe(400);
      expect(moved.body.error).toMatch(/defaultProvider.apiKey must be sent again/);
      const flag = await http('PATCH', settings(), { token: t.adminKey, body: { allowProviderKeys: false } });
      expect(flag.body).toMatchObject({ allowProviderKeys: false, defaultProvider: { hasApiKey: true } });
      const snap2 = await tenantSnapshot(t.tenantId);
      expect(snap2.allowProviderKeys).toBe(false);
      expect(openWithKey(dataPlaneKey, snap2.defaultProvider!.sealedApiKey!, providerKeyAad(t.tenantId))).toBe(key);

      // Issuer changes rewrite the same snapshot and keep the provider settings in it.
      const issuer = await http('POST', `${h.url}/api/v1/admin/issuers`, {
        token: t.adminKey,
        body: { issuer: 'https://idp.example', jwksUri: 'https://idp.example/jwks.json', audience: 'portcullis' },
      });
      expect(issuer.status).toBe(201);
      expect((await tenantSnapshot(t.tenantId)).defaultProvider).toMatchObject({ kind: 'azure-openai' });

      const cleared = await http('PATCH', settings(), { token: t.adminKey, body: { defaultProvider: null } });
      expect(cleared.body.defaultProvider).toBeNull();
      expect((await tenantSnapshot(t.tenantId)).defaultProvider).toBeNull();
    });

    it('members and creators are refused, bad input is a 400 that changes nothing, and each tenant sees only itself', async () => {
      const t = await h.createTenant();
      const other = await h.createTenant();
      const key = secret('settings');
      await http('PATCH', settings(), {
        token: t.adminKey,
        body: { defaultProvider: { kind: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: key } },
      });
      for (const role of ['member', 'creator']) {
        const k = await http('POST', `${h.url}/api/v1/admin/api-keys`, { token: t.adminKey, body: { name: role, role } });
        expect(k.status).toBe(201);
        expect((await http('GET', settings(), { token: k.body.key as string })).status).toBe(403);
        const patch = await http('PATCH', settings(), { token: k.body.key as string, body: { allowProviderKeys: true } });
        expect(patch.status).toBe(403);
        expect(patch.body.request_id).toBeTruthy();
      }
      expect((await http('GET', settings())).status).toBe(401);

      const before = await redis.get(keys.tenant(t.tenantId));
      for (const body of [
        { allowProviderKeys: 'yes' },
        { defaultProvider: { kind: 'gemini', baseUrl: 'https://x.example' } },
        { defaultProvider: { kind: 'openai', baseUrl: 'file:///etc/passwd' } },
        { defaultProvider: { kind: 'openai', baseUrl: 'https://x.example#frag' } },
        { slug: 'renamed' },
      ]) {
        const res = await http('PATCH', settings(), { token: t.adminKey, body });
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body).toHaveProperty('error');
        expect(res.body).toHaveProperty('request_id');
      }
      const after = await http('GET', settings(), { token: t.adminKey });
      expect(after.body).toMatchObject({
        slug: t.slug,
        allowProviderKeys: false,
        defaultProvider: { kind: 'openai', baseUrl: 'https://api.openai.com/v1', hasApiKey: true },
      });
      expect(await redis.get(keys.tenant(t.tenantId))).toBe(before);

      const theirs = await http('GET', settings(), { token: other.adminKey });
      expect(theirs.body).toMatchObject({ id: other.tenantId, defaultProvider: null });
    });
  });

  it('documents the new fields and the tenant settings routes in OpenAPI', async () => {
    const doc = await http('GET', `${h.url}/docs/openapi.json`);
    expect(doc.status).toBe(200);
    const paths = doc.body.paths as Record<string, Record<string, unknown>>;
    expect(Object.keys(paths['/api/v1/admin/tenant'] ?? {}).sort()).toEqual(['get', 'patch']);
    const schemas = doc.body.components.schemas as Record<string, { properties: Record<string, unknown> }>;
    for (const dto of ['AgentCreateDto', 'AgentUpdateDto', 'AgentResponseDto']) {
      expect(Object.keys(schemas[dto]!.properties), dto).toEqual(expect.arrayContaining(['provider', 'allowedUpstreams', 'budgets']));
    }
    expect(Object.keys(schemas.ProviderResponseDto!.properties).sort()).toEqual(['baseUrl', 'hasApiKey', 'kind']);
    expect(Object.keys(schemas.ProviderInputDto!.properties).sort()).toEqual(['apiKey', 'baseUrl', 'kind']);
    expect(Object.keys(schemas.TenantSettingsUpdateDto!.properties).sort()).toEqual(['allowProviderKeys', 'defaultProvider']);
  });

  it('republishAll skips (and logs without secrets) a provider key it cannot open, and publishes the rest', async () => {
    const broken = await h.createTenant();
    const fine = await h.createTenant();
    const key = secret('republish');
    await http('PATCH', `${h.url}/api/v1/admin/tenant`, {
      token: broken.adminKey,
      body: { defaultProvider: { kind: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: key } },
    });
    const a = await http('POST', agents(), {
      token: broken.adminKey,
      body: { ...base, name: 'broken-key', provider: { kind: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: key } },
    });
    const ok = await http('POST', agents(), {
      token: fine.adminKey,
      body: { ...base, name: 'fine', provider: { kind: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: secret('fine') } },
    });
    const brokenAgent: string = a.body.agent.id;
    const fineAgent: string = ok.body.agent.id;
    // Sealed under another tenant's binding: this master key can no longer open them.
    await db.query(
      'UPDATE tenants SET sealed_default_provider_key = (SELECT sealed_provider_key FROM agents WHERE id = $1) WHERE id = $2',
      [fineAgent, broken.tenantId],
    );
    await db.query('UPDATE agents SET sealed_provider_key = (SELECT sealed_provider_key FROM agents WHERE id = $1) WHERE id = $2', [
      fineAgent,
      brokenAgent,
    ]);
    await redis.del(keys.tenant(broken.tenantId), keys.tenant(fine.tenantId), keys.agent(brokenAgent), keys.agent(fineAgent));

    const counts = await h.app.get(SnapshotPublisher).republishAll();
    expect(counts.tenants).toBeGreaterThan(0);
    expect(await redis.get(keys.tenant(broken.tenantId))).toBeNull();
    expect(await redis.get(keys.agent(brokenAgent))).toBeNull();
    expect((await tenantSnapshot(fine.tenantId)).id).toBe(fine.tenantId);
    expect((await agentSnapshot(fineAgent)).provider).toMatchObject({ kind: 'openai' });
    const logged = h.logs.filter((l) => l.includes('cannot be unsealed'));
    expect(logged.some((l) => l.includes(broken.tenantId))).toBe(true);
    expect(logged.some((l) => l.includes(brokenAgent))).toBe(true);
  });
});
