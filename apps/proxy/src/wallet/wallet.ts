/**
 * The agent wallet: MCP on the proxy.
 *
 *   POST|GET|DELETE /mcp        Streamable HTTP. Sessions live in Redis (sessions.ts), the SDK transport
 *                               and McpServer are built per request, so any pod serves any request of a
 *                               session; only a GET stream (server → client notifications) stays where it
 *                               was opened.
 *   GET  /mcp/sse               the older SSE transport: the stream and its session live in this pod
 *   POST /mcp/messages?sessionId=…   its messages; they must reach the same pod (sticky routing)
 *
 * Every request authenticates (wallet-auth.ts) and must name a live session of the same agent (except
 * the initialize that opens one). A new session is stamped `authenticate`; every tool call is stamped
 * (tools.ts). The kill switch: `cutAgent` (called on the invalidation that disables or deletes the agent)
 * closes the agent's open streams and in-flight calls on this pod and ends its sessions in Redis (their
 * locks released); a sweep re-confirms every agent with open streams here and cuts it when its state is
 * disabled or cannot be confirmed (fail closed).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { DomainError } from '@portcullis/domain';
import { HEADERS, type WalletSession, type WalletStampEvent } from '@portcullis/contracts';
import type { ConfigCache } from '../config-cache/config-cache.js';
import { readWholeBody } from '../forward/forwarder.js';
import type { ProxyMetrics } from '../metrics.js';
import { sendError } from '../routes/invoke.js';
import type { StampEmitter } from '../stamps/stamp-emitter.js';
import { createWalletServer, instrument, type CallNotes, type StampDetails, type WalletDeps } from './tools.js';
import { authenticateWallet, checkStanding, type WalletPrincipal } from './wallet-auth.js';
import type { WalletSessions } from './sessions.js';

export const WALLET_PATHS = new Set(['/mcp', '/mcp/sse', '/mcp/messages']);
const SSE_MESSAGES_PATH = '/mcp/messages';
const BODY_LIMIT = 4 * 1024 * 1024;

export interface WalletHandlerOptions {
  deps: Omit<WalletDeps, 'notify'>;
  sessions: WalletSessions;
  cache: ConfigCache;
  stamps: StampEmitter;
  metrics: ProxyMetrics;
  logger: Logger;
  /** How often agents with open streams on this pod are re-confirmed (fail closed). */
  sweepMs: number;
}

/** Something open on this pod for an agent: an in-flight call, a GET stream, or an SSE connection. */
interface Open {
  agentId: string;
  sessionId: string;
  close(): void;
  /** a server that can push notifications to the client (GET streams and SSE connections) */
  server?: McpServer;
}

export class WalletHandler {
  private readonly open = new Map<string, Set<Open>>();
  private readonly sse = new Map<string, { transport: SSEServerTransport; session: WalletSession }>();
  private readonly deps: WalletDeps;
  private readonly sweep: NodeJS.Timeout;

  constructor(private readonly o: WalletHandlerOptions) {
    this.deps = { ...o.deps, notify: (ids, data) => this.notify(ids, data) };
    this.sweep = setInterval(() => void this.reconfirm(), o.sweepMs);
    this.sweep.unref();
  }

  handle(req: IncomingMessage, res: ServerResponse, path: string): void {
    const requestId = randomUUID();
    res.setHeader(HEADERS.gatewayRequestId, requestId);
    this.route(req, res, path).then(
      (status) => this.o.metrics.request('mcp', status),
      (err: unknown) => this.o.metrics.request('mcp', sendError(res, err, requestId, this.o.logger)),
    );
  }

  private async route(req: IncomingMessage, res: ServerResponse, path: string): Promise<number> {
    const method = req.method ?? 'GET';
    if (path === '/mcp/sse') {
      if (method !== 'GET')
        throw new DomainError('bad_request', 'GET /mcp/sse opens an SSE session; messages go to the endpoint it announces');
      return this.openSse(req, res);
    }
    if (path === SSE_MESSAGES_PATH) {
      if (method !== 'POST') throw new DomainError('bad_request', 'POST messages here, with the sessionId /mcp/sse announced');
      return this.sseMessage(req, res);
    }
    if (method === 'POST') return this.post(req, res);
    if (method === 'GET') return this.get(req, res);
    if (method === 'DELETE') return this.delete(req, res);
    res.writeHead(405, { allow: 'GET, POST, DELETE' }).end();
    return 405;
  }

  /* ---------------- Streamable HTTP ---------------- */

