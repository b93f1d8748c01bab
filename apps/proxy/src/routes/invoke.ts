/**
 * `/api/v1/agents/:id/invoke[/*]`: the pre-flight (auth → agent → rate limit → credentials → headers →
 * session token), then the streamed forward, then one stamp event. Per-agent work (URL parsing,
 * opening the upstream secret) happens once per config version in the cache, not here.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DomainError, httpStatusOf } from '@portcullis/domain';
import { CONNECT_PATH, HEADERS, type RedisKeys, type RequestStampEvent } from '@portcullis/contracts';
import type { ProxyConfig } from '@portcullis/config';
import { authenticate, type Principal } from '../auth/authenticate.js';
import { mintSessionToken } from '../auth/session-token.js';
import type { UserJwtVerifier } from '@portcullis/domain';
import type { CompiledAgent, ConfigCache } from '../config-cache/config-cache.js';
import { HOP_BY_HOP, RequestBody, ResponseSink, type Forwarder } from '../forward/forwarder.js';
import type { HttpProxyForwarder } from '../forward/http-proxy-forwarder.js';
import type { ProxyMetrics } from '../metrics.js';
import type { StampEmitter } from '../stamps/stamp-emitter.js';

export const INVOKE_ROUTE = /^\/api\/v1\/agents\/([0-9a-fA-F-]{36})\/invoke(\/[^?]*)?(\?.*)?$/;
const DOT_SEGMENT = /(^|\/)(\.|%2e){1,2}(\/|$)/i;
/** Incoming headers a caller could use to impersonate someone; the gateway alone sets these. */
const SPOOFABLE_PREFIXES = ['x-credential-', 'x-end-user-', 'x-gateway-', 'x-forwarded-'];
const SPOOFABLE = new Set([
  HEADERS.userId,
  HEADERS.tenantId,
  HEADERS.apiKey,
  HEADERS.agentId,
  'authorization',
  'forwarded',
  'x-real-ip',
  'cookie',
]);

export interface InvokeDeps {
  config: Readonly<ProxyConfig>;
  cache: ConfigCache;
  jwt: UserJwtVerifier;
  redis: Redis;
  keys: RedisKeys;
  forwarder: Forwarder;
  ws: HttpProxyForwarder;
  stamps: StampEmitter;
  metrics: ProxyMetrics;
  logger: Logger;
  /** Open responses per agent, destroyed when the agent is disabled or deleted. */
  inflight: Map<string, Set<ServerResponse | Duplex>>;
}

interface Prepared {
  agent: CompiledAgent;
  principal: Principal;
  path: string;
  headers: Record<string, string | string[]>;
}

export function sendError(res: ServerResponse, err: unknown, requestId: string, logger: Logger): number {
  const e = err instanceof DomainError ? err : new DomainError('internal', 'internal error');
  if (!(err instanceof DomainError)) logger.error({ err: (err as Error).message, requestId }, 'unexpected error');
  const status = httpStatusOf(e.code);
  if (res.headersSent) {
    res.destroy();
    return status;
  }
  const headers: Record<string, string> = { 'content-type': 'application/json', [HEADERS.gatewayRequestId]: requestId };
  const retryAfter = e.details?.retryAfter;
  if (typeof retryAfter === 'number') headers['retry-after'] = String(retryAfter);
  const { retryAfter: _omit, ...details } = e.details ?? {};
  res.writeHead(status, headers);
  res.end(JSON.stringify({ error: e.message, request_id: requestId, ...details }));
  return status;
}

export class InvokeHandler {
  constructor(private readonly d: InvokeDeps) {}

