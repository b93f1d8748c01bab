import pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '@portcullis/domain';
import { redisKeys, type TenantSnapshot } from '@portcullis/contracts';
import { http, testServices } from '@portcullis/testing';
import { startControlPlane, type Harness } from './harness.js';

/** Every secret the tests create: none may ever appear in a log line. */
const secrets: string[] = [];
const remember = <T extends string>(s: T): T => (secrets.push(s), s);

describe('control plane admin API', () => {
  let h: Harness;
  let db: pg.Client;
  let redis: Redis;
  const keys = redisKeys(testServices().redisPrefix);
  const agentBody = { name: 'bot', upstreamUrl: 'http://127.0.0.1:9', requiredCredentials: [{ serviceType: 'github' }] };

  beforeAll(async () => {
    h = await startControlPlane();
    remember(h.rootToken);
    db = new pg.Client({ connectionString: testServices().databaseUrl });
    await db.connect();
    redis = new Redis(testServices().redisUrl);
  });
  afterAll(async () => {
    await db.end();
    redis.disconnect();
    await h.close();
  });

  const tenant = async () => {
    const t = await h.createTenant();
    remember(t.adminKey);
    return t;
  };
  const count = async (table: string, tenantId: string): Promise<number> =>
    Number((await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [tenantId])).rows[0].n);

  describe('platform tenants', () => {
    it('needs the root token', async () => {
      expect((await http('GET', `${h.url}/api/v1/platform/tenants`)).status).toBe(401);
      const wrong = await http('GET', `${h.url}/api/v1/platform/tenants`, { token: 'not-the-root-token-at-all' });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toEqual({ error: expect.any(String), request_id: expect.any(String) });
      const t = await tenant();
      expect((await http('GET', `${h.url}/api/v1/platform/tenants`, { token: t.adminKey })).status).toBe(401);
    });

    it('creates a tenant with a pk_ admin key shown once and stored as a hash', async () => {
      const res = await http('POST', `${h.url}/api/v1/platform/tenants`, {
        token: h.rootToken,
        body: { name: 'Acme', slug: `acme-${Date.now()}` },
      });
      expect(res.status).toBe(201);
      const key = remember(res.body.adminApiKey as string);
      expect(key).toMatch(/^pk_/);
      const rows = await db.query('SELECT token_hash, hint FROM api_keys WHERE tenant_id = $1', [res.body.tenant.id]);
      expect(rows.rows).toEqual([{ token_hash: hashToken(key), hint: key.slice(0, 7) + '…' }]);
      const got = await http('GET', `${h.url}/api/v1/platform/tenants/${res.body.tenant.id}`, { token: h.rootToken });
      expect(got.body).toMatchObject({ id: res.body.tenant.id, name: 'Acme', status: 'active' });
      expect(got.text).not.toContain(key);
      const list = await http('GET', `${h.url}/api/v1/admin/api-keys`, { token: key });
      expect(list.text).not.toContain(key);
    });

    it('rejects a taken slug with 409 and a bad one with 400, writing nothing', async () => {
      const t = await tenant();
      const dup = await http('POST', `${h.url}/api/v1/platform/tenants`, { token: h.rootToken, body: { name: 'x', slug: t.slug } });
      expect(dup.status).toBe(409);
      const before = Number((await db.query('SELECT count(*)::int AS n FROM tenants')).rows[0].n);
      for (const body of [
        { name: 'x', slug: 'Bad Slug' },
        { name: 'x' },
        { name: 5, slug: 'ok-slug' },
        { name: 'x', slug: 'ok-slug-2', extra: true },
      ]) {
        const res = await http('POST', `${h.url}/api/v1/platform/tenants`, { token: h.rootToken, body });
        expect(res.status, JSON.stringify(body)).toBe(400);
      }
      expect(Number((await db.query('SELECT count(*)::int AS n FROM tenants')).rows[0].n)).toBe(before);
      expect(
        (await http('GET', `${h.url}/api/v1/platform/tenants/00000000-0000-4000-8000-000000000000`, { token: h.rootToken })).status,
      ).toBe(404);
    });
  });

  describe('roles', () => {
    it('admins do everything, creators manage agents only, members read', async () => {
      const t = await tenant();
      const mk = async (role: string) => {
        const r = await http('POST', `${h.url}/api/v1/admin/api-keys`, { token: t.adminKey, body: { name: role, role } });
        expect(r.status).toBe(201);
        return remember(r.body.key as string);
      };
      const creator = await mk('creator');
      const member = await mk('member');
      const agent = await http('POST', `${h.url}/api/v1/admin/agents`, { token: creator, body: agentBody });
      expect(agent.status).toBe(201);
      remember(agent.body.runtimeToken as string);
      const id = agent.body.agent.id as string;
      expect((await http('POST', `${h.url}/api/v1/admin/agents/${id}/disable`, { token: creator })).status).toBe(200);
      expect((await http('GET', `${h.url}/api/v1/admin/agents/${id}`, { token: member })).status).toBe(200);
      for (const [method, path, body] of [
        ['POST', '/api/v1/admin/agents', { ...agentBody, name: 'other' }],
        ['POST', `/api/v1/admin/agents/${id}/enable`, undefined],
        ['PATCH', `/api/v1/admin/agents/${id}`, { description: 'x' }],
        ['DELETE', `/api/v1/admin/agents/${id}`, undefined],
      ] as const) {
        const r = await http(method, `${h.url}${path}`, { token: member, body });
        expect(r.status, `${method} ${path} as member`).toBe(403);
      }
      for (const [method, path, body] of [
        ['POST', '/api/v1/admin/users', { email: 'u@x.io', password: 'a-long-password', role: 'member' }],
        ['POST', '/api/v1/admin/api-keys', { name: 'k', role: 'member' }],
        ['POST', '/api/v1/admin/credentials', { serviceType: 'github', value: 'v' }],
        ['POST', '/api/v1/admin/issuers', { issuer: 'https://idp', jwksUri: 'https://idp/jwks', audience: 'a' }],
      ] as const) {
        const r = await http(method, `${h.url}${path}`, { token: creator, body });
        expect(r.status, `${method} ${path} as creator`).toBe(403);
        expect(r.body.error).toBe('this action needs the admin role');
      }
      expect(await count('users', t.tenantId)).toBe(0);
      expect(await count('credentials', t.tenantId)).toBe(0);
    });

    it('a revoked key stops working at once, here and in the data-plane index', async () => {
      const t = await tenant();
      const r = await http('POST', `${h.url}/api/v1/admin/api-keys`, { token: t.adminKey, body: { name: 'ci', role: 'member' } });
      const key = remember(r.body.key as string);
      expect(JSON.parse((await redis.get(keys.token(hashToken(key))))!)).toMatchObject({ kind: 'apiKey', role: 'member' });
      expect((await http('GET', `${h.url}/api/v1/admin/agents`, { token: key })).status).toBe(200);
      expect((await http('DELETE', `${h.url}/api/v1/admin/api-keys/${r.body.apiKey.id}`, { token: t.adminKey })).status).toBe(204);
      expect((await http('GET', `${h.url}/api/v1/admin/agents`, { token: key })).status).toBe(401);
      expect(await redis.get(keys.token(hashToken(key)))).toBeNull();
      const listed = await http('GET', `${h.url}/api/v1/admin/api-keys/${r.body.apiKey.id}`, { token: t.adminKey });
      expect(listed.body.revokedAt).toEqual(expect.any(String));
    });
  });

  describe('users and login', () => {
    it('hashes passwords, logs in with a JWT that carries the role, and forgets deleted users', async () => {
      const t = await tenant();
      const password = remember('correct-horse-battery-staple');
      const u = await http('POST', `${h.url}/api/v1/admin/users`, {
        token: t.adminKey,
        body: { email: 'Ann@Example.com', password, role: 'creator' },
      });
      expect(u.status).toBe(201);
      expect(u.body).toMatchObject({ email: 'ann@example.com', role: 'creator' });
      expect(u.text).not.toContain(password);
      const row = await db.query('SELECT password_hash FROM users WHERE id = $1', [u.body.id]);
      expect(row.rows[0].password_hash).toMatch(/^scrypt\$/);
      expect(row.rows[0].password_hash).not.toContain(password);

      expect(
        (
          await http('POST', `${h.url}/api/v1/auth/login`, {
            body: { tenant: t.slug, email: 'ann@example.com', password: 'wrong-password' },
          })
        ).status,
      ).toBe(401);
      expect(
        (await http('POST', `${h.url}/api/v1/auth/login`, { body: { tenant: 'no-such-tenant', email: 'ann@example.com', password } }))
          .status,
      ).toBe(401);
      const login = await http('POST', `${h.url}/api/v1/auth/login`, { body: { tenant: t.slug, email: 'ann@example.com', password } });
      expect(login.status).toBe(200);
      const jwt = remember(login.body.accessToken as string);
      expect(login.body).toMatchObject({ tokenType: 'Bearer', user: { id: u.body.id, role: 'creator' } });
      expect((await http('POST', `${h.url}/api/v1/admin/agents`, { token: jwt, body: agentBody })).status).toBe(201);
      expect((await http('POST', `${h.url}/api/v1/admin/api-keys`, { token: jwt, body: { name: 'k', role: 'admin' } })).status).toBe(403);
      expect((await http('GET', `${h.url}/api/v1/admin/agents`, { token: jwt.slice(0, -2) + 'xx' })).status).toBe(401);

      expect((await http('DELETE', `${h.url}/api/v1/admin/users/${u.body.id}`, { token: t.adminKey })).status).toBe(204);
      expect((await http('GET', `${h.url}/api/v1/admin/agents`, { token: jwt })).status).toBe(401);
    });
  });

  describe('tenant isolation', () => {
    it("another tenant's resources are 404 for every verb", async () => {
      const a = await tenant();
      const b = await tenant();
      const agent = await http('POST', `${h.url}/api/v1/admin/agents`, { token: a.adminKey, body: agentBody });
      remember(agent.body.runtimeToken as string);
      const cred = await http('POST', `${h.url}/api/v1/admin/credentials`, {
        token: a.adminKey,
        body: { serviceType: 'github', value: remember('ghp_isolation') },
      });
      const issuer = await http('POST', `${h.url}/api/v1/admin/issuers`, {
        token: a.adminKey,
        body: { issuer: 'https://idp.a', jwksUri: 'https://idp.a/jwks', audience: 'a' },
      });
      const user = await http('POST', `${h.url}/api/v1/admin/users`, {
        token: a.adminKey,
        body: { email: 'x@a.io', password: 'a-long-password', role: 'member' },
      });
      const key = await http('POST', `${h.url}/api/v1/admin/api-keys`, { token: a.adminKey, body: { name: 'k', role: 'member' } });
      remember(key.body.key as string);
      const probes: [string, string, unknown?][] = [
        ['GET', `/api/v1/admin/agents/${agent.body.agent.id}`],
        ['PATCH', `/api/v1/admin/agents/${agent.body.agent.id}`, { description: 'mine now' }],
        ['POST', `/api/v1/admin/agents/${agent.body.agent.id}/disable`],
        ['POST', `/api/v1/admin/agents/${agent.body.agent.id}/regenerate-token`],
        ['DELETE', `/api/v1/admin/agents/${agent.body.agent.id}`],
        ['GET', `/api/v1/admin/credentials/${cred.body.id}`],
        ['DELETE', `/api/v1/admin/credentials/${cred.body.id}`],
        ['GET', `/api/v1/admin/issuers/${issuer.body.id}`],
        ['PATCH', `/api/v1/admin/issuers/${issuer.body.id}`, { audience: 'b' }],
        ['DELETE', `/api/v1/admin/issuers/${issuer.body.id}`],
        ['GET', `/api/v1/admin/users/${user.body.id}`],
        ['PATCH', `/api/v1/admin/users/${user.body.id}`, { role: 'admin' }],
        ['DELETE', `/api/v1/admin/users/${user.body.id}`],
        ['GET', `/api/v1/admin/api-keys/${key.body.apiKey.id}`],
        ['DELETE', `/api/v1/admin/api-keys/${key.body.apiKey.id}`],
      ];
      for (const [method, path, body] of probes) {
        const r = await http(method, `${h.url}${path}`, { token: b.adminKey, body });
        expect(r.status, `${method} ${path}`).toBe(404);
      }
      for (const list of ['agents', 'credentials', 'issuers', 'users']) {
        const r = await http('GET', `${h.url}/api/v1/admin/${list}`, { token: b.adminKey });
        expect(r.body.items, list).toEqual([]);
      }
      const still = await http('GET', `${h.url}/api/v1/admin/agents/${agent.body.agent.id}`, { token: a.adminKey });
      expect(still.body).toMatchObject({ status: 'active', description: null, version: 1 });
    });
  });

  describe('bad input', () => {
    it('is a 400 naming the field on every write endpoint, and writes nothing', async () => {
      const t = await tenant();
      const agent = await http('POST', `${h.url}/api/v1/admin/agents`, { token: t.adminKey, body: agentBody });
      remember(agent.body.runtimeToken as string);
      const issuer = await http('POST', `${h.url}/api/v1/admin/issuers`, {
        token: t.adminKey,
        body: { issuer: 'https://i', jwksUri: 'https://i/jwks', audience: 'a' },
      });
      const user = await http('POST', `${h.url}/api/v1/admin/users`, {
        token: t.adminKey,
        body: { email: 'y@a.io', password: 'a-long-password', role: 'member' },
      });
      const cases: [string, string, unknown, string][] = [
        ['POST', '/api/v1/admin/agents', { ...agentBody, color: 'red' }, 'property color should not exist'],
        ['POST', '/api/v1/admin/agents', { ...agentBody, upstreamUrl: 'ftp://x' }, 'upstreamUrl'],
        ['POST', '/api/v1/admin/agents', { ...agentBody, requiredCredentials: 'github' }, 'requiredCredentials'],
        ['POST', '/api/v1/admin/agents', { ...agentBody, requiredCredentials: [{ serviceType: 'Bad Type' }] }, 'serviceType'],
        ['POST', '/api/v1/admin/agents', { ...agentBody, requiredCredentials: [{ serviceType: 'a' }, { serviceType: 'a' }] }, 'twice'],
        ['POST', '/api/v1/admin/agents', { ...agentBody, name: 7 }, 'name'],
        ['POST', '/api/v1/admin/agents', { ...agentBody, rateLimit: { requests: 0, windowSeconds: 60 } }, 'requests'],
        ['PATCH', `/api/v1/admin/agents/${agent.body.agent.id}`, { status: 'disabled' }, 'property status should not exist'],
        ['PATCH', `/api/v1/admin/agents/${agent.body.agent.id}`, { upstreamUrl: 'not a url' }, 'upstreamUrl'],
        ['POST', '/api/v1/admin/credentials', { serviceType: 'github' }, 'value'],
        ['POST', '/api/v1/admin/credentials', { serviceType: 'github', value: 'v', userId: 'has space' }, 'userId'],
        ['POST', '/api/v1/admin/issuers', { issuer: 'https://i2', jwksUri: 'nope', audience: 'a' }, 'jwksUri'],
        ['PATCH', `/api/v1/admin/issuers/${issuer.body.id}`, { audience: '' }, 'audience'],
        ['POST', '/api/v1/admin/users', { email: 'not-an-email', password: 'a-long-password', role: 'member' }, 'email'],
        ['POST', '/api/v1/admin/users', { email: 'z@a.io', password: 'short', role: 'member' }, 'password'],
        ['POST', '/api/v1/admin/users', { email: 'z@a.io', password: 'a-long-password', role: 'owner' }, 'role'],
        ['PATCH', `/api/v1/admin/users/${user.body.id}`, { role: 'root' }, 'role'],
        ['POST', '/api/v1/admin/api-keys', { name: 'k', role: 'god' }, 'role'],
        ['POST', '/api/v1/auth/login', { tenant: t.slug, email: 'y@a.io' }, 'password'],
      ];
      const snapshot = async () => ({
        agents: await count('agents', t.tenantId),
        creds: await count('credentials', t.tenantId),
        issuers: await count('trusted_issuers', t.tenantId),
        users: await count('users', t.tenantId),
        keys: await count('api_keys', t.tenantId),
        agent: (await http('GET', `${h.url}/api/v1/admin/agents/${agent.body.agent.id}`, { token: t.adminKey })).text,
      });
      const before = await snapshot();
      for (const [method, path, body, mention] of cases) {
        const r = await http(method, `${h.url}${path}`, { token: t.adminKey, body });
        expect(r.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
        expect(r.body.error).toContain(mention);
        expect(r.body.request_id).toEqual(expect.any(String));
      }
      const malformed = await http('POST', `${h.url}/api/v1/admin/agents`, { token: t.adminKey, rawBody: '{"name": ' });
      expect(malformed.status).toBe(400);
      const huge = await http('POST', `${h.url}/api/v1/admin/agents`, {
        token: t.adminKey,
        body: { ...agentBody, description: 'x'.repeat(2_000_000) },
      });
      expect(huge.status).toBe(413);
      expect(huge.body).toEqual({ error: 'request body too large', request_id: expect.any(String) });
      expect((await http('GET', `${h.url}/api/v1/admin/agents/not-a-uuid`, { token: t.adminKey })).status).toBe(404);
      expect((await http('GET', `${h.url}/api/v1/admin/agents?limit=0`, { token: t.adminKey })).status).toBe(400);
      expect((await http('GET', `${h.url}/api/v1/admin/agents?cursor=@@`, { token: t.adminKey })).status).toBe(400);
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('agents', () => {
    it('updates, paginates, and deletes (gone from Redis too)', async () => {
      const t = await tenant();
      const ids: string[] = [];
      for (const name of ['a1', 'a2', 'a3']) {
        const r = await http('POST', `${h.url}/api/v1/admin/agents`, { token: t.adminKey, body: { ...agentBody, name } });
        remember(r.body.runtimeToken as string);
        ids.push(r.body.agent.id as string);
      }
      expect((await http('POST', `${h.url}/api/v1/admin/agents`, { token: t.adminKey, body: { ...agentBody, name: 'a1' } })).status).toBe(
        409,
      );
      const p1 = await http('GET', `${h.url}/api/v1/admin/agents?limit=2`, { token: t.adminKey });
      expect(p1.body.items.map((a: { name: string }) => a.name)).toEqual(['a3', 'a2']);
      const p2 = await http('GET', `${h.url}/api/v1/admin/agents?limit=2&cursor=${p1.body.nextCursor}`, { token: t.adminKey });
      expect(p2.body).toMatchObject({ items: [{ name: 'a1' }], nextCursor: null });

      const secret = remember('upstream-secret-value');
      const patched = await http('PATCH', `${h.url}/api/v1/admin/agents/${ids[0]}`, {
        token: t.adminKey,
        body: { description: 'helps', upstreamSecret: secret, rateLimit: { requests: 10, windowSeconds: 60 } },
      });
      expect(patched.body).toMatchObject({
        description: 'helps',
        hasUpstreamSecret: true,
        rateLimit: { requests: 10, windowSeconds: 60 },
        version: 2,
      });
      const snap = (await redis.get(keys.agent(ids[0]!)))!;
      expect(JSON.parse(snap)).toMatchObject({ version: 2, rateLimit: { requests: 10, windowSeconds: 60 } });
      expect(snap).not.toContain(secret);
      const row = await db.query('SELECT sealed_upstream_secret FROM agents WHERE id = $1', [ids[0]]);
      expect(row.rows[0].sealed_upstream_secret).toMatch(/^e1\./);
      expect(row.rows[0].sealed_upstream_secret).not.toContain(secret);
      const cleared = await http('PATCH', `${h.url}/api/v1/admin/agents/${ids[0]}`, {
        token: t.adminKey,
        body: { upstreamSecret: null, rateLimit: null },
      });
      expect(cleared.body).toMatchObject({ hasUpstreamSecret: false, rateLimit: null, version: 3 });

      expect((await http('DELETE', `${h.url}/api/v1/admin/agents/${ids[1]}`, { token: t.adminKey })).status).toBe(204);
      expect((await http('GET', `${h.url}/api/v1/admin/agents/${ids[1]}`, { token: t.adminKey })).status).toBe(404);
      expect(await redis.get(keys.agent(ids[1]!))).toBeNull();
      const disabled = await http('GET', `${h.url}/api/v1/admin/agents?status=active`, { token: t.adminKey });
      expect(disabled.body.items).toHaveLength(2);
    });
  });

  describe('credentials', () => {
    it('seals values, never returns them, replaces per user and service, and mirrors Redis', async () => {
      const t = await tenant();
      const value = remember('ghp_tenantwide_secret_value');
      const c = await http('POST', `${h.url}/api/v1/admin/credentials`, { token: t.adminKey, body: { serviceType: 'github', value } });
      expect(c.status).toBe(201);
      expect(c.body).toMatchObject({ serviceType: 'github', userId: null });
      expect(c.text).not.toContain(value);
      const replaced = await http('POST', `${h.url}/api/v1/admin/credentials`, {
        token: t.adminKey,
        body: { serviceType: 'github', value: remember('ghp_rotated_value') },
      });
      expect(replaced.status).toBe(200);
      expect(replaced.body.id).toBe(c.body.id);
      const mine = await http('POST', `${h.url}/api/v1/admin/credentials`, {
        token: t.adminKey,
        body: { serviceType: 'github', value: remember('ghp_user_value'), userId: 'user-42' },
      });
      expect(mine.status).toBe(201);
      const list = await http('GET', `${h.url}/api/v1/admin/credentials`, { token: t.adminKey });
      expect(list.body.items).toHaveLength(2);
      expect(list.text).not.toMatch(/ghp_/);
      const filtered = await http('GET', `${h.url}/api/v1/admin/credentials?userId=user-42`, { token: t.adminKey });
      expect(filtered.body.items).toMatchObject([{ userId: 'user-42' }]);

      const rows = await db.query('SELECT sealed_value FROM credentials WHERE tenant_id = $1', [t.tenantId]);
      for (const r of rows.rows as { sealed_value: string }[]) {
        expect(r.sealed_value).toMatch(/^e1\./);
        expect(r.sealed_value).not.toMatch(/ghp_/);
      }
      const snap = (await redis.get(keys.credential(t.tenantId, 'user-42', 'github')))!;
      expect(JSON.parse(snap)).toMatchObject({ userId: 'user-42', serviceType: 'github', sealedValue: expect.stringMatching(/^k1\./) });
      expect(snap).not.toMatch(/ghp_/);

      expect((await http('DELETE', `${h.url}/api/v1/admin/credentials/${mine.body.id}`, { token: t.adminKey })).status).toBe(204);
      expect(await redis.get(keys.credential(t.tenantId, 'user-42', 'github'))).toBeNull();
    });
  });

  describe('issuers', () => {
    it('CRUD keeps the tenant snapshot the proxies read in step', async () => {
      const t = await tenant();
      const body = { issuer: 'https://login.example.com/', jwksUri: 'https://login.example.com/jwks.json', audience: 'portcullis' };
      const i = await http('POST', `${h.url}/api/v1/admin/issuers`, { token: t.adminKey, body });
      expect(i.status).toBe(201);
      expect((await http('POST', `${h.url}/api/v1/admin/issuers`, { token: t.adminKey, body })).status).toBe(409);
      const read = async () => JSON.parse((await redis.get(keys.tenant(t.tenantId)))!) as TenantSnapshot;
      expect((await read()).issuers).toEqual([{ id: i.body.id, ...body }]);
      const p = await http('PATCH', `${h.url}/api/v1/admin/issuers/${i.body.id}`, { token: t.adminKey, body: { audience: 'other' } });
      expect(p.body.audience).toBe('other');
      expect((await read()).issuers[0]!.audience).toBe('other');
      expect((await http('DELETE', `${h.url}/api/v1/admin/issuers/${i.body.id}`, { token: t.adminKey })).status).toBe(204);
      expect((await read()).issuers).toEqual([]);
    });
  });

  describe('operations', () => {
    it('serves health, readiness, metrics and OpenAPI', async () => {
      expect((await http('GET', `${h.url}/healthz`)).body).toEqual({ status: 'ok', version: '0.0.0-test' });
      expect((await http('GET', `${h.url}/readyz`)).body).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
      expect((await http('GET', `${h.url}/metrics`)).text).toContain('portcullis_cp_http_requests_total');
      const doc = await http('GET', `${h.url}/docs/openapi.json`);
      expect(Object.keys(doc.body.paths as object)).toEqual(
        expect.arrayContaining(['/api/v1/admin/agents', '/api/v1/admin/agents/{id}/disable']),
      );
      const res = await http('GET', `${h.url}/healthz`, { headers: { 'x-request-id': 'trace-12345678' } });
      expect(res.headers.get('x-request-id')).toBe('trace-12345678');
    });

    it('never logs a secret, token or password', () => {
      const text = h.logs.join('\n');
      expect(h.logs.length).toBeGreaterThan(20);
      for (const s of secrets) expect(text).not.toContain(s);
    });
  });
});