  private async post(req: IncomingMessage, res: ServerResponse): Promise<number> {
    const principal = await authenticateWallet(req.headers, this.o.cache);
    const body = await readJson(req);
    const sessionId = header(req, 'mcp-session-id');
    let session: WalletSession;
    if (sessionId === undefined) {
      if (!isInitializeRequest(body)) throw new DomainError('bad_request', 'no Mcp-Session-Id: start with an initialize request');
      session = await this.o.sessions.create(principal, 'streamable_http');
      this.stampSession(session);
      res.setHeader('mcp-session-id', session.id);
    } else {
      session = await this.session(sessionId, principal);
    }
    await this.serve(req, res, principal, session, body, false);
    return res.statusCode;
  }

  /** The standalone stream: notifications (request_sync deliveries) reach the client here. */
  private async get(req: IncomingMessage, res: ServerResponse): Promise<number> {
    const principal = await authenticateWallet(req.headers, this.o.cache);
    const sessionId = header(req, 'mcp-session-id');
    if (sessionId === undefined) throw new DomainError('bad_request', 'GET /mcp needs the Mcp-Session-Id of an initialized session');
    const session = await this.session(sessionId, principal);
    res.setHeader('mcp-session-id', session.id);
    await this.serve(req, res, principal, session, undefined, true);
    return 200;
  }

  private async delete(req: IncomingMessage, res: ServerResponse): Promise<number> {
    const principal = await authenticateWallet(req.headers, this.o.cache);
    const sessionId = header(req, 'mcp-session-id');
    if (sessionId === undefined) throw new DomainError('bad_request', 'DELETE /mcp needs the Mcp-Session-Id to end');
    const session = await this.session(sessionId, principal);
    await this.o.sessions.end(session.id, session.agentId);
    this.closeLocal(session.agentId, session.id);
    res.writeHead(200).end();
    return 200;
  }

  private async serve(
    req: IncomingMessage,
    res: ServerResponse,
    principal: WalletPrincipal,
    session: WalletSession,
    body: unknown,
    stream: boolean,
  ): Promise<void> {
    const notes: CallNotes = new Map();
    const server = createWalletServer({ session, agent: principal.agent }, this.deps, notes);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    await server.connect(transport);
    instrument(transport, notes, (call) => this.stampCall(session, call));
    const entry: Open = { agentId: session.agentId, sessionId: session.id, close: () => res.destroy(), ...(stream ? { server } : {}) };
    this.track(entry);
    res.once('close', () => {
      this.untrack(entry);
      void server.close().catch(() => undefined);
    });
    await transport.handleRequest(req, res, body);
  }

  /** The live session named by the request, which must belong to the authenticated agent (else 404). */
  private async session(id: string, p: WalletPrincipal): Promise<WalletSession> {
    const session = await this.o.sessions.get(id);
    if (!session || session.agentId !== p.agent.snapshot.id || session.transport !== 'streamable_http') {
      throw new DomainError('not_found', 'MCP session not found (ended, expired, or cut by the kill switch): initialize a new one');
    }
    if (p.user && p.user.id !== session.userId) throw new DomainError('forbidden', 'this session acts for another end user');
    await this.o.sessions.touch(session);
    return session;
  }

  /* ---------------- SSE (pod-bound) ---------------- */

  private async openSse(req: IncomingMessage, res: ServerResponse): Promise<number> {
    const principal = await authenticateWallet(req.headers, this.o.cache);
    const transport = new SSEServerTransport(SSE_MESSAGES_PATH, res);
    const session = await this.o.sessions.create(principal, 'sse', transport.sessionId);
    const notes: CallNotes = new Map();
    const server = createWalletServer({ session, agent: principal.agent }, this.deps, notes);
    const entry: Open = { agentId: session.agentId, sessionId: session.id, close: () => void transport.close(), server };
    this.sse.set(session.id, { transport, session });
    this.track(entry);
    // The SSE stream is the session: when it closes, for whatever reason, the session ends.
    res.once('close', () => {
      this.sse.delete(session.id);
      this.untrack(entry);
      void server.close().catch(() => undefined);
      this.o.sessions
        .end(session.id, session.agentId)
        .catch((err: Error) => this.o.logger.warn({ err: err.message }, 'ending an SSE wallet session failed'));
    });
    await server.connect(transport);
    instrument(transport, notes, (call) => this.stampCall(session, call));
    this.stampSession(session);
    return 200;
  }

