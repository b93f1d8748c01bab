/**
 * The agent wallet (MCP at /mcp and /mcp/sse on the proxy) driven by the MCP SDK's own client against
 * a running control plane, two proxy pods and a worker: both transports with both ways in (runtime token,
 * session token), workrooms and locks between two agents, every tool call on the caller's chain, the kill
 * switch cutting open sessions, and `portcullis mcp-config` output used unchanged.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { LoggingMessageNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, http, startWorker, type RunningApp } from '@portcullis/testing';
import { startStack, waitFor, type Stack } from './proxy-stack.js';

const TOOLS = [
  'portcullis_get_identity',
  'portcullis_authenticate',
  'portcullis_register_artifact',
  'portcullis_verify_artifact',
  'portcullis_verify_chain',
  'portcullis_recent_stamps',
  'workroom_list',
  'workroom_join',
  'workroom_leave',
  'workroom_post',
  'workroom_read',
  'lock_acquire',
  'lock_release',
  'lock_list',
];

type Kind = 'http' | 'sse';

interface Agent {
  id: string;
  token: string;
  name: string;
}

interface Stamp {
  seq: number;
  requestId: string;
  type: string;
  event: Record<string, unknown>;
  canonicalEvent: string;
}

async function connect(base: string, kind: Kind, headers: Record<string, string>, fetchImpl?: FetchLike): Promise<Client> {
  const client = new Client({ name: 'wallet-e2e', version: '1.0.0' });
  const transport =
    kind === 'http'
      ? new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers }, ...(fetchImpl ? { fetch: fetchImpl } : {}) })
      : new SSEClientTransport(new URL(`${base}/mcp/sse`), { requestInit: { headers } });
  await client.connect(transport);
  return client;
}

/** Calls a tool and parses its JSON answer; `isError` results come back as `{error: text}`. */
async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<any> {
  const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = r.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
  if (r.isError) return { error: text };
  return JSON.parse(text);
}

