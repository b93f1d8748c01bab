/**
 * `/mcp/servers/:serverId[/*]`: agent runtimes reach the upstream MCP servers their tenant registered.
 * Pre-flight as on invoke (runtime auth → agent usable → server visible to the tenant → agent allowed
 * on it → rate limit → credentials → identity headers and session token), then:
 * - POST bodies are read (they are JSON-RPC, small) and vetted: a `tools/call` outside the allow-list
 *   is answered here (see mcp/jsonrpc.ts) and never reaches the upstream;
 * - `tools/list` results in the answer (JSON or SSE) are narrowed to the allow-list; everything else
 *   streams through; GET (the server's SSE stream) and DELETE (session end) pass through;
 * - `Mcp-Session-Id` and every other non-spoofable header pass both ways;
 * - one stamp per request, with each JSON-RPC method and tool name, never arguments.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { DomainError } from '@portcullis/domain';
import { HEADERS, type McpCallSummary, type RedisKeys } from '@portcullis/contracts';
import type { ProxyConfig } from '@portcullis/config';
import type { Principal } from '../auth/authenticate.js';
import { authenticateRuntime } from '../auth/runtime-auth.js';
import type { CompiledAgent, CompiledMcpServer, ConfigCache } from '../config-cache/config-cache.js';
import { BufferedBody, readWholeBody, type ResponseSink } from '../forward/forwarder.js';
import type { UndiciForwarder } from '../forward/undici-forwarder.js';
import { inspectRequest } from '../mcp/jsonrpc.js';
import { JsonToolsFilter, SseToolsFilter } from '../mcp/tools-filter.js';
import type { ProxyMetrics } from '../metrics.js';
import type { StampEmitter } from '../stamps/stamp-emitter.js';
import {
  DOT_SEGMENT,
  checkAgentUsable,
  checkContentLength,
  cleanHeaders,
  rateLimit,
  type RateLimitRedis,
  resolveCredentials,
  sessionSigner,
  setForwardedHeaders,
  setGatewayHeaders,
  type Inflight,
} from './preflight.js';
import { Exchange } from './exchange.js';

export const MCP_SERVER_ROUTE = /^\/mcp\/servers\/([0-9a-fA-F-]{36})(\/[^?]*)?(\?.*)?$/;

export interface McpServerRouteDeps {
  config: Readonly<ProxyConfig>;
  cache: ConfigCache;
  redis: RateLimitRedis;
  keys: RedisKeys;
  /** Always undici: the tools/list rewrite needs its response-filter hook. */
  forwarder: UndiciForwarder;
  stamps: StampEmitter;
  metrics: ProxyMetrics;
  logger: Logger;
  inflight: Inflight;
}

interface Prepared {
  agent: CompiledAgent;
  server: CompiledMcpServer;
  principal: Principal;
  path: string;
  headers: Record<string, string | string[]>;
}

export class McpServerRouteHandler {
  constructor(private readonly d: McpServerRouteDeps) {}

