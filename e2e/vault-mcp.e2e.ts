/**
 * The vault's MCP tools on the running stack: the built control plane and worker as processes, the
 * MCP SDK client over real HTTP. Every tool call of an agent-bound AppRole lands on the agent's
 * chain (naming the tool, never a value) and the chain verifies; the kill switch cuts the open
 * MCP connection at its next message.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startWorker, type RunningApp } from '@portcullis/testing';
import { startStack, waitFor, type Stack } from './proxy-stack.js';

interface ChainStamp {
  seq: number;
  type: string;
  event: { action?: string; path?: string | null; tool?: string };
  canonicalEvent: string;
}

describe('vault MCP tools on the running stack', () => {
  let stack: Stack;
  let worker: RunningApp;
  let client: Client | undefined;

  beforeAll(async () => {
    stack = await startStack({ proxies: 0 });
    worker = await startWorker();
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    await worker?.stop();
    await stack?.stop();
  });

  it('every tool call is a stamp on the bound agent chain, which verifies; disabling the agent cuts the connection', async () => {
    const cp = stack.cp.url;
    const t = await stack.tenant();
    const agent = await stack.agent(t.adminKey);
    const api = (method: string, path: string, token?: string, body?: unknown) => http(method, `${cp}${path}`, { token, body });
    const value = 'sk-proj-e2eMcpVaultValue0123456789abcdef';
    expect((await api('PUT', '/v1/secrets/app/openai', t.adminKey, { value })).status).toBe(200);
    expect((await api('PUT', '/v1/secrets/ops/db', t.adminKey, { value: 'ops-db-password-e2e' })).status).toBe(200);
    expect(
      (
        await api('POST', '/api/v1/admin/policies', t.adminKey, {
          name: 'app',
          rules: [{ path: 'app/*', capabilities: ['read', 'write'] }],
        })
      ).status,
    ).toBe(201);
    const role = await api('POST', '/api/v1/admin/approles', t.adminKey, { name: 'mcp-agent', policies: ['app'], agentId: agent.id });
    expect(role.status, role.text).toBe(201);
    const login = await api('POST', '/v1/auth/approle/login', undefined, { role_id: role.body.role_id, secret_id: role.body.secret_id });
    expect(login.status, login.text).toBe(200);

    client = new Client({ name: 'vault-mcp-e2e', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${cp}/v1/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${login.body.token as string}` } },
      }),
    );
    const names = (await client.listTools()).tools.map((x) => x.name).sort();
    expect(names).toEqual([
      'gatehouse_get',
      'gatehouse_list',
      'gatehouse_patterns',
      'gatehouse_put',
      'gatehouse_scrub',
      'gatehouse_status',
    ]);

    const callTool = async (name: string, args: Record<string, unknown> = {}) => {
      const r = (await client!.callTool({ name, arguments: args })) as CallToolResult;
      return {
        isError: r.isError === true,
        body: JSON.parse(r.content.map((c) => (c.type === 'text' ? c.text : '')).join('')) as Record<string, any>,
      };
    };
    expect((await callTool('gatehouse_status')).body.identity).toBe('approle:mcp-agent');
    expect((await callTool('gatehouse_get', { path: 'app/openai' })).body.value).toBe(value);
    expect((await callTool('gatehouse_put', { path: 'app/new', value: 'written-by-the-agent-e2e' })).isError).toBe(false);
    expect((await callTool('gatehouse_scrub', { text: `key ${value}` })).body.scrubbed).toBe('key [REDACTED:vault:app/openai]');
    const denied = await callTool('gatehouse_get', { path: 'ops/db' });
    expect(denied).toMatchObject({ isError: true, body: { status: 403, required_capability: 'read', path: 'ops/db' } });

    // The worker appends each stamp to the agent's chain.
    const expected = [
      ['gatehouse_status', 'auth.whoami', null],
      ['gatehouse_get', 'secret.read', 'app/openai'],
      ['gatehouse_put', 'secret.write', 'app/new'],
      ['gatehouse_scrub', 'scrub', null],
      ['gatehouse_get', 'secret.read.denied', 'ops/db'],
    ];
    const chain = async (): Promise<ChainStamp[]> =>
      (await api('GET', `/v1/audit/agents/${agent.id}/stamps?limit=100&order=asc`, t.adminKey)).body.items as ChainStamp[];
    const viaMcp = (items: ChainStamp[]) => items.filter((s) => s.event.tool).map((s) => [s.event.tool, s.event.action, s.event.path]);
    await waitFor(async () => viaMcp(await chain()).length >= expected.length, 30_000, 'the MCP stamps on the chain');
    const items = await chain();
    expect(viaMcp(items)).toEqual(expected);
    expect(items.every((s) => !s.canonicalEvent.includes(value) && !s.canonicalEvent.includes('written-by-the-agent-e2e'))).toBe(true);
    const verdict = await api('GET', `/v1/audit/agents/${agent.id}/verify`, t.adminKey);
    expect(verdict.body).toMatchObject({ valid: true, length: items.length });

    // Kill switch: the open connection's next message is refused, with the reason.
    expect((await api('POST', `/api/v1/admin/agents/${agent.id}/disable`, t.adminKey)).status).toBe(200);
    await expect(client.callTool({ name: 'gatehouse_status', arguments: {} })).rejects.toMatchObject({
      code: 401,
      message: expect.stringContaining('disabled'),
    });
  }, 90_000);
});