  async handle(req: IncomingMessage, res: ServerResponse, match: RegExpExecArray): Promise<void> {
    const started = performance.now();
    const startedAt = new Date();
    const requestId = randomUUID();
    const agentId = match[1]!.toLowerCase();
    let status = 0;
    let prepared: Prepared | undefined;
    let body: RequestBody | null = null;
    const sink = new ResponseSink(res);
    let upstreamMs: number | null = null;
    const abort = new AbortController();
    // Client gone (or cut by the kill switch) before the response finished: abort the upstream call.
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    try {
      prepared = await this.prepare(req, agentId, match[2] ?? '', match[3] ?? '', requestId);
      if (abort.signal.aborted) throw new DomainError('bad_request', 'client went away');
      body = this.requestBody(req);
      const { agent } = prepared;
      this.track(agentId, res);
      const result = await this.d.forwarder.forward({
        origin: agent.origin,
        method: req.method ?? 'GET',
        path: prepared.path,
        headers: prepared.headers,
        body,
        responseHeaders: { [HEADERS.gatewayRequestId]: requestId },
        res,
        sink,
        signal: abort.signal,
      });
      status = result.status;
      upstreamMs = result.upstreamMs;
      this.d.metrics.upstreamLatency.observe(upstreamMs / 1000);
    } catch (err) {
      status = res.headersSent
        ? status || 502
        : sendError(res, abort.signal.aborted ? new DomainError('upstream_failed', 'request cut') : err, requestId, this.d.logger);
      if (abort.signal.aborted || res.destroyed) status = status || 499;
    } finally {
      this.untrack(agentId, res);
    }
    const durationMs = performance.now() - started;
    this.d.metrics.requests.inc({ route: 'invoke', status });
    this.d.metrics.latency.observe({ route: 'invoke' }, durationMs / 1000);
    if (prepared) {
      const event: RequestStampEvent = {
        type: 'request',
        requestId,
        tenantId: prepared.agent.snapshot.tenantId,
        agentId,
        userId: prepared.principal.user?.id ?? null,
        authKind: prepared.principal.kind,
        method: req.method ?? 'GET',
        path: prepared.path.split('?', 1)[0]!,
        status,
        bytesIn: body?.bytes ?? 0,
        bytesOut: sink.bytes,
        startedAt: startedAt.toISOString(),
        durationMs: Math.round(durationMs * 1000) / 1000,
        upstreamMs: upstreamMs === null ? null : Math.round(upstreamMs * 1000) / 1000,
        upstream: prepared.agent.origin,
        requestDigest: body?.digest() ?? null,
        responseDigest: sink.digest(),
      };
      this.d.stamps.emit(event);
    }
  }

