/**
 * MCP routing end to end: a real MCP server (SDK McpServer + StreamableHTTPServerTransport) registered
 * through the admin API, reached by the real SDK Client through the proxy's /mcp/servers/:id, with the
 * worker putting each call on the agent's chain.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestStampEvent } from '@portcullis/contracts';
import { http, startWorker, type RunningApp } from '@portcullis/testing';
import { startMcpUpstream, type McpUpstream } from './mcp-upstream.js';
import { startStack, waitFor, type Stack } from './proxy-stack.js';

describe('MCP routing for runtimes', () => {
  let s: Stack;
  let worker: RunningApp;
  let upstream: McpUpstream;
  let proxy: string;
  let t: { tenantId: string; adminKey: string };
  let allowed: { id: string; token: string };
  let stranger: { id: string; token: string };
  /** the server answering in SSE, with an allow-list; the JSON one; one needing a missing credential */
  let sse: string;
  let json: string;
  let needsJira: string;
  const GITHUB = 'ghp_credential-value-for-tests';
  const SECRET_ARG = 'argument-value-that-must-not-be-stamped';

  const register = async (body: Record<string, unknown>): Promise<string> => {
    const res = await http('POST', `${s.cp.url}/api/v1/admin/mcp-servers`, { token: t.adminKey, body });
    expect(res.status, res.text).toBe(201);
    return res.body.id as string;
  };
  // The SDK clients' connections, closed before the stack stops: a socket a client opened but never
  // used would otherwise hold a proxy's graceful shutdown until the server's headers timeout.
  const dispatcher = new Agent();
  const sdkFetch = ((url: string | URL, init?: RequestInit) =>
    undiciFetch(url, { ...(init as object), dispatcher })) as unknown as typeof fetch;
  const connect = async (serverId: string, headers: Record<string, string>): Promise<Client> => {
    const client = new Client({ name: 'runtime', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${proxy}/mcp/servers/${serverId}`), { requestInit: { headers }, fetch: sdkFetch }),
    );
    return client;
  };
  const asAgent = (a: { token: string }) => ({ authorization: `Bearer ${a.token}` });
  const mcpStamps = async (agentId: string): Promise<RequestStampEvent[]> => {
    const res = await http('GET', `${s.cp.url}/v1/audit/agents/${agentId}/stamps?type=request&limit=1000`, { token: t.adminKey });
    expect(res.status).toBe(200);
    return (res.body.items as { event: RequestStampEvent; canonicalEvent: string }[]).map((i) => {
      expect(i.canonicalEvent).not.toContain(SECRET_ARG);
      expect(i.canonicalEvent).not.toContain(GITHUB);
      return i.event;
    });
  };

  beforeAll(async () => {
    upstream = await startMcpUpstream();
    s = await startStack({ env: { PORTCULLIS_MCP_ALLOW_PRIVATE: 'true' } });
    worker = await startWorker();
    proxy = s.proxies[0]!.url;
    await waitFor(async () => (await fetch(`${proxy}/readyz`)).ok, 10_000, 'proxy readiness');
    t = await s.tenant();
    allowed = await s.agent(t.adminKey);
    stranger = await s.agent(t.adminKey);
    const cred = await http('POST', `${s.cp.url}/api/v1/admin/credentials`, {
      token: t.adminKey,
      body: { serviceType: 'github', value: GITHUB },
    });
    expect(cred.status).toBe(201);
    const common = {
      requiredCredentials: [{ serviceType: 'github' }],
      agentIds: [allowed.id],
      allowedTools: ['search_issues', 'get_issue'],
    };
    sse = await register({ name: 'issues-sse', url: `${upstream.url}/sse`, ...common });
    json = await register({ name: 'issues-json', url: `${upstream.url}/json`, ...common });
    needsJira = await register({
      name: 'jira',
      url: `${upstream.url}/sse`,
      requiredCredentials: [{ serviceType: 'jira' }],
      allAgents: true,
    });
  }, 60_000);
  afterAll(async () => {
    await dispatcher.destroy();
    await worker?.stop();
    await s?.stop();
    await upstream?.close();
  });

  it('lists only allowed tools (SSE and JSON answers), while the upstream offers more', async () => {
    const direct = new Client({ name: 'direct', version: '1.0.0' });
    await direct.connect(new StreamableHTTPClientTransport(new URL(`${upstream.url}/sse`), { fetch: sdkFetch }));
    expect((await direct.listTools()).tools.map((x) => x.name).sort()).toEqual(['delete_repo', 'get_issue', 'search_issues']);
    await direct.close();
    for (const id of [sse, json]) {
      const client = await connect(id, asAgent(allowed));
      const { tools } = await client.listTools();
      expect(tools.map((x) => x.name).sort()).toEqual(['get_issue', 'search_issues']);
      expect(tools.find((x) => x.name === 'search_issues')?.inputSchema).toMatchObject({ properties: { query: { type: 'string' } } });
      await client.close();
    }
  });

  it('runs an allowed tool with credentials and identity injected, and never forwards the art_ token', async () => {
    const client = await connect(sse, asAgent(allowed));
    const result = await client.callTool({ name: 'search_issues', arguments: { query: SECRET_ARG } });
    expect(result.content).toEqual([{ type: 'text', text: `search_issues ran for ${SECRET_ARG}` }]);
    const call = upstream.toolCalls.find((c) => c.tool === 'search_issues' && c.args.query === SECRET_ARG)!;
    expect(call).toBeDefined();
    expect(call.headers['x-credential-github']).toBe(GITHUB);
    expect(call.headers['x-gateway-agent-id']).toBe(allowed.id);
    expect(call.headers['x-tenant-id']).toBe(t.tenantId);
    expect(call.headers['x-gateway-session-token']).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(call.headers['x-gateway-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    // tools/list answers are read on the way back, so the gateway asks for them unencoded
    expect(call.headers['accept-encoding']).toBe('identity');
    for (const r of upstream.requests) expect(JSON.stringify(r.headers)).not.toContain(allowed.token);
    // Mcp-Session-Id went both ways: the client holds the upstream's session and sends it back.
    const transport = client.transport as StreamableHTTPClientTransport;
    expect(upstream.sessions).toContain(transport.sessionId);
    expect(upstream.requests.some((r) => r.method === 'POST' && r.headers['mcp-session-id'] === transport.sessionId)).toBe(true);
    // DELETE ends the session upstream.
    await transport.terminateSession();
    expect(upstream.closedSessions).toContain(transport.sessionId ?? upstream.sessions.at(-1));
    await client.close();
  });

  it('refuses a tool outside the allow-list with a JSON-RPC error, without reaching the upstream', async () => {
    for (const id of [sse, json]) {
      const client = await connect(id, asAgent(allowed));
      const posts = () => upstream.requests.filter((r) => r.method === 'POST').length;
      const before = posts();
      await expect(client.callTool({ name: 'delete_repo', arguments: { query: 'x' } })).rejects.toMatchObject({
        code: -32602,
        message: expect.stringMatching(/delete_repo is not allowed/),
      });
      expect(posts()).toBe(before);
      // the session is still usable afterwards
      expect((await client.callTool({ name: 'get_issue', arguments: { query: '7' } })).content).toEqual([
        { type: 'text', text: 'get_issue ran for 7' },
      ]);
      await client.close();
    }
    expect(upstream.toolCalls.some((c) => c.tool === 'delete_repo')).toBe(false);
  });

  it('refuses an agent the server is not open to (403), unknown callers (401) and missing credentials (401 with connect URL)', async () => {
    await expect(connect(sse, asAgent(stranger))).rejects.toThrow(/403[\s\S]*may not use this MCP server|may not use this MCP server/);
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    };
    const denied = await http('POST', `${proxy}/mcp/servers/${sse}`, {
      token: stranger.token,
      body: init,
      headers: { accept: 'application/json, text/event-stream' },
    });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ error: expect.any(String), request_id: expect.any(String) });
    const anon = await http('POST', `${proxy}/mcp/servers/${sse}`, { body: init });
    expect(anon.status).toBe(401);
    const missing = await http('POST', `${proxy}/mcp/servers/${needsJira}`, { token: stranger.token, body: init });
    expect(missing.status).toBe(401);
    expect(missing.body.missing).toEqual([{ serviceType: 'jira', authUrl: expect.stringContaining('/api/v1/credentials/connect/jira') }]);
    const other = await s.tenant();
    const foreign = await s.agent(other.adminKey);
    expect((await http('POST', `${proxy}/mcp/servers/${needsJira}`, { token: foreign.token, body: init })).status).toBe(404);
  });

  it('accepts X-Agent-Id + X-Gateway-Session-Token from an invocation, acting for its end user', async () => {
    const invoked = await http('GET', `${proxy}/api/v1/agents/${allowed.id}/invoke/hello`, {
      token: t.adminKey,
      headers: { 'x-user-id': 'user-42' },
    });
    expect(invoked.status).toBe(200);
    const sessionToken: string = invoked.body.headers['x-gateway-session-token'];
    const client = await connect(sse, { 'x-agent-id': allowed.id, 'x-gateway-session-token': sessionToken });
    await client.callTool({ name: 'get_issue', arguments: { query: 'as-user' } });
    const call = upstream.toolCalls.find((c) => c.args.query === 'as-user')!;
    expect(call.headers['x-end-user-id']).toBe('user-42');
    expect(call.headers['x-credential-github']).toBe(GITHUB);
    expect(call.headers['x-gateway-session-token']).not.toBe(sessionToken);
    // The token the MCP server received names it as audience: the server cannot act as the agent here.
    const forwarded = call.headers['x-gateway-session-token'] as string;
    expect(JSON.parse(Buffer.from(forwarded.split('.')[1]!, 'base64url').toString())).toMatchObject({
      aud: `mcp-server:${sse}`,
      agent_id: allowed.id,
      user_id: 'user-42',
    });
    await expect(connect(sse, { 'x-agent-id': allowed.id, 'x-gateway-session-token': forwarded })).rejects.toThrow(
      /missing or invalid credentials/,
    );
    await client.close();
    // the same token names only its own agent
    await expect(connect(sse, { 'x-agent-id': stranger.id, 'x-gateway-session-token': sessionToken })).rejects.toThrow(
      /missing or invalid credentials/,
    );
  });

  it('refuses a disabled agent, and cuts its open stream', async () => {
    const agent = await s.agent(t.adminKey);
    const id = await register({ name: 'for-disable', url: `${upstream.url}/sse`, requiredCredentials: [], agentIds: [agent.id] });
    const client = await connect(id, asAgent(agent));
    // A second session by hand, holding the server's GET event stream open through the proxy.
    const url = `${proxy}/mcp/servers/${id}`;
    const headers = { ...asAgent(agent), accept: 'application/json, text/event-stream', 'content-type': 'application/json' };
    const init = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      }),
    });
    expect(init.status).toBe(200);
    await init.text();
    const session = init.headers.get('mcp-session-id')!;
    expect(session).toBeTruthy();
    const stream = await fetch(url, { headers: { ...asAgent(agent), accept: 'text/event-stream', 'mcp-session-id': session } });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = stream.body!.getReader();
    const ended = (async () => {
      try {
        while (!(await reader.read()).done);
      } catch {
        /* cut */
      }
      return true;
    })();

    const off = await http('POST', `${s.cp.url}/api/v1/admin/agents/${agent.id}/disable`, { token: t.adminKey });
    expect(off.status).toBe(200);
    await expect(Promise.race([ended, new Promise((r) => setTimeout(() => r(false), 5000))])).resolves.toBe(true);
    await expect(client.listTools()).rejects.toThrow(/disabled/);
    await expect(connect(id, asAgent(agent))).rejects.toThrow(/disabled/);
    await client.close();
  });

  it('takes an agent off a server at once when an admin revokes its access', async () => {
    const agent = await s.agent(t.adminKey);
    const id = await register({ name: 'for-revoke', url: `${upstream.url}/json`, requiredCredentials: [], agentIds: [agent.id] });
    const client = await connect(id, asAgent(agent));
    expect((await client.listTools()).tools).toHaveLength(3);
    const revoked = await http('PATCH', `${s.cp.url}/api/v1/admin/mcp-servers/${id}`, { token: t.adminKey, body: { agentIds: [] } });
    expect(revoked.status).toBe(200);
    await expect(client.listTools()).rejects.toThrow(/may not use this MCP server/);
    await client.close();
  });

  it('stamps every call on the agent chain with its method and tool name, never its arguments', async () => {
    await waitFor(
      async () => {
        const events = await mcpStamps(allowed.id);
        const calls = events.flatMap((e) => e.mcp?.calls ?? []);
        return calls.some((c) => c.tool === 'search_issues') && calls.some((c) => c.tool === 'delete_repo' && c.refused);
      },
      20_000,
      'MCP stamps on the chain',
    );
    const events = (await mcpStamps(allowed.id)).filter((e) => e.mcp);
    expect(events.every((e) => e.mcp!.serverId === sse || e.mcp!.serverId === json)).toBe(true);
    expect(events.every((e) => e.path.startsWith('/mcp/servers/'))).toBe(true);
    const calls = events.flatMap((e) => e.mcp!.calls);
    expect(calls).toContainEqual({ method: 'initialize' });
    expect(calls).toContainEqual({ method: 'tools/list' });
    expect(calls).toContainEqual({ method: 'tools/call', tool: 'search_issues' });
    expect(calls).toContainEqual({ method: 'tools/call', tool: 'delete_repo', refused: true });
    expect(events.some((e) => e.method === 'DELETE')).toBe(true);
    const verify = await http('GET', `${s.cp.url}/v1/audit/agents/${allowed.id}/verify`, { token: t.adminKey });
    expect(verify.body).toMatchObject({ valid: true });
  });
});