  private async sseMessage(req: IncomingMessage, res: ServerResponse): Promise<number> {
    const principal = await authenticateWallet(req.headers, this.o.cache);
    const id = new URL(req.url ?? '/', 'http://x').searchParams.get('sessionId') ?? '';
    const open = this.sse.get(id);
    if (!open || open.session.agentId !== principal.agent.snapshot.id) {
      const elsewhere = open === undefined && id !== '' && (await this.o.sessions.get(id))?.agentId === principal.agent.snapshot.id;
      throw new DomainError(
        'not_found',
        elsewhere
          ? 'this SSE session is held by another gateway pod: SSE needs sticky routing (or use Streamable HTTP at /mcp)'
          : 'SSE session not found (closed, or cut by the kill switch): open a new one at GET /mcp/sse',
      );
    }
    if (principal.user && principal.user.id !== open.session.userId)
      throw new DomainError('forbidden', 'this session acts for another end user');
    await this.o.sessions.touch(open.session);
    const body = await readJson(req);
    const entry: Open = { agentId: open.session.agentId, sessionId: id, close: () => res.destroy() };
    this.track(entry);
    res.once('close', () => this.untrack(entry));
    await open.transport.handlePostMessage(req, res, body);
    return res.statusCode;
  }

  /* ---------------- kill switch, notifications, stamps ---------------- */

  /** The agent was disabled or deleted: cut everything it has open here and end its sessions everywhere. */
  cutAgent(agentId: string): void {
    const open = this.open.get(agentId);
    if (open?.size) this.o.logger.info({ agentId, cut: open.size }, 'agent stopped: closing its wallet sessions');
    for (const o of open ?? []) o.close();
    this.open.delete(agentId);
    this.o.sessions
      .endAgent(agentId)
      .catch((err: Error) => this.o.logger.warn({ agentId, err: err.message }, 'ending wallet sessions failed'));
  }

  /**
   * Re-confirms every agent with something open here and cuts those disabled or unconfirmable; keeps
   * the sessions of open streams alive (an SSE session lasts as long as its stream).
   */
  private async reconfirm(): Promise<void> {
    const live = new Map<string, WalletSession>();
    for (const { session } of this.sse.values()) live.set(session.id, session);
    await Promise.all([...live.values()].map((s) => this.o.sessions.touch(s).catch(() => undefined)));
    for (const agentId of [...this.open.keys()]) {
      try {
        const agent = await this.o.cache.agent(agentId);
        if (!agent) throw new DomainError('forbidden', 'agent deleted');
        await checkStanding(agent, this.o.cache);
      } catch {
        this.cutAgent(agentId);
      }
    }
  }

  private notify(agentIds: readonly string[], data: Record<string, unknown>): void {
    for (const agentId of agentIds) {
      for (const o of this.open.get(agentId) ?? []) {
        o.server?.sendLoggingMessage({ level: 'notice', logger: 'portcullis.workroom', data }).catch(() => undefined);
      }
    }
  }

  private closeLocal(agentId: string, sessionId: string): void {
    for (const o of this.open.get(agentId) ?? []) if (o.sessionId === sessionId) o.close();
  }

  private track(o: Open): void {
    let set = this.open.get(o.agentId);
    if (!set) this.open.set(o.agentId, (set = new Set()));
    set.add(o);
  }

  private untrack(o: Open): void {
    const set = this.open.get(o.agentId);
    if (!set) return;
    set.delete(o);
    if (!set.size) this.open.delete(o.agentId);
  }

  private stampSession(session: WalletSession): void {
    this.emit(session, {
      requestId: randomUUID(),
      action: 'authenticate',
      tool: null,
      outcome: 'ok',
      error: null,
      startedAt: new Date(session.createdAt),
      durationMs: 0,
      details: { transport: session.transport },
    });
  }

  private stampCall(
    session: WalletSession,
    c: {
      tool: string;
      requestId: string;
      outcome: 'ok' | 'error';
      error: string | null;
      details: StampDetails | null;
      startedAt: Date;
      durationMs: number;
    },
  ): void {
    this.emit(session, { ...c, action: 'tool_call' });
  }

  private emit(
    s: WalletSession,
    e: Pick<WalletStampEvent, 'requestId' | 'action' | 'tool' | 'outcome' | 'error' | 'durationMs' | 'details'> & { startedAt: Date },
  ): void {
    this.o.stamps.emit({
      type: 'mcp',
      server: 'wallet',
      requestId: e.requestId,
      tenantId: s.tenantId,
      agentId: s.agentId,
      userId: s.userId,
      authKind: s.authKind,
      sessionId: s.id,
      transport: s.transport,
      action: e.action,
      tool: e.tool,
      outcome: e.outcome,
      error: e.error,
      startedAt: e.startedAt.toISOString(),
      durationMs: e.durationMs,
      details: e.details,
    });
  }

  close(): void {
    clearInterval(this.sweep);
    for (const set of this.open.values()) for (const o of set) o.close();
    this.open.clear();
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' && v.length ? v : undefined;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readWholeBody(req, BODY_LIMIT, `an MCP message may be at most ${BODY_LIMIT} bytes`);
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new DomainError('bad_request', 'the body is not JSON (MCP messages are JSON-RPC)');
  }
}