describe('agent wallet over MCP', () => {
  let stack: Stack;
  let worker: RunningApp;
  let t: { tenantId: string; adminKey: string };
  let a: Agent;
  let b: Agent;
  const clients: Client[] = [];

  const newAgent = async (): Promise<Agent> => {
    const name = `wallet-${Math.random().toString(36).slice(2, 8)}`;
    return { ...(await stack.agent(t.adminKey, { name })), name };
  };
  const open = async (base: string, kind: Kind, headers: Record<string, string>, fetchImpl?: FetchLike): Promise<Client> => {
    const c = await connect(base, kind, headers, fetchImpl);
    clients.push(c);
    return c;
  };
  const art = (agent: Agent): Record<string, string> => ({ authorization: `Bearer ${agent.token}` });
  /** A session token minted by the proxy on invoke, for `userId`, as a runtime receives it. */
  const sessionToken = async (agent: Agent, userId: string): Promise<Record<string, string>> => {
    const res = await http('POST', `${stack.proxies[0]!.url}/api/v1/agents/${agent.id}/invoke`, {
      headers: { 'x-api-key': t.adminKey, 'x-user-id': userId },
      body: {},
    });
    expect(res.status).toBe(200);
    const token = res.body.headers['x-gateway-session-token'] as string;
    expect(token).toMatch(/^ey/);
    return { 'x-agent-id': agent.id, 'x-gateway-session-token': token };
  };
  const mcpStamps = async (agent: Agent): Promise<Stamp[]> => {
    const res = await http('GET', `${stack.cp.url}/v1/audit/agents/${agent.id}/stamps?type=mcp&limit=1000&order=asc`, {
      token: t.adminKey,
    });
    expect(res.status).toBe(200);
    return res.body.items as Stamp[];
  };

  beforeAll(async () => {
    stack = await startStack({ proxies: 2 });
    worker = await startWorker();
    t = await stack.tenant();
    a = await newAgent();
    b = await newAgent();
  }, 90_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await worker?.stop();
    await stack?.stop();
  });

  it.each([
    ['http', 'runtime token'],
    ['sse', 'runtime token'],
    ['http', 'session token'],
    ['sse', 'session token'],
  ] as const)('serves the fourteen tools over %s with a %s', async (kind, auth) => {
    const agent = await newAgent();
    const headers = auth === 'runtime token' ? art(agent) : await sessionToken(agent, 'user-42');
    const client = await open(stack.proxies[0]!.url, kind, headers);
    const { tools } = await client.listTools();
    expect(tools.map((x) => x.name).sort()).toEqual([...TOOLS].sort());
    for (const tool of tools) {
      expect(tool.description!.length).toBeGreaterThan(20);
      expect(tool.inputSchema.type).toBe('object');
    }
    expect(tools.find((x) => x.name === 'workroom_post')!.inputSchema.properties).toHaveProperty('kind.enum', [
      'announce_intent',
      'share_update',
      'request_sync',
    ]);

    const me = await call(client, 'portcullis_get_identity');
    expect(me.agent).toEqual({ id: agent.id, name: agent.name, status: 'active' });
    expect(me.tenant.id).toBe(t.tenantId);
    expect(me.session.transport).toBe(kind === 'http' ? 'streamable_http' : 'sse');
    expect(me.chainHead).toMatchObject({ seq: expect.any(Number), stateHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    if (auth === 'session token') {
      expect(me.actingFor).toMatchObject({ userId: 'user-42' });
      expect(me.session.authKind).toBe('session_token');
    } else expect(me.actingFor).toBeNull();

    // the session's `authenticate` and the tool call land on the agent's chain
    await waitFor(async () => (await mcpStamps(agent)).length >= 2, 20_000, 'wallet stamps');
    const stamps = await mcpStamps(agent);
    expect(stamps[0]!.event).toMatchObject({
      action: 'authenticate',
      transport: kind === 'http' ? 'streamable_http' : 'sse',
      authKind: auth === 'runtime token' ? 'runtime_token' : 'session_token',
      userId: auth === 'runtime token' ? null : 'user-42',
    });
    expect(stamps[1]!.event).toMatchObject({ action: 'tool_call', tool: 'portcullis_get_identity', outcome: 'ok' });
    const secret = auth === 'runtime token' ? agent.token : headers['x-gateway-session-token']!;
    for (const s of stamps) expect(s.canonicalEvent).not.toContain(secret);
    await client.close();
  });

  it('refuses what is not the agent: 401/403 with the error body, and no session opened', async () => {
    const other = await newAgent();
    const initialize = (h: Record<string, string>, path = '/mcp') =>
      fetch(`${stack.proxies[0]!.url}${path}`, {
        method: path === '/mcp' ? 'POST' : 'GET',
        headers: { ...h, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        ...(path === '/mcp'
          ? {
              body: JSON.stringify({
                jsonrpc: '2.0',
                id: 1,
                method: 'initialize',
                params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
              }),
            }
          : {}),
      });
    const forA = await sessionToken(a, 'user-1');
    const cases: [Record<string, string>, number][] = [
      [{}, 401],
      [{ authorization: `Bearer ${t.adminKey}` }, 401], // a tenant API key is not an agent
      [{ authorization: `Bearer ${a.token}x` }, 401],
      [{ ...forA, 'x-agent-id': other.id }, 401], // a session token minted for another agent
      [{ 'x-gateway-session-token': forA['x-gateway-session-token']! }, 401], // without X-Agent-Id
      [{ 'x-agent-id': a.id, 'x-gateway-session-token': 'eyJhbGciOiJub25lIn0.e30.' }, 401],
      [{ ...art(a), 'x-agent-id': other.id }, 403],
    ];
    for (const [h, status] of cases) {
      for (const path of ['/mcp', '/mcp/sse']) {
        const res = await initialize(h, path);
        expect(res.status, `${path} ${JSON.stringify(Object.keys(h))}`).toBe(status);
        const body = (await res.json()) as Record<string, unknown>;
        expect(body).toEqual({ error: expect.any(String), request_id: expect.any(String) });
        expect(JSON.stringify(body)).not.toContain(a.token);
        expect(res.headers.get('mcp-session-id')).toBeNull();
      }
    }
    // a session id is no credential: another agent cannot use it
    const client = await open(stack.proxies[0]!.url, 'http', art(a));
    await call(client, 'workroom_list');
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId!;
    const hijack = await fetch(`${stack.proxies[1]!.url}/mcp`, {
      method: 'POST',
      headers: {
        ...art(other),
        'mcp-session-id': sessionId,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(hijack.status).toBe(404);
  });

  it('serves one Streamable HTTP session from either proxy pod, and stamps every tool call on the caller chain', async () => {
    const agent = await newAgent();
    // every request of the session goes to the next pod in turn
    let n = 0;
    const pods = stack.proxies.map((p) => p.url);
    const roundRobin = (input: string | URL, init?: RequestInit): Promise<Response> =>
      fetch(String(input).replace(pods[0]!, pods[n++ % pods.length]!), init);
    const client = await open(pods[0]!, 'http', art(agent), roundRobin);

    const bytes = Buffer.from(`build output ${Math.random()}`);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const reg = await call(client, 'portcullis_register_artifact', { name: 'dist/app.tar.gz', sha256 });
    expect(reg).toMatchObject({ registered: true, sha256, requestId: expect.any(String) });
    // bad input: refused as a tool result the agent can read, and still stamped
    const bad = await call(client, 'portcullis_register_artifact', { name: 'x', sha256: 'not-a-hash' });
    expect(bad.error).toMatch(/sha256/i);

    await waitFor(
      async () => (await call(client, 'portcullis_verify_artifact', { sha256 })).verified === true,
      20_000,
      'artifact on the chain',
    );
    const verified = await call(client, 'portcullis_verify_artifact', { sha256, name: 'dist/app.tar.gz' });
    expect(verified.registrations).toEqual([
      expect.objectContaining({ agentId: agent.id, name: 'dist/app.tar.gz', sha256, requestId: reg.requestId, chainValid: true }),
    ]);
    expect((await call(client, 'portcullis_verify_artifact', { sha256: 'a'.repeat(64) })).verified).toBe(false);

    const full = await call(client, 'portcullis_verify_chain');
    expect(full).toMatchObject({ chain: agent.id, valid: true });
    const registered = verified.registrations[0];
    expect(await call(client, 'portcullis_verify_chain', { stateHash: registered.stateHash })).toEqual({
      agentId: agent.id,
      valid: true,
      sequence: registered.seq,
    });
    expect((await call(client, 'portcullis_verify_chain', { stateHash: 'b'.repeat(64) })).valid).toBe(false);

    const recent = await call(client, 'portcullis_recent_stamps', { limit: 50, type: 'mcp' });
    expect(recent.stamps.some((s: { summary: string }) => s.summary === 'mcp: portcullis_register_artifact → ok')).toBe(true);

    const auth = await call(client, 'portcullis_authenticate');
    expect(auth).toMatchObject({ authenticated: true, agentId: agent.id, verifyWith: '/.well-known/jwks.json' });
    expect(auth.identityToken).toMatch(/^ey/);
    expect(n).toBeGreaterThan(8); // the session really alternated pods

    // 1 authenticate + 9 tool calls, each on the chain, in order, nothing secret in any event
    const expected = [
      'portcullis_register_artifact',
      'portcullis_register_artifact',
      'portcullis_verify_artifact',
      'portcullis_verify_artifact',
      'portcullis_verify_artifact',
      'portcullis_verify_chain',
      'portcullis_verify_chain',
      'portcullis_verify_chain',
      'portcullis_recent_stamps',
      'portcullis_authenticate',
    ];
    let stamps: Stamp[] = [];
    await waitFor(
      async () => {
        stamps = await mcpStamps(agent);
        return stamps.filter((s) => s.event.tool === 'portcullis_authenticate').length === 1;
      },
      20_000,
      'every tool call stamped',
    );
    const calls = stamps.filter((s) => s.event.action === 'tool_call').map((s) => s.event.tool);
    // verify_artifact polled until the stamp landed: at least the three calls above
    expect(calls.filter((c) => c !== 'portcullis_verify_artifact')).toEqual(expected.filter((c) => c !== 'portcullis_verify_artifact'));
    expect(calls.filter((c) => c === 'portcullis_verify_artifact').length).toBeGreaterThanOrEqual(3);
    expect(stamps.filter((s) => s.event.action === 'authenticate')).toHaveLength(1);
    const regStamp = stamps.find((s) => s.requestId === reg.requestId)!;
    expect(regStamp.event).toMatchObject({ outcome: 'ok', details: { name: 'dist/app.tar.gz', sha256 } });
    expect(stamps.find((s) => s.event.tool === 'portcullis_register_artifact' && s.event.outcome === 'error')).toBeDefined();
    for (const s of stamps) {
      expect(s.canonicalEvent).not.toContain(agent.token);
      expect(s.canonicalEvent).not.toContain(auth.identityToken);
    }
  });

  it('lets two agents in one workroom see each other, deliver request_sync, and contend for a lock', async () => {
    const room = `room-${Math.random().toString(36).slice(2, 8)}`;
    const ca = await open(stack.proxies[0]!.url, 'http', art(a));
    const cb = await open(stack.proxies[0]!.url, 'sse', art(b));
    const delivered: unknown[] = [];
    cb.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void delivered.push(n.params.data));

    // not a member yet: a readable refusal
    expect((await call(ca, 'workroom_post', { name: room, kind: 'share_update', body: 'hi' })).error).toMatch(/workroom_join/);
    expect((await call(ca, 'workroom_join', { name: room })).members.map((m: { agentId: string }) => m.agentId)).toEqual([a.id]);
    const joined = await call(cb, 'workroom_join', { name: room });
    expect(joined.members.map((m: { name: string }) => m.name).sort()).toEqual([a.name, b.name].sort());
    const listed = await call(cb, 'workroom_list');
    expect(listed.workrooms.find((w: { name: string }) => w.name === room)).toMatchObject({ joined: true });

    const intent = await call(ca, 'workroom_post', { name: room, kind: 'announce_intent', body: 'editing src/app.ts' });
    expect(intent.posted).toMatchObject({ seq: 1, kind: 'announce_intent', agentId: a.id, agentName: a.name });
    const seenByB = await call(cb, 'workroom_read', { name: room });
    expect(seenByB.messages.map((m: { body: string }) => m.body)).toEqual(['editing src/app.ts']);
    await call(cb, 'workroom_post', { name: room, kind: 'share_update', body: 'tests green on main' });
    const seenByA = await call(ca, 'workroom_read', { name: room, cursor: intent.posted.seq });
    expect(seenByA.messages).toEqual([expect.objectContaining({ agentId: b.id, body: 'tests green on main', kind: 'share_update' })]);

    // request_sync: delivered to b's open session, and surfaced on b's next read
    const sync = await call(ca, 'workroom_post', { name: room, kind: 'request_sync', body: 'where are you?' });
    expect(sync.deliveredTo).toEqual([b.id]);
    await waitFor(async () => Promise.resolve(delivered.length > 0), 10_000, 'request_sync notification');
    expect(delivered[0]).toMatchObject({ event: 'request_sync', message: { body: 'where are you?', agentId: a.id, workroom: room } });
    const next = await call(cb, 'workroom_read', { name: room, cursor: seenByB.cursor });
    expect(next.syncRequests).toEqual([expect.objectContaining({ kind: 'request_sync', agentId: a.id })]);

    // the post is stamped on the poster's chain under the message's request id
    await waitFor(
      async () => (await http('GET', `${stack.cp.url}/v1/audit/requests/${sync.posted.requestId}`, { token: t.adminKey })).status === 200,
    );
    const stamp = await http('GET', `${stack.cp.url}/v1/audit/requests/${sync.posted.requestId}`, { token: t.adminKey });
    expect(stamp.body).toMatchObject({ agentId: a.id, type: 'mcp' });

    // locks: b is told who holds it; after release it gets it
    const file = `src/app-${room}.ts`;
    expect(await call(ca, 'lock_acquire', { resource: file, ttlSeconds: 60 })).toMatchObject({ acquired: true, resource: file });
    const contended = await call(cb, 'lock_acquire', { resource: file });
    expect(contended).toMatchObject({ acquired: false, heldBy: { agentId: a.id, agentName: a.name } });
    expect(contended.message).toContain(a.name);
    const refused = await call(cb, 'lock_release', { resource: file });
    expect(refused.error).toContain(`held by agent "${a.name}"`);
    const locks = await call(cb, 'lock_list', { prefix: 'src/' });
    expect(locks.locks).toContainEqual(
      expect.objectContaining({ resource: file, heldBy: { agentId: a.id, agentName: a.name, you: false } }),
    );
    expect(await call(ca, 'lock_release', { resource: file })).toEqual({ released: true, resource: file });
    expect(await call(cb, 'lock_acquire', { resource: file })).toMatchObject({ acquired: true });
    expect((await call(ca, 'lock_acquire', { resource: file })).heldBy).toMatchObject({ agentId: b.id });

    // b's SSE session closes: its lock goes with it
    await cb.close();
    await waitFor(
      async () => (await call(ca, 'lock_acquire', { resource: file })).acquired === true,
      10_000,
      'lock freed with its session',
    );

    expect(await call(ca, 'workroom_leave', { name: room })).toEqual({ left: true, workroom: room });
    expect((await call(ca, 'workroom_read', { name: room })).error).toMatch(/not a member/);
  });

  it('cuts a disabled agent: open sessions closed, its locks freed, new sessions refused', async () => {
    const c = await newAgent();
    const other = await newAgent();
    const sse = await open(stack.proxies[1]!.url, 'sse', art(c));
    const streamable = await open(stack.proxies[0]!.url, 'http', art(c));
    const watcher = await open(stack.proxies[0]!.url, 'http', art(other));
    // a raw SSE stream too, to see the server end it
    const raw = await fetch(`${stack.proxies[0]!.url}/mcp/sse`, { headers: { ...art(c), accept: 'text/event-stream' } });
    expect(raw.status).toBe(200);
    const reader = raw.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('event: endpoint');
    const rawEnded = (async () => {
      for (;;) if ((await reader.read()).done) return true;
    })().catch(() => true);
    expect(await call(sse, 'lock_acquire', { resource: 'deploy/prod', ttlSeconds: 3600 })).toMatchObject({ acquired: true });
    expect((await call(watcher, 'lock_acquire', { resource: 'deploy/prod' })).acquired).toBe(false);

    const disabled = await http('POST', `${stack.cp.url}/api/v1/admin/agents/${c.id}/disable`, { token: t.adminKey });
    expect(disabled.status).toBe(200);

    expect(await rawEnded).toBe(true);
    await waitFor(
      async () =>
        call(sse, 'portcullis_get_identity').then(
          () => false,
          () => true,
        ),
      10_000,
      'SSE session cut',
    );
    await expect(call(streamable, 'portcullis_get_identity')).rejects.toThrow();
    await expect(connect(stack.proxies[0]!.url, 'http', art(c))).rejects.toThrow();
    await expect(connect(stack.proxies[1]!.url, 'sse', art(c))).rejects.toThrow();
    const refused = await fetch(`${stack.proxies[0]!.url}/mcp`, {
      method: 'POST',
      headers: { ...art(c), 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }),
    });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: 'agent is disabled', request_id: expect.any(String) });
    // the cut session's lock is free at once, not after its hour-long TTL
    expect(await call(watcher, 'lock_acquire', { resource: 'deploy/prod' })).toMatchObject({ acquired: true });

    // enabled again: the old session stays ended; a new one works
    await http('POST', `${stack.cp.url}/api/v1/admin/agents/${c.id}/enable`, { token: t.adminKey });
    await waitFor(async () => {
      const fresh = await connect(stack.proxies[0]!.url, 'http', art(c));
      await fresh.close();
      return true;
    }, 10_000);
    await expect(call(streamable, 'portcullis_get_identity')).rejects.toThrow();
  });

  it('writes an mcp-config the SDK client uses unchanged', async () => {
    const agent = await newAgent();
    const dir = mkdtempSync(join(tmpdir(), 'mcp-config-'));
    const run = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        execFile(
          process.execPath,
          [`${REPO_ROOT}apps/cli/dist/main.js`, 'mcp-config', ...args],
          { env: { PATH: process.env.PATH ?? '', PORTCULLIS_URL: stack.cp.url, PORTCULLIS_API_KEY: t.adminKey } },
          (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });

    const missing = await run(['--agent', agent.name, '--dir', dir, '--url', stack.proxies[1]!.url]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--regenerate-token');

    const written = await run(['--agent', agent.name, '--dir', dir, '--url', stack.proxies[1]!.url, '--token', agent.token]);
    expect(written.code).toBe(0);
    const file = written.stdout.trim();
    expect(file).toBe(join(dir, `.mcp-${agent.name}.json`));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(written.stdout + written.stderr).not.toContain(agent.token);
    const config = JSON.parse(readFileSync(file, 'utf8')) as {
      mcpServers: Record<string, { type: string; url: string; headers: Record<string, string> }>;
    };
    const [name, server] = Object.entries(config.mcpServers)[0]!;
    expect(name).toBe(`portcullis-${agent.name}`);
    expect(server).toEqual({
      type: 'http',
      url: `${stack.proxies[1]!.url}/mcp`,
      headers: { Authorization: `Bearer ${agent.token}`, 'X-Agent-Id': agent.id },
    });
    const client = new Client({ name: 'claude-like', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: server.headers } }));
    clients.push(client);
    expect((await call(client, 'portcullis_get_identity')).agent.id).toBe(agent.id);

    // --regenerate-token: a new token in the file, the old one refused
    const rotated = await run([
      '--agent',
      agent.id,
      '--dir',
      dir,
      '--url',
      stack.proxies[0]!.url,
      '--transport',
      'sse',
      '--regenerate-token',
    ]);
    expect(rotated.code).toBe(0);
    const sse = (JSON.parse(readFileSync(rotated.stdout.trim(), 'utf8')) as typeof config).mcpServers[name]!;
    expect(sse.url).toBe(`${stack.proxies[0]!.url}/mcp/sse`);
    expect(sse.headers.Authorization).not.toBe(`Bearer ${agent.token}`);
    const sseClient = new Client({ name: 'claude-like', version: '1.0.0' });
    await sseClient.connect(new SSEClientTransport(new URL(sse.url), { requestInit: { headers: sse.headers } }));
    clients.push(sseClient);
    expect((await call(sseClient, 'portcullis_get_identity')).agent.id).toBe(agent.id);
    await waitFor(
      async () =>
        await connect(stack.proxies[0]!.url, 'http', art(agent))
          .then((c) => c.close())
          .then(
            () => false,
            () => true,
          ),
      10_000,
    );
  });
});
