/**
 * `/api/v1/agents/:id/invoke[/*]`: the pre-flight (auth → agent → rate limit → credentials → headers →
 * session token), then the streamed forward, then one stamp event. Per-agent work (URL parsing,
 * opening the upstream secret) happens once per config version in the cache, not here.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { DomainError, httpStatusOf } from '@portcullis/domain';
import type { RedisKeys } from '@portcullis/contracts';
import type { ProxyConfig } from '@portcullis/config';
import { authenticate, type Principal } from '../auth/authenticate.js';
import type { UserJwtVerifier } from '@portcullis/domain';
import type { CompiledAgent, ConfigCache } from '../config-cache/config-cache.js';
import type { Forwarder } from '../forward/forwarder.js';
import type { HttpProxyForwarder } from '../forward/http-proxy-forwarder.js';
import type { ProxyMetrics } from '../metrics.js';
import type { StampEmitter } from '../stamps/stamp-emitter.js';
import { Exchange } from './exchange.js';
import {
  DOT_SEGMENT,
  checkAgentUsable,
  checkContentLength,
  cleanHeaders,
  rateLimit,
  type RateLimitRedis,
  resolveCredentials,
  sendError,
  sessionSigner,
  setForwardedHeaders,
  setGatewayHeaders,
  track,
  untrack,
} from './preflight.js';

export { sendError };

export const INVOKE_ROUTE = /^\/api\/v1\/agents\/([0-9a-fA-F-]{36})\/invoke(\/[^?]*)?(\?.*)?$/;

export interface InvokeDeps {
  config: Readonly<ProxyConfig>;
  cache: ConfigCache;
  jwt: UserJwtVerifier;
  redis: RateLimitRedis;
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

export class InvokeHandler {
  constructor(private readonly d: InvokeDeps) {}

  async handle(req: IncomingMessage, res: ServerResponse, match: RegExpExecArray): Promise<void> {
    const x = new Exchange(req, res, this.d);
    const agentId = match[1]!.toLowerCase();
    let prepared: Prepared | undefined;
    try {
      prepared = await this.prepare(req, agentId, match[2] ?? '', match[3] ?? '', x.requestId);
      await x.admit(agentId, this.d.config.bodyLimitBytes);
      const { agent, path, headers } = prepared;
      await x.forward(this.d.forwarder, { origin: agent.origin, path, headers });
    } catch (err) {
      x.fail(err);
    }
    const p = prepared;
    x.finish('invoke', p ? { agent: p.agent, principal: p.principal, path: p.path.split('?', 1)[0]!, upstream: p.agent.origin } : null);
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
      track(this.d.inflight, agentId, socket);
      socket.once('close', () => untrack(this.d.inflight, agentId, socket));
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
    const { cache, config } = this.d;
    const { principal, agent: authAgent } = await authenticate(req.headers, agentId, cache, this.d.jwt);
    const agent = await checkAgentUsable(authAgent ?? (await cache.agent(agentId)), principal, cache);
    checkContentLength(req, config.bodyLimitBytes);
    await rateLimit(this.d.redis, this.d.keys, agent);
    const credentials = await resolveCredentials(cache, config.controlPlanePublicUrl, agent.snapshot.requiredCredentials, principal);
    const signer = await sessionSigner(cache);
    const headers = cleanHeaders(req);
    setGatewayHeaders(headers, {
      principal,
      agentId,
      requestId,
      credentials,
      signer,
      sessionTokenTtlSeconds: config.sessionTokenTtlSeconds,
    });
    if (agent.upstreamAuthorization) headers.authorization = agent.upstreamAuthorization;
    setForwardedHeaders(headers, req, config.trustProxy);
    headers.host = agent.upstream.host;
    const path = (agent.basePath + rest || '/') + query;
    return { agent, principal, path, headers };
  }
}
