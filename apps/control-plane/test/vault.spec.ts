/**
 * The vault against the real control plane, Postgres and Redis: the quick start an agent follows,
 * every capability against every endpoint, isolation, links, suspension, kill switch, IP allowlist,
 * leases, scrub, stamps, and no secret in any log line.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { SignJWT } from 'jose';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '@portcullis/db';
import { CAPABILITIES, type Capability } from '@portcullis/domain';
import { QUEUES, queuePrefix, type VaultStampEvent } from '@portcullis/contracts';
import { http, testServices } from '@portcullis/testing';
import { startControlPlane, type Harness } from './harness.js';

describe('vault', () => {
  let h: Harness;
  let prisma: PrismaClient;
  let redis: Redis;
  /** Everything secret this run produced; none may appear in a log line. */
  const secrets = new Set<string>();
  const keep = <T extends string>(s: T): T => (secrets.add(s), s);

  beforeAll(async () => {
    h = await startControlPlane();
    prisma = createPrismaClient(testServices().databaseUrl);
    redis = new Redis(testServices().redisUrl, { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    await prisma.$disconnect();
    redis.disconnect();
    await h.close();
  });

  /** A link URL, pointed at the harness's port. */
  const local = (url: string): string => `${h.url}${new URL(url).pathname}`;

  const api = (method: string, path: string, token?: string, body?: unknown, headers?: Record<string, string>) =>
    http(method, `${h.url}${path}`, { token, body, headers });

  async function policy(adminKey: string, name: string, rules: { path: string; capabilities: string[] }[]) {
    const res = await api('POST', '/api/v1/admin/policies', adminKey, { name, rules });
    expect(res.status, res.text).toBe(201);
    return res.body as { id: string; name: string };
  }

  async function approle(adminKey: string, body: Record<string, unknown>) {
    const res = await api('POST', '/api/v1/admin/approles', adminKey, body);
    expect(res.status, res.text).toBe(201);
    keep(res.body.secret_id as string);
    return res.body as { approle: { id: string; name: string }; role_id: string; secret_id: string };
  }

  async function login(roleId: string, secretId: string) {
    const res = await api('POST', '/v1/auth/approle/login', undefined, { role_id: roleId, secret_id: secretId });
    if (res.status === 200) keep(res.body.token as string);
    return res;
  }

  async function putSecret(token: string, path: string, value: string, metadata?: Record<string, string>) {
    keep(value);
    const res = await api('PUT', `/v1/secrets/${path}`, token, { value, ...(metadata ? { metadata } : {}) });
    expect(res.status, res.text).toBe(200);
    return res.body as { path: string; version: number };
  }

  /** A tenant with one policy of `rules` and a logged-in AppRole holding it. */
  async function agentWith(rules: { path: string; capabilities: string[] }[], extra: Record<string, unknown> = {}) {
    const t = await h.createTenant();
    await policy(t.adminKey, 'p', rules);
    const a = await approle(t.adminKey, { name: 'bot', policies: ['p'], ...extra });
    const res = await login(a.role_id, a.secret_id);
    expect(res.status, res.text).toBe(200);
    return { t, a, token: res.body.token as string };
  }

  it('quick start: admin sets up, the agent onboards through a link, reads, leases and scrubs', async () => {
    const t = await h.createTenant();
    // 1. the admin writes a secret, a policy and an AppRole
    const openai = keep(`sk-proj-${'Q7'.repeat(24)}`);
    await putSecret(t.adminKey, 'api-keys/openai', openai, { owner: 'platform' });
    await policy(t.adminKey, 'openai-reader', [{ path: 'api-keys/*', capabilities: ['read', 'lease'] }]);
    const created = await approle(t.adminKey, { name: 'support-bot', policies: ['openai-reader'] });
    expect(created.role_id).toBeTruthy();
    expect(created.secret_id).toMatch(/^sid_/);
    const listed = await api('GET', `/api/v1/admin/approles/${created.approle.id}`, t.adminKey);
    expect(listed.text).not.toContain(created.secret_id);

    // 2. ... and hands the agent a one-time onboarding link
    const link = await api('POST', '/api/v1/admin/onboarding-links', t.adminKey, { approleId: created.approle.id });
    expect(link.status, link.text).toBe(201);
    keep(link.body.token as string);
    // The URL is built on PORTCULLIS_PUBLIC_URL (here the default, port 3100); the harness listens elsewhere.
    expect(link.body.url).toBe(`http://127.0.0.1:3100/v1/onboard/${link.body.token}`);
    const url = local(link.body.url as string);

    // 3. the agent reads the page (repeatably) and exchanges the link once
    for (let i = 0; i < 2; i++) {
      const page = await http('GET', url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/markdown/);
      expect(page.text).toContain('approle:support-bot');
      expect(page.text).toContain(`${link.body.url}/exchange`);
      for (const harness of ['Claude Code', 'Codex', 'Cursor', 'Windsurf', 'Generic HTTP']) expect(page.text).toContain(harness);
    }
    const ex = await http('POST', `${url}/exchange`);
    expect(ex.status, ex.text).toBe(200);
    keep(ex.body.secret_id as string);
    keep(ex.body.token as string);
    expect(ex.body).toMatchObject({
      identity: 'approle:support-bot',
      policies: ['openai-reader'],
      expires_in: 86_400,
      base_url: 'http://127.0.0.1:3100',
    });
    expect(ex.body.role_id).not.toBe(created.role_id);
    expect(ex.body.secret_id).not.toBe(created.secret_id);
    expect((await http('POST', `${url}/exchange`)).status).toBe(410);
    expect((await http('GET', url)).status).toBe(410);
    expect((await login(created.role_id, created.secret_id)).status).toBe(401);

    // 4. the agent logs in with its credentials and works
    const session = await login(ex.body.role_id as string, ex.body.secret_id as string);
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ identity: 'approle:support-bot', policies: ['openai-reader'], expires_in: 86_400 });
    const token = session.body.token as string;
    const who = await api('GET', '/v1/auth/whoami', token);
    expect(who.body).toMatchObject({ identity: 'approle:support-bot', policies: ['openai-reader'], source: 'approle' });
    expect(who.body.expires_in).toBeGreaterThan(86_000);
    expect(Date.parse(who.body.expires_at as string)).toBeGreaterThan(Date.now());

    const list = await api('GET', '/v1/secrets?prefix=api-keys/', token);
    expect(list.body).toEqual({
      secrets: [{ path: 'api-keys/openai', version: 1, created_at: expect.any(String), metadata: { owner: 'platform' }, pattern_count: 0 }],
    });
    const value = await api('GET', '/v1/secrets/api-keys/openai/value', token);
    expect(value.body).toEqual({ path: 'api-keys/openai', value: openai, version: 1 });
    expect(value.headers.get('etag')).toBeNull();
    expect(value.headers.get('cache-control')).toBe('no-store');
    const bare = await api('GET', '/v1/secrets/api-keys/openai/value', token, undefined, { accept: 'text/plain' });
    expect(bare.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(bare.text).toBe(openai);

    const lease = await api('POST', '/v1/lease/api-keys/openai', token, { ttl: 60 });
    expect(lease.status, lease.text).toBe(201);
    expect(lease.body.value).toBe(openai);
    expect(lease.body.lease).toMatchObject({ path: 'api-keys/openai' });
    expect(Date.parse(lease.body.lease.expires_at as string) - Date.now()).toBeGreaterThan(55_000);
    expect((await api('GET', '/v1/lease', token)).body.leases).toEqual([lease.body.lease]);
    expect((await api('DELETE', `/v1/lease/${lease.body.lease.id}`, token)).status).toBe(204);
    expect((await api('GET', '/v1/lease', token)).body.leases).toEqual([]);
    expect((await api('DELETE', `/v1/lease/${lease.body.lease.id}`, token)).status).toBe(410);

    const scrubbed = await api('POST', '/v1/scrub', token, { text: `calling with ${openai} now` });
    expect(scrubbed.body).toEqual({
      scrubbed: 'calling with [REDACTED:vault:api-keys/openai] now',
      redactions: [{ type: 'vault', count: 1 }],
    });

    const skill = await api('GET', '/v1/skill', token);
    expect(skill.headers.get('content-type')).toMatch(/^text\/markdown/);
    expect(skill.text).toMatch(/\| You need a credential to call a service \|.*\| read \| yes, on `api-keys\/\*` \|/);
    expect(skill.text).toMatch(/\| You must store or update a credential \|.*\| write \| no \|/);

    const refreshed = await api('POST', '/v1/auth/refresh', token);
    expect(refreshed.status).toBe(200);
    keep(refreshed.body.token as string);
    expect(refreshed.body).toMatchObject({ identity: 'approle:support-bot', expires_in: 86_400 });
  });

  describe('capability × endpoint matrix', () => {
    type Endpoint = 'list' | 'metadata' | 'value' | 'versions' | 'write' | 'delete' | 'lease' | 'scrub' | 'rotate';
    const allowedBy: Record<Endpoint, (c: Capability | null) => boolean> = {
      list: (c) => c !== null,
      metadata: (c) => c !== null,
      value: (c) => c === 'read' || c === 'admin',
      versions: (c) => c === 'read' || c === 'admin',
      write: (c) => c === 'write' || c === 'admin',
      delete: (c) => c === 'delete' || c === 'admin',
      lease: (c) => c === 'lease' || c === 'admin',
      // scrub always answers; "allowed" means the vault value is redacted (read, lease, proxy)
      scrub: (c) => c === 'read' || c === 'lease' || c === 'proxy' || c === 'admin',
      // rotation links need admin on **; `admin` on m/* is not enough
      rotate: () => false,
    };

    for (const cap of [...CAPABILITIES, null]) {
      it(`${cap ?? 'no capability'} on m/*`, async () => {
        const { t, a, token } = await agentWith([{ path: cap ? 'm/*' : 'elsewhere/*', capabilities: [cap ?? 'read'] }]);
        const value = `matrix-value-${cap}-${Date.now()}`;
        await putSecret(t.adminKey, 'm/s', value);
        await putSecret(t.adminKey, 'm/d', `to-delete-${cap}`);
        const status: Record<Endpoint, number> = {} as never;

        const list = await api('GET', '/v1/secrets', token);
        expect(list.status).toBe(200);
        status.list = (list.body.secrets as { path: string }[]).some((s) => s.path === 'm/s') ? 200 : 403;
        const meta = await api('GET', '/v1/secrets/m/s', token);
        status.metadata = meta.status;
        const v = await api('GET', '/v1/secrets/m/s/value', token);
        status.value = v.status;
        status.versions = (await api('GET', '/v1/secrets/m/s/versions', token)).status;
        status.write = (await api('PUT', '/v1/secrets/m/s', token, { value: keep(`new-${value}`) })).status;
        status.delete = (await api('DELETE', '/v1/secrets/m/d', token)).status;
        const lease = await api('POST', '/v1/lease/m/s', token, {});
        status.lease = lease.status;
        const sc = await api('POST', '/v1/scrub', token, { text: `x ${value} y` });
        expect(sc.status).toBe(200);
        status.scrub = (sc.body.scrubbed as string).includes(value) ? 403 : 200;
        status.rotate = (await api('POST', '/v1/rotate', token, { approle_id: a.approle.id })).status;

        const expected = Object.fromEntries(
          (Object.keys(allowedBy) as Endpoint[]).map((e) => {
            const ok = allowedBy[e](cap);
            const okStatus = e === 'delete' ? 204 : e === 'lease' ? 201 : e === 'rotate' ? 201 : 200;
            return [e, ok ? okStatus : 403];
          }),
        );
        expect(status).toEqual(expected);

        // Denials name what is missing, so the agent can ask for exactly that.
        if (v.status === 403) {
          expect(v.body).toMatchObject({ error: 'Forbidden', required_capability: 'read', path: 'm/s', policies: ['p'] });
          expect(v.body.hint).toContain('"read"');
          expect(v.text).not.toContain(value);
        }
        if (meta.status === 200) expect(meta.body).toMatchObject({ path: 'm/s', versions: 1 });
      });
    }

    it('admin on ** may create rotation links; tenant admins always may', async () => {
      const { t, a, token } = await agentWith([{ path: '**', capabilities: ['admin'] }]);
      const r = await api('POST', '/v1/rotate', token, { approle_id: a.approle.id });
      expect(r.status, r.text).toBe(201);
      keep(r.body.token as string);
      const r2 = await api('POST', '/v1/rotate', t.adminKey, { approle_id: a.approle.id });
      expect(r2.status).toBe(201);
      keep(r2.body.token as string);
    });
  });

  it("another tenant's secrets, AppRoles and links are invisible", async () => {
    const a = await h.createTenant();
    const b = await h.createTenant();
    const value = keep('tenant-a-only-value');
    await putSecret(a.adminKey, 'shared/name', value);
    const list = await api('GET', '/v1/secrets', b.adminKey);
    expect(list.body).toEqual({ secrets: [] });
    expect((await api('GET', '/v1/secrets/shared/name', b.adminKey)).status).toBe(404);
    expect((await api('GET', '/v1/secrets/shared/name/value', b.adminKey)).status).toBe(404);
    expect((await api('POST', '/v1/lease/shared/name', b.adminKey)).status).toBe(404);
    const sc = await api('POST', '/v1/scrub', b.adminKey, { text: value });
    expect(sc.body.scrubbed).toBe(value);
    await policy(a.adminKey, 'p', [{ path: '**', capabilities: ['read'] }]);
    const ar = await approle(a.adminKey, { name: 'bot', policies: ['p'] });
    expect((await api('GET', `/api/v1/admin/approles/${ar.approle.id}`, b.adminKey)).status).toBe(404);
    expect((await api('POST', '/api/v1/admin/onboarding-links', b.adminKey, { approleId: ar.approle.id })).status).toBe(404);
    expect((await api('POST', '/v1/rotate', b.adminKey, { approle_id: ar.approle.id })).status).toBe(404);
  });

  it('two concurrent exchanges of one link: exactly one succeeds', async () => {
    const { t, a } = await agentWith([{ path: '**', capabilities: ['read'] }]);
    for (const kind of ['onboard', 'rotate'] as const) {
      const link =
        kind === 'onboard'
          ? await api('POST', '/api/v1/admin/onboarding-links', t.adminKey, { approleId: a.approle.id })
          : await api('POST', '/v1/rotate', t.adminKey, { approle_id: a.approle.id });
      expect(link.status).toBe(201);
      keep(link.body.token as string);
      const results = await Promise.all([1, 2, 3].map(() => http('POST', `${local(link.body.url as string)}/exchange`)));
      for (const r of results) if (r.status === 200) keep(r.body.secret_id as string);
      expect(results.map((r) => r.status).sort()).toEqual([200, 410, 410]);
      const ok = results.find((r) => r.status === 200)!;
      if (kind === 'rotate') {
        expect(Object.keys(ok.body as object).sort()).toEqual(['base_url', 'role_display_name', 'role_id', 'secret_id']);
        expect(ok.body.role_display_name).toBe('bot');
      }
      expect((await login(ok.body.role_id as string, ok.body.secret_id as string)).status).toBe(200);
    }
  });

  it('a rotation link replaces the secret_id; tokens already issued live on', async () => {
    const { t, a, token } = await agentWith([{ path: '**', capabilities: ['list'] }]);
    const link = await api('POST', '/v1/rotate', t.adminKey, { approle_id: a.approle.id, ttl_seconds: 600 });
    keep(link.body.token as string);
    const page = await http('GET', local(link.body.url as string));
    expect(page.status).toBe(200);
    expect(page.text).toContain('# Portcullis vault credential rotation: approle:bot');
    const ex = await http('POST', `${local(link.body.url as string)}/exchange`);
    keep(ex.body.secret_id as string);
    expect(ex.body).toEqual({
      role_id: a.role_id,
      secret_id: expect.stringMatching(/^sid_/),
      base_url: 'http://127.0.0.1:3100',
      role_display_name: 'bot',
    });
    expect((await login(a.role_id, a.secret_id)).status).toBe(401);
    expect((await login(a.role_id, ex.body.secret_id as string)).status).toBe(200);
    expect((await api('GET', '/v1/auth/whoami', token)).status).toBe(200);
    expect((await http('GET', local(link.body.url as string))).status).toBe(410);
    expect((await http('GET', `${h.url}/v1/rotate/olt_nosuchtoken`)).status).toBe(404);
  });

  it('suspension: refresh and every call → 401 at once; unsuspend restores login', async () => {
    const { t, a, token } = await agentWith([{ path: '**', capabilities: ['read'] }]);
    await putSecret(t.adminKey, 'x', keep('suspension-value'));
    expect((await api('POST', `/api/v1/admin/approles/${a.approle.id}/suspend`, t.adminKey)).body.suspended).toBe(true);
    const refresh = await api('POST', '/v1/auth/refresh', token);
    expect(refresh.status).toBe(401);
    expect(refresh.body.error).toContain('suspended');
    expect((await api('GET', '/v1/secrets/x/value', token)).status).toBe(401);
    expect((await login(a.role_id, a.secret_id)).status).toBe(401);
    await api('POST', `/api/v1/admin/approles/${a.approle.id}/unsuspend`, t.adminKey);
    expect((await login(a.role_id, a.secret_id)).status).toBe(200);
    await api('DELETE', `/api/v1/admin/approles/${a.approle.id}`, t.adminKey);
    expect((await api('POST', '/v1/auth/refresh', token)).status).toBe(401);
  });

  it('kill switch: disabling the bound agent stops login, refresh, leases and secrets; actions are stamped without values', async () => {
    const t = await h.createTenant();
    const agent = await api('POST', '/api/v1/admin/agents', t.adminKey, {
      name: 'bound',
      upstreamUrl: 'http://127.0.0.1:9',
      requiredCredentials: [],
    });
    keep(agent.body.runtimeToken as string);
    const agentId = agent.body.agent.id as string;
    await policy(t.adminKey, 'p', [{ path: '**', capabilities: ['read', 'lease'] }]);
    const a = await approle(t.adminKey, { name: 'bound-bot', policies: ['p'], agentId });
    const token = (await login(a.role_id, a.secret_id)).body.token as string;
    const value = keep('bound-agent-value-123');
    await putSecret(t.adminKey, 'k/v', value);
    expect((await api('GET', '/v1/secrets/k/v/value', token)).status).toBe(200);
    expect((await api('GET', '/v1/secrets/k/v/versions', token)).status).toBe(200);
    expect((await api('DELETE', '/v1/secrets/k/v', token)).status).toBe(403);

    const queue = new Queue<VaultStampEvent>(QUEUES.stamps, { connection: redis, prefix: queuePrefix(testServices().redisPrefix) });
    try {
      const jobs = await queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
      const mine = jobs.map((j) => j.data).filter((e) => e.agentId === agentId);
      expect(mine.map((e) => [e.action, e.path])).toEqual(
        expect.arrayContaining([
          ['auth.login', null],
          ['secret.read', 'k/v'],
          ['secret.versions', 'k/v'],
          ['secret.delete.denied', 'k/v'],
        ]),
      );
      for (const e of mine) expect(e).toMatchObject({ type: 'vault', tenantId: t.tenantId, approleId: a.approle.id });
      expect(JSON.stringify(jobs.map((j) => j.data))).not.toContain(value);
    } finally {
      await queue.close();
    }

    expect((await api('POST', `/api/v1/admin/agents/${agentId}/disable`, t.adminKey)).status).toBe(200);
    for (const [method, path] of [
      ['GET', '/v1/secrets/k/v/value'],
      ['POST', '/v1/lease/k/v'],
      ['GET', '/v1/lease'],
      ['POST', '/v1/auth/refresh'],
      ['GET', '/v1/secrets'],
    ] as const) {
      const r = await api(method, path, token);
      expect(r.status, `${method} ${path}`).toBe(401);
      expect(r.body.error).toContain('disabled');
    }
    expect((await login(a.role_id, a.secret_id)).status).toBe(401);
    await api('POST', `/api/v1/admin/agents/${agentId}/enable`, t.adminKey);
    expect((await login(a.role_id, a.secret_id)).status).toBe(200);
    // Deleting the agent never frees its AppRoles: a missing agent counts as a disabled one.
    expect((await api('DELETE', `/api/v1/admin/agents/${agentId}`, t.adminKey)).status).toBe(204);
    const gone = await login(a.role_id, a.secret_id);
    expect(gone.status).toBe(401);
    expect(gone.body.error).toContain('deleted');
  });

  it('IP allowlist: outside → 401, inside → 200', async () => {
    const t = await h.createTenant();
    await policy(t.adminKey, 'p', [{ path: '**', capabilities: ['list'] }]);
    const outside = await approle(t.adminKey, { name: 'outside', policies: ['p'], ipAllowlist: ['10.0.0.0/8', '2001:db8::/32'] });
    const denied = await login(outside.role_id, outside.secret_id);
    expect(denied.status).toBe(401);
    expect(denied.body.error).toContain('IP allowlist');
    const inside = await approle(t.adminKey, { name: 'inside', policies: ['p'], ipAllowlist: ['10.0.0.0/8', '127.0.0.1'] });
    expect((await login(inside.role_id, inside.secret_id)).status).toBe(200);
    const bad = await api('POST', '/api/v1/admin/approles', t.adminKey, { name: 'bad', policies: ['p'], ipAllowlist: ['300.1.1.1/8'] });
    expect(bad.status).toBe(400);
  });

  it('lease TTL bounds, and a lease past its TTL no longer counts as active', async () => {
    const { t, token } = await agentWith([{ path: '**', capabilities: ['lease'] }]);
    await putSecret(t.adminKey, 'l/s', keep('lease-value-xyz'));
    for (const ttl of [9, 86_401, 0, -5, 10.5, '300', null]) {
      const r = await api('POST', '/v1/lease/l/s', token, { ttl });
      expect(r.status, `ttl ${String(ttl)}`).toBe(400);
      expect(r.body.error).toContain('ttl');
    }
    expect((await api('POST', '/v1/lease/l/s', token, { ttl: 10, extra: 1 })).status).toBe(400);
    const min = await api('POST', '/v1/lease/l/s', token, { ttl: 10 });
    const max = await api('POST', '/v1/lease/l/s', token, { ttl: 86_400 });
    const dflt = await api('POST', '/v1/lease/l/s', token);
    expect([min.status, max.status, dflt.status]).toEqual([201, 201, 201]);
    const secondsLeft = (r: typeof min) => (Date.parse(r.body.lease.expires_at as string) - Date.now()) / 1000;
    expect(secondsLeft(dflt)).toBeGreaterThan(290);
    expect(secondsLeft(dflt)).toBeLessThanOrEqual(300);
    expect(secondsLeft(max)).toBeGreaterThan(86_390);
    expect((await api('POST', '/v1/lease/l/nope', token)).status).toBe(404);

    // Time passes for the short lease (no worker runs in this test: time alone must end it).
    await prisma.vaultLease.update({ where: { id: min.body.lease.id as string }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const active = (await api('GET', '/v1/lease', token)).body.leases as { id: string }[];
    expect(active.map((l) => l.id).sort()).toEqual([max.body.lease.id, dflt.body.lease.id].sort());
    expect((await api('DELETE', `/v1/lease/${min.body.lease.id}`, token)).status).toBe(410);

    // The expiry job is queued, delayed to the lease's end.
    const queue = new Queue(QUEUES.leases, { connection: redis, prefix: queuePrefix(testServices().redisPrefix) });
    try {
      const job = await queue.getJob(`lease-${max.body.lease.id}`);
      expect(job?.data).toEqual({ leaseId: max.body.lease.id, tenantId: t.tenantId });
      expect(job?.opts.delay).toBeGreaterThan(86_000_000);
    } finally {
      await queue.close();
    }
  });

  it('scrub catches a vault value embedded in text and each key shape', async () => {
    const { t, token } = await agentWith([{ path: 'db/*', capabilities: ['read'] }]);
    const pw = keep('correct-horse-battery-staple');
    await putSecret(t.adminKey, 'db/password', pw);
    await putSecret(t.adminKey, 'other/secret', keep('not-yours-to-scrub'));
    const shapes = {
      openai: `sk-proj-${'a1B2'.repeat(12)}`,
      anthropic: `sk-ant-api03-${'Zz9_'.repeat(20)}`,
      aws_access_key: 'AKIAIOSFODNN7EXAMPLE',
      github: `ghp_${'x9Y8'.repeat(9)}`,
      slack: 'xoxb-123456789012-1234567890123-abcdefABCDEF1234',
      jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2VudCJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ',
      private_key: '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oJ\n-----END EC PRIVATE KEY-----',
    };
    const text = `conn=postgres://app:${pw}@db/app other=not-yours-to-scrub\n${Object.values(shapes).join('\n')}`;
    const r = await api('POST', '/v1/scrub', token, { text });
    expect(r.status).toBe(200);
    const scrubbed = r.body.scrubbed as string;
    expect(scrubbed).toContain('postgres://app:[REDACTED:vault:db/password]@db/app');
    expect(scrubbed).toContain('other=not-yours-to-scrub');
    for (const v of Object.values(shapes)) expect(scrubbed).not.toContain(v);
    expect(scrubbed).toContain('sk-proj-[REDACTED:openai]');
    expect(scrubbed).toContain('AKIA[REDACTED:aws_access_key]');
    const types = Object.fromEntries((r.body.redactions as { type: string; count: number }[]).map((x) => [x.type, x.count]));
    expect(types).toEqual({ vault: 1, openai: 1, anthropic: 1, aws_access_key: 1, github: 1, slack: 1, jwt: 1, private_key: 1 });
    expect((await api('POST', '/v1/scrub', token, { text: 5 })).status).toBe(400);
  });

  it('versions are kept, values are sealed at rest, bad paths are 400', async () => {
    const t = await h.createTenant();
    const v1 = keep('first-version-value');
    const v2 = keep('second-version-value');
    await putSecret(t.adminKey, 'svc/token', v1);
    expect((await putSecret(t.adminKey, 'svc/token', v2)).version).toBe(2);
    expect((await api('GET', '/v1/secrets/svc/token/value?version=1', t.adminKey)).body.value).toBe(v1);
    expect((await api('GET', '/v1/secrets/svc/token/value', t.adminKey)).body).toMatchObject({ value: v2, version: 2 });
    const versions = await api('GET', '/v1/secrets/svc/token/versions', t.adminKey);
    expect((versions.body.versions as { version: number }[]).map((v) => v.version)).toEqual([2, 1]);
    const rows = await prisma.vaultSecretVersion.findMany({ where: { secret: { tenantId: t.tenantId } } });
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.sealedValue).not.toContain('version-value');

    for (const bad of ['..%2Fetc', '%2Fabs', 'a/..%2Fb', 'a%20b', `${'x'.repeat(300)}`, 'a/b%3Bc']) {
      const r = await api('PUT', `/v1/secrets/${bad}`, t.adminKey, { value: 'v' });
      expect(r.status, bad).toBe(400);
    }
    expect((await api('GET', '/v1/secrets?prefix=/etc', t.adminKey)).status).toBe(400);
    expect((await api('PUT', '/v1/secrets/ok', t.adminKey, { value: '' })).status).toBe(400);
    expect((await api('PUT', '/v1/secrets/ok', t.adminKey, { value: 'v', metadata: { k: 1 } })).status).toBe(400);
    expect((await api('DELETE', '/v1/secrets/svc/token', t.adminKey)).status).toBe(204);
    expect((await api('GET', '/v1/secrets/svc/token', t.adminKey)).status).toBe(404);
    expect(await prisma.vaultSecretVersion.count({ where: { secret: { tenantId: t.tenantId } } })).toBe(0);
  });

  it('auth errors say what to do next; root is refused on tenant routes but answers whoami', async () => {
    expect((await api('GET', '/v1/secrets')).body.error).toContain('/v1/auth/approle/login');
    const bad = await login('no-such-role', 'sid_nope');
    expect(bad.status).toBe(401);
    const root = await api('GET', '/v1/auth/whoami', h.rootToken);
    expect(root.body).toEqual({ identity: 'root', policies: [], source: 'root' });
    const refused = await api('GET', '/v1/secrets', h.rootToken);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toContain('admin API key');
    const t = await h.createTenant();
    const who = await api('GET', '/v1/auth/whoami', t.adminKey);
    expect(who.body).toMatchObject({ source: 'user', policies: ['tenant-admin'] });
    expect(who.body.expires_at).toBeUndefined();
    expect((await api('GET', '/v1/auth/whoami', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad')).status).toBe(401);
    const unknownPolicy = await api('POST', '/api/v1/admin/approles', t.adminKey, { name: 'x', policies: ['ghost'] });
    expect(unknownPolicy.status).toBe(400);
    expect(unknownPolicy.body.error).toContain('ghost');
    expect(
      (await api('POST', '/api/v1/admin/policies', t.adminKey, { name: 'bad', rules: [{ path: 'a', capabilities: ['fly'] }] })).status,
    ).toBe(400);
    expect(
      (await api('POST', '/api/v1/admin/policies', t.adminKey, { name: 'bad', rules: [{ path: '../a', capabilities: ['read'] }] })).status,
    ).toBe(400);
  });

  it('admin user JWTs act on /v1 with every capability; other roles and crossed audiences are refused; expiry → 401', async () => {
    const t = await h.createTenant();
    const password = keep('a-long-user-password-1');
    for (const role of ['admin', 'member'] as const) {
      const u = await api('POST', '/api/v1/admin/users', t.adminKey, { email: `${role}@example.com`, password, role });
      expect(u.status, u.text).toBe(201);
    }
    const jwtOf = async (role: string) => {
      const r = await api('POST', '/api/v1/auth/login', undefined, { tenant: t.slug, email: `${role}@example.com`, password });
      expect(r.status, r.text).toBe(200);
      return keep(r.body.accessToken as string);
    };
    const adminJwt = await jwtOf('admin');
    expect((await api('GET', '/v1/auth/whoami', adminJwt)).body).toMatchObject({
      identity: 'user:admin@example.com',
      source: 'user',
      policies: ['tenant-admin'],
    });
    await putSecret(adminJwt, 'from/user', keep('written-by-an-admin-user'));
    const member = await api('GET', '/v1/secrets', await jwtOf('member'));
    expect(member.status).toBe(403);

    const { token } = await agentWith([{ path: '**', capabilities: ['admin'] }]);
    expect((await api('GET', '/api/v1/admin/agents', token)).status).toBe(401);

    const expired = await new SignJWT({ tid: t.tenantId, typ: 'approle' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(randomUUID())
      .setAudience('portcullis:vault')
      .setIssuer('portcullis')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 120)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(h.env.PORTCULLIS_JWT_SECRET));
    const r = await api('POST', '/v1/auth/refresh', expired);
    expect(r.status).toBe(401);
    expect(r.body.error).toContain('token expired: log in again with POST /v1/auth/approle/login');
  });

  it('no secret value, secret_id, token or link token in any log line', () => {
    expect(h.logs.length).toBeGreaterThan(50);
    for (const s of secrets) {
      const line = h.logs.find((l) => l.includes(s));
      expect(line, `a log line holds a secret`).toBeUndefined();
    }
  });
});
