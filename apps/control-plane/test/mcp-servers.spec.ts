import pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys, type AdminStampEvent, type Invalidation, type McpServerSnapshot } from '@portcullis/contracts';
import { http, testServices } from '@portcullis/testing';
import { startControlPlane, type Harness } from './harness.js';

describe('MCP servers admin API', () => {
  let h: Harness;
  let strict: Harness;
  let redis: Redis;
  let db: pg.Client;
  const keys = redisKeys(testServices().redisPrefix);
  beforeAll(async () => {
    h = await startControlPlane({ PORTCULLIS_MCP_ALLOW_PRIVATE: 'true' });
    strict = await startControlPlane();
    redis = new Redis(testServices().redisUrl);
    db = new pg.Client({ connectionString: testServices().databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    redis?.disconnect();
    await db?.end();
    await strict?.close();
    await h?.close();
  });

  const api = (path = '') => `${h.url}/api/v1/admin/mcp-servers${path}`;
  const agent = async (key: string, name: string): Promise<string> => {
    const res = await http('POST', `${h.url}/api/v1/admin/agents`, {
      token: key,
      body: { name, upstreamUrl: 'http://127.0.0.1:9', requiredCredentials: [] },
    });
    expect(res.status).toBe(201);
    return res.body.agent.id as string;
  };
  const count = async (tenantId: string): Promise<number> =>
    Number((await db.query('SELECT count(*)::int AS n FROM mcp_servers WHERE tenant_id = $1', [tenantId])).rows[0].n);
  /** The admin stamps waiting in the outbox for one agent (no worker runs here to relay them). */
  const outbox = async (agentId: string): Promise<AdminStampEvent[]> =>
    (await db.query<{ event: string }>('SELECT event FROM audit_outbox')).rows
      .map((r) => JSON.parse(r.event) as AdminStampEvent)
      .sort((x, y) => x.at.localeCompare(y.at))
      .filter((e) => e.agentId === agentId && e.action.startsWith('mcp_server_'));

  it('registers a server, publishes its snapshot, and lists, reads, updates and deletes it', async () => {
    const t = await h.createTenant();
    const a1 = await agent(t.adminKey, 'runtime-one');
    const a2 = await agent(t.adminKey, 'runtime-two');
    const sub = new Redis(testServices().redisUrl);
    const seen: Invalidation[] = [];
    await sub.subscribe(keys.invalidationChannel);
    sub.on('message', (_c, m: string) => seen.push(JSON.parse(m) as Invalidation));
    try {
      const created = await http('POST', api(), {
        token: t.adminKey,
        body: {
          name: 'github-tools',
          url: 'http://127.0.0.1:8931/mcp',
          requiredCredentials: [{ serviceType: 'github' }],
          agentIds: [a1],
          allowedTools: ['search_issues', 'get_issue'],
        },
      });
      expect(created.status).toBe(201);
      const id: string = created.body.id;
      expect(created.body).toMatchObject({
        tenantId: t.tenantId,
        name: 'github-tools',
        url: 'http://127.0.0.1:8931/mcp',
        requiredCredentials: [{ serviceType: 'github' }],
        allAgents: false,
        agentIds: [a1],
        allowedTools: ['search_issues', 'get_issue'],
        gatewayPath: `/mcp/servers/${id}`,
        version: 1,
      });
      const snap = JSON.parse((await redis.get(keys.mcpServer(id)))!) as McpServerSnapshot;
      expect(snap).toMatchObject({
        id,
        tenantId: t.tenantId,
        allAgents: false,
        agentIds: [a1],
        allowedTools: ['search_issues', 'get_issue'],
        version: 1,
      });
      expect(await outbox(a1)).toMatchObject([{ action: 'mcp_server_granted', mcpServerId: id, tenantId: t.tenantId }]);
      expect(await outbox(a2)).toEqual([]);

      const list = await http('GET', api(), { token: t.adminKey });
      expect(list.status).toBe(200);
      expect(list.body.items.map((s: { id: string }) => s.id)).toEqual([id]);
      expect((await http('GET', api(`?agentId=${a2}`), { token: t.adminKey })).body.items).toEqual([]);
      expect((await http('GET', api(`?agentId=${a1}`), { token: t.adminKey })).body.items).toHaveLength(1);
      expect((await http('GET', api(`/${id}`), { token: t.adminKey })).body).toMatchObject({ id, name: 'github-tools' });

      // Access moves from a1 to a2, the allow-list is lifted: each agent's chain hears about its side.
      const moved = await http('PATCH', api(`/${id}`), { token: t.adminKey, body: { agentIds: [a2], allowedTools: null } });
      expect(moved.status).toBe(200);
      expect(moved.body).toMatchObject({ agentIds: [a2], allowedTools: null, version: 2 });
      const snap2 = JSON.parse((await redis.get(keys.mcpServer(id)))!) as McpServerSnapshot;
      expect(snap2).toMatchObject({ agentIds: [a2], allowedTools: null, version: 2 });
      expect((await outbox(a1)).map((e) => e.action)).toEqual(['mcp_server_granted', 'mcp_server_revoked']);
      expect((await outbox(a2)).map((e) => e.action)).toEqual(['mcp_server_granted']);

      const all = await http('PATCH', api(`/${id}`), { token: t.adminKey, body: { allAgents: true, url: 'http://127.0.0.1:8932/mcp' } });
      expect(all.body).toMatchObject({ allAgents: true, version: 3 });
      expect((await outbox(a1)).at(-1)).toMatchObject({ action: 'mcp_server_granted' });
      expect((await outbox(a2)).at(-1)).toMatchObject({ action: 'mcp_server_changed', changes: ['allAgents', 'url'] });

      expect((await http('DELETE', api(`/${id}`), { token: t.adminKey })).status).toBe(204);
      expect(await redis.get(keys.mcpServer(id))).toBeNull();
      expect((await http('GET', api(`/${id}`), { token: t.adminKey })).status).toBe(404);
      expect((await outbox(a1)).at(-1)).toMatchObject({ action: 'mcp_server_revoked', mcpServerId: id });
      await expect
        .poll(() => seen.filter((m) => m.kind === 'mcp-server' && m.serverId === id).map((m) => m.kind === 'mcp-server' && m.status))
        .toEqual(['active', 'active', 'active', 'deleted']);
    } finally {
      sub.disconnect();
    }
  });

  it('refuses bad input with 400 {error, request_id} and changes nothing', async () => {
    const t = await h.createTenant();
    const other = await h.createTenant();
    const foreignAgent = await agent(other.adminKey, 'foreign');
    const good = { name: 'ok', url: 'http://127.0.0.1:8931/mcp' };
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ ...good, url: 'ftp://example.com/mcp' }, /url/],
      [{ ...good, url: 'http://user:pw@127.0.0.1/mcp' }, /credentials/],
      [{ ...good, name: '' }, /name/],
      [{ ...good, agentIds: ['not-a-uuid'] }, /agentIds/],
      [{ ...good, agentIds: [foreignAgent] }, /do not exist/],
      [{ ...good, allowedTools: ['ok', 'has space'] }, /allowedTools/],
      [{ ...good, allowedTools: ['a', 'a'] }, /twice/],
      [{ ...good, requiredCredentials: [{ serviceType: 'Bad Type' }] }, /serviceType/],
      [{ ...good, requiredCredentials: [{ serviceType: 'x' }, { serviceType: 'x' }] }, /twice/],
      [{ ...good, allAgents: 'yes' }, /allAgents/],
      [{ ...good, surprise: 1 }, /surprise/],
    ];
    for (const [body, message] of bad) {
      const res = await http('POST', api(), { token: t.adminKey, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toEqual({ error: expect.stringMatching(message), request_id: expect.any(String) });
    }
    expect(await count(t.tenantId)).toBe(0);
    expect((await http('POST', api(), { token: t.adminKey, body: good })).status).toBe(201);
    const dup = await http('POST', api(), { token: t.adminKey, body: good });
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({ error: expect.any(String), request_id: expect.any(String) });
    expect((await http('GET', api('?limit=0'), { token: t.adminKey })).status).toBe(400);
    expect((await http('GET', api('?agentId=nope'), { token: t.adminKey })).status).toBe(400);
    expect((await http('GET', api('/not-an-id'), { token: t.adminKey })).status).toBe(404);
    expect(await count(t.tenantId)).toBe(1);
  });

  it('keeps tenants apart and needs the admin role to write', async () => {
    const t = await h.createTenant();
    const other = await h.createTenant();
    const created = await http('POST', api(), { token: t.adminKey, body: { name: 'mine', url: 'http://127.0.0.1:8931/mcp' } });
    const id: string = created.body.id;
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { name: 'stolen' }],
      ['DELETE', undefined],
    ] as const) {
      const res = await http(method, api(`/${id}`), { token: other.adminKey, body });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: expect.any(String), request_id: expect.any(String) });
    }
    expect((await http('GET', api(), { token: other.adminKey })).body.items).toEqual([]);
    expect((await http('GET', api(`/${id}`), { token: t.adminKey })).body.name).toBe('mine');
    expect((await http('GET', api())).status).toBe(401);

    const member = await http('POST', `${h.url}/api/v1/admin/api-keys`, { token: t.adminKey, body: { name: 'reader', role: 'member' } });
    expect(member.status).toBe(201);
    const memberKey: string = member.body.key;
    expect((await http('GET', api(`/${id}`), { token: memberKey })).status).toBe(200);
    expect((await http('POST', api(), { token: memberKey, body: { name: 'm', url: 'http://127.0.0.1:1/mcp' } })).status).toBe(403);
    expect((await http('DELETE', api(`/${id}`), { token: memberKey })).status).toBe(403);
  });

  it('refuses internal addresses unless PORTCULLIS_MCP_ALLOW_PRIVATE is set', async () => {
    const t = await strict.createTenant();
    for (const url of [
      'http://127.0.0.1:8931/mcp',
      'http://169.254.169.254/latest',
      'http://[::1]:80/',
      'http://localhost:1/mcp',
      'http://10.1.2.3/',
    ]) {
      const res = await http('POST', `${strict.url}/api/v1/admin/mcp-servers`, { token: t.adminKey, body: { name: 'internal', url } });
      expect(res.status, url).toBe(400);
      expect(res.body.error).toMatch(/PORTCULLIS_MCP_ALLOW_PRIVATE/);
    }
    expect(await count(t.tenantId)).toBe(0);
    // A public literal address passes (nothing is contacted at registration).
    const pub = await http('POST', `${strict.url}/api/v1/admin/mcp-servers`, {
      token: t.adminKey,
      body: { name: 'public', url: 'https://1.1.1.1/mcp' },
    });
    expect(pub.status).toBe(201);
  });

  it('never replaces a newer snapshot with an older one (version compare-and-set)', async () => {
    const t = await h.createTenant();
    const created = await http('POST', api(), { token: t.adminKey, body: { name: 'cas', url: 'http://127.0.0.1:8931/mcp' } });
    const id: string = created.body.id;
    const newer = { ...JSON.parse((await redis.get(keys.mcpServer(id)))!), version: 99, name: 'written-by-a-later-change' };
    await redis.set(keys.mcpServer(id), JSON.stringify(newer));
    const patched = await http('PATCH', api(`/${id}`), { token: t.adminKey, body: { description: 'older change' } });
    expect(patched.body.version).toBe(2);
    expect(JSON.parse((await redis.get(keys.mcpServer(id)))!)).toMatchObject({ version: 99, name: 'written-by-a-later-change' });
  });

  it('republishes a missing snapshot on request and in a full republish', async () => {
    const t = await h.createTenant();
    const created = await http('POST', api(), {
      token: t.adminKey,
      body: { name: 'healed', url: 'http://127.0.0.1:8931/mcp', allAgents: true },
    });
    const id: string = created.body.id;
    await redis.del(keys.mcpServer(id));
    const one = await http('POST', `${h.url}/internal/v1/republish`, {
      token: h.env.PORTCULLIS_INTERNAL_TOKEN,
      body: { kind: 'mcp-server', id },
    });
    expect(one.status).toBe(200);
    expect(JSON.parse((await redis.get(keys.mcpServer(id)))!)).toMatchObject({ id, allAgents: true });
    await redis.del(keys.mcpServer(id));
    const all = await http('POST', `${h.url}/internal/v1/republish`, { token: h.env.PORTCULLIS_INTERNAL_TOKEN, body: { kind: 'all' } });
    expect(all.body.republished.mcpServers).toBeGreaterThanOrEqual(1);
    expect(JSON.parse((await redis.get(keys.mcpServer(id)))!)).toMatchObject({ id, version: 1 });
    const missing = await http('POST', `${h.url}/internal/v1/republish`, {
      token: h.env.PORTCULLIS_INTERNAL_TOKEN,
      body: { kind: 'mcp-server', id: '00000000-0000-4000-8000-000000000000' },
    });
    expect(missing.status).toBe(404);
  });
});