  /** WebSocket upgrade: the same pre-flight, then http-proxy's ws forwarding. */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, match: RegExpExecArray): Promise<void> {
    const requestId = randomUUID();
    const agentId = match[1]!.toLowerCase();
    try {
      const p = await this.prepare(req, agentId, match[2] ?? '', match[3] ?? '', requestId);
      p.headers.connection = 'Upgrade';
      p.headers.upgrade = req.headers.upgrade ?? 'websocket';
      req.url = p.path;
      req.headers = p.headers;
      this.track(agentId, socket);
      socket.once('close', () => this.untrack(agentId, socket));
      this.d.ws.ws(req, socket, head, p.agent.origin, () => socket.destroy());
    } catch (err) {
      const e = err instanceof DomainError ? err : new DomainError('internal', 'internal error');
      const status = httpStatusOf(e.code);
      const text = JSON.stringify({ error: e.message, request_id: requestId });
      socket.end(
        `HTTP/1.1 ${status} Error\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
      );
    }
  }

  private async prepare(req: IncomingMessage, agentId: string, rest: string, query: string, requestId: string): Promise<Prepared> {
    if (DOT_SEGMENT.test(rest)) throw new DomainError('bad_request', 'path must not contain dot segments');
    const { principal, agent: authAgent } = await authenticate(req.headers, agentId, this.d.cache, this.d.jwt);
    const agent = authAgent ?? (await this.d.cache.agent(agentId));
    if (!agent || agent.snapshot.tenantId !== principal.tenantId) throw new DomainError('not_found', 'agent not found');
    if (agent.snapshot.status !== 'active') throw new DomainError('forbidden', 'agent is disabled');
    const tenant = await this.d.cache.tenant(principal.tenantId);
    if (tenant?.status === 'suspended') throw new DomainError('forbidden', 'tenant is suspended');
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > this.d.config.bodyLimitBytes)
      throw new DomainError('payload_too_large', `request body exceeds ${this.d.config.bodyLimitBytes} bytes`);
    if (agent.snapshot.rateLimit) await this.rateLimit(agent);
    const credentials = await this.credentials(agent, principal);
    const signer = await this.d.cache.sessionKeys();
    if (!signer) throw new DomainError('unavailable', 'session signing key not yet available');
    const user = principal.user;
    const headers = this.cleanHeaders(req);
    headers[HEADERS.tenantId] = principal.tenantId;
    headers[HEADERS.gatewayAgentId] = agentId;
    headers[HEADERS.gatewayRequestId] = requestId;
    if (user) {
      headers[HEADERS.userId] = user.id;
      headers[HEADERS.endUserId] = user.id;
      if (user.email) headers[HEADERS.endUserEmail] = user.email;
      headers[HEADERS.endUserRoles] = user.roles.join(',');
    }
    for (const [serviceType, value] of credentials) headers[HEADERS.credentialPrefix + serviceType] = value;
    if (agent.upstreamAuthorization) headers.authorization = agent.upstreamAuthorization;
    headers[HEADERS.gatewaySessionToken] = mintSessionToken(
      signer.signer,
      {
        tenantId: principal.tenantId,
        agentId,
        userId: user?.id ?? null,
        email: user?.email ?? null,
        roles: user?.roles ?? [],
        authKind: principal.kind,
        requestId,
      },
      this.d.config.sessionTokenTtlSeconds,
    );
    const prior = req.headers['x-forwarded-for'];
    const client = req.socket.remoteAddress ?? '';
    headers['x-forwarded-for'] = this.d.config.trustProxy && typeof prior === 'string' ? `${prior}, ${client}` : client;
    headers['x-forwarded-proto'] = 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
    headers.host = agent.upstream.host;
    const path = (agent.basePath + rest || '/') + query;
    return { agent, principal, path, headers };
  }

  /** Incoming headers minus hop-by-hop ones and anything a caller could spoof. */
  private cleanHeaders(req: IncomingMessage): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    const connection = req.headers.connection;
    const named = connection
      ? connection
          .toLowerCase()
          .split(',')
          .map((s) => s.trim())
      : [];
    for (const name in req.headers) {
      if (HOP_BY_HOP.has(name) || SPOOFABLE.has(name) || named.includes(name)) continue;
      if (SPOOFABLE_PREFIXES.some((p) => name.startsWith(p))) continue;
      out[name] = req.headers[name]!;
    }
    return out;
  }

  /** Each required service's credential: the end user's own, else the tenant's; any missing → 401. */
  private async credentials(agent: CompiledAgent, principal: Principal): Promise<[string, string][]> {
    const required = agent.snapshot.requiredCredentials;
    if (!required.length) return [];
    const userId = principal.user?.id ?? null;
    const values = await Promise.all(
      required.map(async ({ serviceType }) => {
        const own = userId === null ? null : await this.d.cache.credential(principal.tenantId, userId, serviceType);
        return own ?? (await this.d.cache.credential(principal.tenantId, null, serviceType));
      }),
    );
    const missing = required.filter((_, i) => values[i] === null);
    if (missing.length) {
      const base = this.d.config.controlPlanePublicUrl;
      throw new DomainError('unauthenticated', 'credentials required', {
        missing: missing.map(({ serviceType }) => ({
          serviceType,
          authUrl: `${base}${CONNECT_PATH}/${serviceType}?tenant=${principal.tenantId}`,
        })),
      });
    }
    return required.map(({ serviceType }, i) => [serviceType, values[i]!]);
  }

  /** Fixed-window counter in Redis, shared by every pod; only agents with a limit pay for it. */
  private async rateLimit(agent: CompiledAgent): Promise<void> {
    const { requests, windowSeconds } = agent.snapshot.rateLimit!;
    const windowMs = windowSeconds * 1000;
    const now = Date.now();
    const window = Math.floor(now / windowMs);
    const key = this.d.keys.rateLimit(agent.snapshot.id, window);
    let count: number;
    try {
      const results = await this.d.redis
        .multi()
        .incr(key)
        .pexpire(key, windowMs + 1000)
        .exec();
      count = Number(results?.[0]?.[1] ?? 0);
    } catch {
      throw new DomainError('unavailable', 'rate limit cannot be checked; try again shortly');
    }
    if (count > requests) {
      throw new DomainError('rate_limited', 'rate limit exceeded', {
        retryAfter: Math.max(1, Math.ceil(((window + 1) * windowMs - now) / 1000)),
      });
    }
  }

  private requestBody(req: IncomingMessage): RequestBody | null {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (!hasBody) {
      req.resume();
      return null;
    }
    const body = new RequestBody(this.d.config.bodyLimitBytes);
    req.pipe(body);
    req.once('error', (err) => body.destroy(err));
    return body;
  }

  private track(agentId: string, res: ServerResponse | Duplex): void {
    let set = this.d.inflight.get(agentId);
    if (!set) this.d.inflight.set(agentId, (set = new Set()));
    set.add(res);
  }

  private untrack(agentId: string, res: ServerResponse | Duplex): void {
    const set = this.d.inflight.get(agentId);
    if (!set) return;
    set.delete(res);
    if (!set.size) this.d.inflight.delete(agentId);
  }
}
