/**
 * The vault's MCP tools (`/v1/mcp`) against the real control plane, Postgres and Redis, driven by the
 * MCP SDK's own client over real HTTP: initialize, tools/list filtered by policy, each of the nine
 * tools with the REST API's answers, a denied call, HTTP-level 401s, suspension and the kill switch
 * acting on the next message, stamps naming the tool, and no secret in any log line.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '@portcullis/db';
import { QUEUES, queuePrefix, type ProxyPatternEvent, type VaultStampEvent } from '@portcullis/contracts';
import { http as call, testServices } from '@portcullis/testing';
// The worker's processor on a real BullMQ worker, so a proxy call made through MCP becomes a learned pattern.
import { createPatternsProcessor, type PatternOutcome } from '../../worker/src/queues/patterns/patterns.processor.js';
import { startControlPlane, type Harness } from './harness.js';

const ALL_TOOLS = [
  'gatehouse_status',
  'gatehouse_list',
  'gatehouse_get',
  'gatehouse_put',
  'gatehouse_lease',
  'gatehouse_revoke',
  'gatehouse_scrub',
  'gatehouse_proxy',
  'gatehouse_patterns',
];

type Rules = { path: string; capabilities: string[] }[];

describe('vault MCP tools (/v1/mcp)', () => {
  let h: Harness;
  let upstream: http.Server;
  let port: number;
  let prisma: PrismaClient;
  let redis: Redis;
  let blocking: Redis;
  let stamps: Queue<VaultStampEvent>;
  let worker: Worker<ProxyPatternEvent, PatternOutcome>;
  const processed: PatternOutcome[] = [];
  const clients: Client[] = [];
  const seenAuth: string[] = [];
  /** Everything secret this run produced; none may appear in a log line. */
  const secrets = new Set<string>();
  const keep = (s: string): string => (secrets.add(s), s);

  beforeAll(async () => {
    // An upstream on loopback that reflects the Authorization header it got (secrets say allow_private).
    upstream = http.createServer((req, res) => {
      seenAuth.push(String(req.headers.authorization ?? ''));
      const body = JSON.stringify({ id: 7, login: 'octo', auth: req.headers.authorization ?? null });
      res.writeHead(req.url?.startsWith('/missing') ? 404 : 200, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    port = (upstream.address() as AddressInfo).port;
    h = await startControlPlane();
    const s = testServices();
    prisma = createPrismaClient(s.databaseUrl);
    redis = new Redis(s.redisUrl, { maxRetriesPerRequest: null });
    const prefix = queuePrefix(s.redisPrefix);
    stamps = new Queue<VaultStampEvent>(QUEUES.stamps, { connection: redis, prefix });
    worker = new Worker<ProxyPatternEvent, PatternOutcome>(QUEUES.patterns, createPatternsProcessor({ prisma }), {
      connection: (blocking = redis.duplicate()),
      prefix,
    });
    worker.on('completed', (_job, outcome) => processed.push(outcome));
    await worker.waitUntilReady();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await worker.close();
    await stamps.close();
    redis.disconnect();
    blocking.disconnect();
    await prisma.$disconnect();
    await h.close();
    upstream.close();
  });

  const api = (method: string, path: string, token?: string, body?: unknown) => call(method, `${h.url}${path}`, { token, body });

  /** The MCP SDK client, connected (initialize + initialized) with the bearer token, as an agent would be. */
  async function connect(token: string): Promise<Client> {
    const client = new Client({ name: 'vault-mcp-spec', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${h.url}/v1/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    });
    await client.connect(transport);
    clients.push(client);
    return client;
  }

  async function tool(client: Client, name: string, args: Record<string, unknown> = {}) {
    const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
    const text = r.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
    return { isError: r.isError === true, body: JSON.parse(text) as Record<string, any>, text, structured: r.structuredContent };
  }

  const listed = async (client: Client): Promise<string[]> => (await client.listTools()).tools.map((t) => t.name).sort();

  /** A tenant with secrets, one policy and a logged-in AppRole (bound to a fresh agent when `bound`). */
  async function tenantWith(rules: Rules, secretsToPut: Record<string, string>, bound = false) {
    const t = await h.createTenant();
    for (const [path, value] of Object.entries(secretsToPut)) {
      const res = await api('PUT', `/v1/secrets/${path}`, t.adminKey, { value: keep(value), metadata: { allow_private: 'true' } });
      expect(res.status, res.text).toBe(200);
    }
    let agentId: string | null = null;
    if (bound) {
      const agent = await api('POST', '/api/v1/admin/agents', t.adminKey, {
        name: 'mcp-bot',
        upstreamUrl: 'http://127.0.0.1:9',
        requiredCredentials: [],
      });
      expect(agent.status, agent.text).toBe(201);
      agentId = agent.body.agent.id as string;
      keep(agent.body.runtimeToken as string);
    }
    const policy = await api('POST', '/api/v1/admin/policies', t.adminKey, { name: 'p', rules });
    expect(policy.status, policy.text).toBe(201);
    const a = await api('POST', '/api/v1/admin/approles', t.adminKey, { name: 'bot', policies: ['p'], ...(agentId ? { agentId } : {}) });
    expect(a.status, a.text).toBe(201);
    keep(a.body.secret_id as string);
    const login = await api('POST', '/v1/auth/approle/login', undefined, { role_id: a.body.role_id, secret_id: a.body.secret_id });
    expect(login.status, login.text).toBe(200);
    return {
      t,
      agentId,
      approleId: a.body.approle.id as string,
      policyId: policy.body.id as string,
      token: keep(login.body.token as string),
    };
  }

  async function stampsOf(agentId: string): Promise<VaultStampEvent[]> {
    const jobs = await stamps.getJobs(['waiting', 'delayed', 'paused', 'prioritized', 'active', 'completed', 'failed']);
    return jobs.map((j) => j.data).filter((e) => e.agentId === agentId);
  }

  it('initialize and tools/list: a tenant admin sees all nine tools, each field described; stateless (no session, GET/DELETE 405)', async () => {
    const t = await h.createTenant();
    const client = await connect(t.adminKey);
    expect(client.getServerVersion()).toMatchObject({ name: 'portcullis-vault', version: '0.0.0-test' });
    expect(client.getServerCapabilities()?.tools).toBeDefined();
    expect(client.getInstructions()).toContain('gatehouse_status');
    const { tools } = await client.listTools();
    expect(tools.map((x) => x.name).sort()).toEqual([...ALL_TOOLS].sort());
    for (const x of tools) {
      expect(x.description, x.name).toBeTruthy();
      expect(x.inputSchema.type).toBe('object');
      for (const [field, schema] of Object.entries(x.inputSchema.properties ?? {}))
        expect((schema as { description?: string }).description, `${x.name}.${field}`).toBeTruthy();
    }
    expect(tools.find((x) => x.name === 'gatehouse_get')?.inputSchema.required).toEqual(['path']);

    // The raw HTTP exchange: one JSON answer, no Mcp-Session-Id; no SSE stream to GET, no session to DELETE.
    const init = await call('POST', `${h.url}/v1/mcp`, {
      token: t.adminKey,
      headers: { accept: 'application/json, text/event-stream' },
      body: {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'curl', version: '1' } },
      },
    });
    expect(init.status, init.text).toBe(200);
    expect(init.headers.get('content-type')).toMatch(/^application\/json/);
    expect(init.headers.get('mcp-session-id')).toBeNull();
    expect(init.body.result.serverInfo.name).toBe('portcullis-vault');
    // The README's curl recipe: one tools/call, no initialize before it.
    const once = await call('POST', `${h.url}/v1/mcp`, {
      token: t.adminKey,
      headers: { accept: 'application/json, text/event-stream' },
      body: { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'gatehouse_status', arguments: {} } },
    });
    expect(once.status, once.text).toBe(200);
    expect(JSON.parse(once.body.result.content[0].text as string)).toMatchObject({ source: 'user', policies: ['tenant-admin'] });
    // The skill and the onboarding page point agents at the endpoint (links use PORTCULLIS_PUBLIC_URL).
    expect((await call('GET', `${h.url}/v1/skill`)).text).toContain('MCP tools (`gatehouse_*`) at http://127.0.0.1:3100/v1/mcp');
    await api('POST', '/api/v1/admin/policies', t.adminKey, { name: 'r', rules: [{ path: '**', capabilities: ['read'] }] });
    const role = await api('POST', '/api/v1/admin/approles', t.adminKey, { name: 'onboarded', policies: ['r'] });
    keep(role.body.secret_id as string);
    const link = await api('POST', '/api/v1/admin/onboarding-links', t.adminKey, { approleId: role.body.approle.id });
    keep(link.body.token as string);
    const page = await call('GET', `${h.url}/v1/onboard/${link.body.token as string}`);
    expect(page.text).toContain(
      'claude mcp add --transport http portcullis-vault http://127.0.0.1:3100/v1/mcp --header "Authorization: Bearer $PORTCULLIS_TOKEN"',
    );
    const openapi = await call('GET', `${h.url}/docs/openapi.json`);
    expect(Object.keys(openapi.body.paths['/v1/mcp'] as object)).toEqual(['post']);
    for (const method of ['GET', 'DELETE']) {
      const r = await call(method, `${h.url}/v1/mcp`, { token: t.adminKey, headers: { accept: 'text/event-stream' } });
      expect(r.status, method).toBe(405);
      expect(r.headers.get('allow')).toBe('POST');
      expect(r.body).toMatchObject({ error: expect.stringContaining('stateless'), request_id: expect.any(String) });
    }
  });

  it('an agent-bound AppRole calls each of the nine tools: REST answers, the value only where REST gives it, every call stamped with its tool', async () => {
    const key = 'ghp_mcpVaultKey_1234567890abcdef';
    const { t, token, agentId } = await tenantWith(
      [{ path: 'app/**', capabilities: ['read', 'write', 'lease', 'proxy'] }],
      { 'app/github': key, 'other/hidden': 'hidden-value-0987654321' },
      true,
    );
    const client = await connect(token);
    expect(await listed(client)).toEqual([...ALL_TOOLS].sort());

    const status = await tool(client, 'gatehouse_status');
    expect(status.isError).toBe(false);
    expect(status.body).toMatchObject({ identity: 'approle:bot', source: 'approle', policies: ['p'], leases: [] });
    expect(status.body.grants).toMatchObject({
      read: ['app/**'],
      write: ['app/**'],
      lease: ['app/**'],
      proxy: ['app/**'],
      list: ['app/**'],
    });
    expect(status.body.expires_in).toBeGreaterThan(86_000);
    expect(status.structured).toEqual(status.body);

    const list = await tool(client, 'gatehouse_list', { prefix: 'app/' });
    expect(list.body).toEqual((await api('GET', '/v1/secrets?prefix=app/', token)).body);
    expect(list.body.secrets.map((x: { path: string }) => x.path)).toEqual(['app/github']);
    expect(list.text).not.toContain(key);

    const got = await tool(client, 'gatehouse_get', { path: 'app/github' });
    expect(got.body).toEqual({ path: 'app/github', value: key, version: 1 });
    expect(got.body).toEqual((await api('GET', '/v1/secrets/app/github/value', token)).body);

    const put = await tool(client, 'gatehouse_put', { path: 'app/new', value: keep('written-through-mcp-42'), metadata: { owner: 'bot' } });
    expect(put.isError).toBe(false);
    expect(put.body).toMatchObject({ path: 'app/new', version: 1 });
    const readBack = await api('GET', '/v1/secrets/app/new', t.adminKey);
    expect(readBack.body).toMatchObject({ path: 'app/new', version: 1, metadata: { owner: 'bot' } });
    // The REST body rules hold: metadata keys are checked by the same service.
    const badMeta = await tool(client, 'gatehouse_put', { path: 'app/new', value: 'x-value', metadata: { 'bad key': 'v' } });
    expect(badMeta).toMatchObject({ isError: true, body: { status: 400, error: expect.stringContaining('metadata key') } });

    const lease = await tool(client, 'gatehouse_lease', { path: 'app/github', ttl: 60 });
    expect(lease.body.value).toBe(key);
    expect(lease.body.lease).toMatchObject({ path: 'app/github', id: expect.any(String) });
    const leaseId = lease.body.lease.id as string;
    expect((await tool(client, 'gatehouse_status')).body.leases).toEqual([lease.body.lease]);
    expect(await tool(client, 'gatehouse_revoke', { lease_id: leaseId })).toMatchObject({ isError: false, body: { revoked: leaseId } });
    expect(await tool(client, 'gatehouse_revoke', { lease_id: leaseId })).toMatchObject({ isError: true, body: { status: 410 } });
    expect(await tool(client, 'gatehouse_revoke', { lease_id: 'not-a-lease' })).toMatchObject({ isError: true, body: { status: 404 } });
    expect((await api('GET', '/v1/lease', token)).body.leases).toEqual([]);

    const scrubbed = await tool(client, 'gatehouse_scrub', { text: `token=${key} other=hidden-value-0987654321` });
    expect(scrubbed.body.scrubbed).toBe('token=[REDACTED:vault:app/github] other=hidden-value-0987654321');
    expect(scrubbed.body.redactions).toEqual(expect.arrayContaining([{ type: 'vault', count: 1 }]));

    const proxied = await tool(client, 'gatehouse_proxy', {
      method: 'GET',
      url: `http://127.0.0.1:${port}/users/7?fields=all`,
      inject: { Authorization: 'app/github' },
    });
    expect(proxied.isError, proxied.text).toBe(false);
    expect(seenAuth.at(-1)).toBe(`Bearer ${key}`);
    expect(proxied.body).toMatchObject({ status: 200, upstream: `127.0.0.1:${port}`, secrets: ['app/github'] });
    expect(JSON.parse(proxied.body.body as string)).toEqual({ id: 7, login: 'octo', auth: 'Bearer [REDACTED:vault:app/github]' });
    expect(proxied.text).not.toContain(key);
    // An upstream failure is a tool error the agent sees, with the known-good pattern of the secret.
    await expect.poll(() => processed.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    const failing = await tool(client, 'gatehouse_proxy', {
      method: 'GET',
      url: `http://127.0.0.1:${port}/missing`,
      inject: { Authorization: 'app/github' },
    });
    expect(failing.isError).toBe(true);
    expect(failing.body.status).toBe(404);
    expect(failing.body.suggestions).toEqual([`GET http://127.0.0.1:${port}/users/{n}?fields=`]);
    // No secret named: refused as on REST (not an open relay).
    const relay = await tool(client, 'gatehouse_proxy', { method: 'GET', url: `http://127.0.0.1:${port}/x` });
    expect(relay).toMatchObject({ isError: true, body: { status: 400, error: expect.stringContaining('uses no secret') } });

    const patterns = await tool(client, 'gatehouse_patterns', { secret: 'app/github' });
    expect(patterns.body).toEqual((await api('GET', '/v1/proxy/patterns?secret=app/github', token)).body);
    expect(patterns.body.patterns[0]).toMatchObject({
      method: 'GET',
      url_template: `http://127.0.0.1:${port}/users/{n}?fields=`,
      successes: 1,
    });

    // Every call is on the bound agent's chain (queued stamps), naming the tool, never a value.
    const mine = await stampsOf(agentId!);
    const byTool = mine.filter((e) => e.tool).map((e) => [e.tool, e.action, e.path]);
    expect(byTool).toEqual(
      expect.arrayContaining([
        ['gatehouse_status', 'auth.whoami', null],
        ['gatehouse_list', 'secret.list', null],
        ['gatehouse_get', 'secret.read', 'app/github'],
        ['gatehouse_put', 'secret.write', 'app/new'],
        ['gatehouse_lease', 'lease.create', 'app/github'],
        ['gatehouse_revoke', 'lease.revoke', null],
        ['gatehouse_scrub', 'scrub', null],
        ['gatehouse_proxy', 'proxy', 'app/github'],
        ['gatehouse_patterns', 'proxy.patterns', 'app/github'],
      ]),
    );
    expect(mine.find((e) => e.tool === 'gatehouse_proxy' && e.request?.status === 200)?.request).toEqual({
      method: 'GET',
      host: `127.0.0.1:${port}`,
      status: 200,
    });
    for (const e of mine) expect(e).toMatchObject({ type: 'vault', tenantId: t.tenantId, agentId });
    expect(JSON.stringify(mine)).not.toContain(key);
    expect(JSON.stringify(mine)).not.toContain('written-through-mcp-42');
  });

  it('denied: a missing capability is a 403 tool result naming it; tools the policies cannot use are not listed; policy edits act at once', async () => {
    const { t, token, agentId, policyId } = await tenantWith(
      [{ path: 'app/*', capabilities: ['read'] }],
      { 'app/k': 'readable-value-111', 'ops/k': 'ops-value-222' },
      true,
    );
    const client = await connect(token);
    expect(await listed(client)).toEqual(['gatehouse_get', 'gatehouse_list', 'gatehouse_patterns', 'gatehouse_scrub', 'gatehouse_status']);

    const denied = await tool(client, 'gatehouse_get', { path: 'ops/k' });
    expect(denied.isError).toBe(true);
    expect(denied.body).toMatchObject({
      status: 403,
      error: 'Forbidden',
      required_capability: 'read',
      path: 'ops/k',
      policies: ['p'],
      granted_on: ['app/*'],
      hint: expect.stringContaining('do not grant "read" on ops/k'),
      request_id: expect.any(String),
    });
    expect(denied.text).not.toContain('ops-value-222');
    // The REST answer is the same refusal.
    const rest = await api('GET', '/v1/secrets/ops/k/value', token);
    expect(rest.status).toBe(403);
    expect({ ...rest.body, request_id: 'x' }).toEqual({ ...denied.body, status: undefined, request_id: 'x' });

    // An unlisted tool called anyway gets the same 403, not "unknown tool".
    const hidden = await tool(client, 'gatehouse_put', { path: 'app/k', value: 'overwrite-attempt-333' });
    expect(hidden).toMatchObject({ isError: true, body: { status: 403, required_capability: 'write', path: 'app/k' } });
    expect((await api('GET', '/v1/secrets/app/k/value', t.adminKey)).body.value).toBe('readable-value-111');

    // Bad arguments and unknown tools are actionable too.
    const bad = await tool(client, 'gatehouse_get', { path: 'app/k', extra: 1 });
    expect(bad).toMatchObject({ isError: true, body: { status: 400, error: expect.stringContaining('extra') } });
    const noPath = await tool(client, 'gatehouse_get', {});
    expect(noPath).toMatchObject({ isError: true, body: { status: 400, error: expect.stringContaining('path') } });
    const badPath = await tool(client, 'gatehouse_get', { path: '../etc' });
    expect(badPath).toMatchObject({ isError: true, body: { status: 400 } });
    const unknown = await tool(client, 'gatehouse_nope');
    expect(unknown).toMatchObject({ isError: true, body: { status: 404, error: expect.stringContaining('gatehouse_status') } });

    const mine = await stampsOf(agentId!);
    expect(mine.filter((e) => e.tool).map((e) => [e.tool, e.action, e.path])).toEqual(
      expect.arrayContaining([
        ['gatehouse_get', 'secret.read.denied', 'ops/k'],
        ['gatehouse_put', 'secret.write.denied', 'app/k'],
      ]),
    );

    // Stateless: the next tools/list reflects a policy edit, on the same connection.
    const edit = await api('PUT', `/api/v1/admin/policies/${policyId}`, t.adminKey, {
      rules: [{ path: 'app/*', capabilities: ['read', 'write', 'proxy'] }],
    });
    expect(edit.status, edit.text).toBe(200);
    expect(await listed(client)).toEqual(
      [
        'gatehouse_get',
        'gatehouse_list',
        'gatehouse_patterns',
        'gatehouse_proxy',
        'gatehouse_put',
        'gatehouse_scrub',
        'gatehouse_status',
      ].sort(),
    );
    expect((await tool(client, 'gatehouse_put', { path: 'app/k2', value: keep('now-allowed-444') })).isError).toBe(false);

    // A policy with `list` only: status, list and scrub.
    const lister = await tenantWith([{ path: 'app/*', capabilities: ['list'] }], {});
    expect(await listed(await connect(lister.token))).toEqual(['gatehouse_list', 'gatehouse_scrub', 'gatehouse_status']);
  });

  it('HTTP-level auth: no token, a bad or expired token, a member key and the root token are refused with {error, request_id}', async () => {
    const { t, approleId } = await tenantWith([{ path: '**', capabilities: ['read'] }], {});
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    };
    const post = (token?: string) =>
      call('POST', `${h.url}/v1/mcp`, { token, headers: { accept: 'application/json, text/event-stream' }, body: initialize });

    const none = await post();
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ error: expect.stringContaining('POST /v1/auth/approle/login'), request_id: expect.any(String) });
    const invalid = await post('eyJhbGciOiJIUzI1NiJ9.e30.bm90LWEtc2lnbmF0dXJl');
    expect(invalid.status).toBe(401);
    expect(invalid.body.error).toContain('invalid token: log in again');

    const expired = keep(
      await new SignJWT({ tid: t.tenantId, typ: 'approle' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(approleId)
        .setAudience('portcullis:vault')
        .setIssuer('portcullis')
        .setIssuedAt(Math.floor(Date.now() / 1000) - 120)
        .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
        .sign(new TextEncoder().encode(h.env.PORTCULLIS_JWT_SECRET)),
    );
    const late = await post(expired);
    expect(late.status).toBe(401);
    expect(late.body).toEqual({ error: expect.stringContaining('token expired: log in again'), request_id: expect.any(String) });
    // The SDK client hears the same 401 at connect, with the message that says what to do.
    await expect(connect(expired)).rejects.toMatchObject({ code: 401, message: expect.stringContaining('token expired: log in again') });

    const member = await api('POST', '/api/v1/admin/api-keys', t.adminKey, { name: 'm', role: 'member' });
    expect(member.status, member.text).toBe(201);
    const memberKey = keep(member.body.key as string);
    expect((await post(memberKey)).status).toBe(403);
    const root = await post(h.rootToken);
    expect(root.status).toBe(403);
    expect(root.body.error).toContain('use a tenant admin API key');
  });

  it('suspension and the kill switch act on the very next MCP message of an open connection', async () => {
    const { t, token, approleId, agentId } = await tenantWith(
      [{ path: 'k/*', capabilities: ['read'] }],
      { 'k/v': 'kill-switch-value-555' },
      true,
    );
    const client = await connect(token);
    expect((await tool(client, 'gatehouse_get', { path: 'k/v' })).isError).toBe(false);

    expect((await api('POST', `/api/v1/admin/approles/${approleId}/suspend`, t.adminKey)).status).toBe(200);
    await expect(tool(client, 'gatehouse_get', { path: 'k/v' })).rejects.toMatchObject({
      code: 401,
      message: expect.stringContaining('is suspended'),
    });
    await expect(client.listTools()).rejects.toMatchObject({ code: 401 });
    expect((await api('POST', `/api/v1/admin/approles/${approleId}/unsuspend`, t.adminKey)).status).toBe(200);
    expect((await tool(client, 'gatehouse_get', { path: 'k/v' })).body.value).toBe('kill-switch-value-555');

    expect((await api('POST', `/api/v1/admin/agents/${agentId}/disable`, t.adminKey)).status).toBe(200);
    await expect(tool(client, 'gatehouse_get', { path: 'k/v' })).rejects.toMatchObject({
      code: 401,
      message: expect.stringContaining('disabled'),
    });
    await expect(connect(token)).rejects.toMatchObject({ code: 401, message: expect.stringContaining('disabled') });
    await api('POST', `/api/v1/admin/agents/${agentId}/enable`, t.adminKey);
    expect((await tool(client, 'gatehouse_status')).isError).toBe(false);
  });

  it('no secret value or token appears in any log line', () => {
    expect(secrets.size).toBeGreaterThan(10);
    expect(h.logs.length).toBeGreaterThan(50);
    for (const s of secrets) {
      const line = h.logs.find((l) => l.includes(s));
      expect(line, `a log line holds a secret: ${s.slice(0, 6)}…`).toBeUndefined();
    }
  });
});