  async handle(req: IncomingMessage, res: ServerResponse, match: RegExpExecArray): Promise<void> {
    const x = new Exchange(req, res, this.d);
    const serverId = match[1]!.toLowerCase();
    const method = x.method;
    let prepared: Prepared | undefined;
    let mcp: McpCallSummary | undefined;
    try {
      prepared = await this.prepare(req, serverId, match[2] ?? '', match[3] ?? '', x.requestId);
      const { agent, server } = prepared;
      const allowed = server.allowedTools;
      let listsTools = method === 'GET';
      let refusal: string | null = null;
      x.hold(agent.snapshot.id);
      if (method === 'POST') {
        const raw = await readWholeBody(req, this.d.config.bodyLimitBytes);
        const inspection = inspectRequest(raw, allowed);
        mcp = { serverId, calls: inspection.calls };
        listsTools = inspection.listsTools;
        refusal = inspection.refusal;
        x.body = new BufferedBody(raw);
        prepared.headers['content-length'] = String(raw.length);
      } else if (method === 'GET' || method === 'DELETE') {
        req.resume();
      } else {
        req.resume();
        throw new DomainError('bad_request', `MCP over Streamable HTTP uses POST, GET and DELETE, not ${method}`);
      }
      if (refusal !== null) {
        x.status = this.refuse(res, x.sink, refusal, x.requestId);
      } else {
        const limit = this.d.config.bodyLimitBytes;
        await x.forward(this.d.forwarder, {
          origin: server.origin,
          path: prepared.path,
          headers: prepared.headers,
          responseFilter:
            allowed === null || !listsTools
              ? undefined
              : (code, headers) => {
                  if (code !== 200) return null;
                  // The filter reads the body: an encoded one cannot be vetted, so it is not passed on.
                  const encoding = String(headers['content-encoding'] ?? 'identity').toLowerCase();
                  if (encoding !== 'identity') throw new DomainError('upstream_failed', 'the MCP server answered with an encoded body');
                  const type = String(headers['content-type'] ?? '');
                  if (type.startsWith('text/event-stream')) return new SseToolsFilter(allowed, limit);
                  if (type.startsWith('application/json')) return new JsonToolsFilter(allowed, limit);
                  return null;
                },
        });
      }
    } catch (err) {
      x.fail(err);
    }
    const p = prepared;
    x.finish(
      'mcp-server',
      p && {
        agent: p.agent,
        principal: p.principal,
        path: `/mcp/servers/${serverId}${match[2] ?? ''}`,
        upstream: p.server.origin,
        extra: { mcp: mcp ?? { serverId, calls: [] } },
      },
    );
  }

  private async prepare(req: IncomingMessage, serverId: string, rest: string, query: string, requestId: string): Promise<Prepared> {
    if (DOT_SEGMENT.test(rest)) throw new DomainError('bad_request', 'path must not contain dot segments');
    const { cache, config } = this.d;
    const auth = await authenticateRuntime(req.headers, cache);
    const { principal } = auth;
    const agent = await checkAgentUsable(auth.agent, principal, cache);
    const server = await cache.mcpServer(serverId);
    if (!server || server.snapshot.tenantId !== principal.tenantId) throw new DomainError('not_found', 'MCP server not found');
    if (!server.snapshot.allAgents && !server.agentIds.has(agent.snapshot.id)) {
      throw new DomainError('forbidden', 'this agent may not use this MCP server');
    }
    checkContentLength(req, config.bodyLimitBytes);
    await rateLimit(this.d.redis, this.d.keys, agent);
    const credentials = await resolveCredentials(cache, config.controlPlanePublicUrl, server.snapshot.requiredCredentials, principal);
    const signer = await sessionSigner(cache);
    const headers = cleanHeaders(req);
    setGatewayHeaders(headers, {
      principal,
      agentId: agent.snapshot.id,
      requestId,
      credentials,
      signer,
      sessionTokenTtlSeconds: config.sessionTokenTtlSeconds,
      // Verifiable by the server (JWKS) but not a credential it could replay here as the agent.
      audience: `mcp-server:${serverId}`,
    });
    setForwardedHeaders(headers, req, config.trustProxy);
    // tools/list answers are read on the way back (allow-list), so ask for them unencoded.
    if (server.allowedTools !== null) headers['accept-encoding'] = 'identity';
    headers.host = server.upstream.host;
    const path = (server.basePath + rest || '/') + query;
    return { agent, server, principal, path, headers };
  }

  /** The JSON-RPC refusal, as a normal 200 answer (202 when the refused messages were all notifications). */
  private refuse(res: ServerResponse, sink: ResponseSink, refusal: string, requestId: string): number {
    const status = refusal ? 200 : 202;
    res.writeHead(status, { 'content-type': 'application/json', [HEADERS.gatewayRequestId]: requestId });
    const body = Buffer.from(refusal);
    sink.observe(body);
    res.end(body);
    return status;
  }
}
