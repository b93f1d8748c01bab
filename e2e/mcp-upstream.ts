/**
 * A small real MCP server for the MCP-routing specs: the SDK's McpServer behind its
 * StreamableHTTPServerTransport on node:http, stateful (one transport per Mcp-Session-Id). It serves
 * `/sse` (answers as text/event-stream) and `/json` (answers as application/json), and records every
 * HTTP request it received (method, path, headers) and every tool it ran, with its arguments.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

export interface McpUpstream {
  url: string;
  requests: { method: string; path: string; headers: IncomingHttpHeaders }[];
  toolCalls: { tool: string; args: Record<string, unknown>; headers: IncomingHttpHeaders }[];
  /** Session ids the server handed out, and those a client ended with DELETE. */
  sessions: string[];
  closedSessions: string[];
  close(): Promise<void>;
}

export const UPSTREAM_TOOLS = ['search_issues', 'get_issue', 'delete_repo'] as const;

export async function startMcpUpstream(): Promise<McpUpstream> {
  const requests: McpUpstream['requests'] = [];
  const toolCalls: McpUpstream['toolCalls'] = [];
  const sessions: string[] = [];
  const closedSessions: string[] = [];
  const transports = new Map<string, StreamableHTTPServerTransport>();

  const newSession = async (json: boolean): Promise<StreamableHTTPServerTransport> => {
    const mcp = new McpServer({ name: 'test-upstream', version: '1.0.0' });
    for (const tool of UPSTREAM_TOOLS) {
      mcp.registerTool(tool, { description: `the ${tool} tool`, inputSchema: { query: z.string() } }, ({ query }, extra) => {
        const headers = extra.requestInfo?.headers ?? {};
        toolCalls.push({ tool, args: { query }, headers });
        return { content: [{ type: 'text', text: `${tool} ran for ${query}` }] };
      });
    }
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: json,
      onsessioninitialized: (id) => {
        sessions.push(id);
        transports.set(id, transport);
      },
      onsessionclosed: (id) => {
        closedSessions.push(id);
        transports.delete(id);
      },
    });
    await mcp.connect(transport);
    return transport;
  };

  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== '/sse' && path !== '/json') {
      res.writeHead(404).end();
      return;
    }
    const id = req.headers['mcp-session-id'];
    const existing = typeof id === 'string' ? transports.get(id) : undefined;
    const pick = existing ? Promise.resolve(existing) : newSession(path === '/json');
    pick
      .then((t) => t.handleRequest(req, res))
      .catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    toolCalls,
    sessions,
    closedSessions,
    close: async () => {
      await Promise.all([...transports.values()].map((t) => t.close()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
