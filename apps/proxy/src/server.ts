/**
 * The data-plane process: a plain node:http server over Redis (config, invalidations, rate limits,
 * stamp queue). No Postgres, no DI container; everything per-request lives in routes/ (invoke, the LLM
 * provider routes, MCP routing) and wallet/.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DomainError, parseKey } from '@portcullis/domain';
import { JWKS_PATH, redisKeys, walletKeys } from '@portcullis/contracts';
import type { ProxyConfig } from '@portcullis/config';
import { createUserJwtVerifier } from './auth/user-jwt.js';
import { ConfigCache } from './config-cache/config-cache.js';
import { HttpProxyForwarder } from './forward/http-proxy-forwarder.js';
import { UndiciForwarder } from './forward/undici-forwarder.js';
import { createMetrics } from './metrics.js';
import { BudgetCounter } from './llm/budgets.js';
import { INVOKE_ROUTE, InvokeHandler, sendError } from './routes/invoke.js';
import { LlmHandler, matchLlmRoute } from './routes/llm.js';
import { MCP_SERVER_ROUTE, McpServerRouteHandler } from './routes/mcp-servers.js';
import { withRateLimitScript } from './routes/preflight.js';
import { StampEmitter } from './stamps/stamp-emitter.js';
import { ControlPlaneClient } from './wallet/control-plane-client.js';
import { WalletLocks } from './wallet/locks.js';
import { WalletSessions } from './wallet/sessions.js';
import { WALLET_PATHS, WalletHandler } from './wallet/wallet.js';

/** How long a shutting-down proxy lets in-flight requests finish before cutting them. */
const SHUTDOWN_GRACE_MS = 10_000;

export interface ProxyApp {
  server: Server;
  cache: ConfigCache;
  stamps: StampEmitter;
  close(): Promise<void>;
}

export function createProxy(config: Readonly<ProxyConfig>, logger: Logger): ProxyApp {
  const keys = redisKeys(config.redisPrefix);
  // Fail fast while Redis is away (no offline queue): the cache then serves what it may until the
  // staleness bound, and stamps go to the spool, instead of requests hanging on a queued command.
  const redisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 1000,
    retryStrategy: (n: number) => Math.min(50 * n, 1000),
  };
  const redis = withRateLimitScript(new Redis(config.redisUrl, redisOptions));
  const subscriber = new Redis(config.redisUrl, { ...redisOptions, commandTimeout: undefined, enableOfflineQueue: true });
  const queueConnection = new Redis(config.redisUrl, { ...redisOptions, commandTimeout: 5000, maxRetriesPerRequest: null });
  for (const c of [redis, subscriber, queueConnection]) c.on('error', () => undefined); // status drives behaviour; errors are expected while Redis is away
  const metrics = createMetrics();
  const inflight = new Map<string, Set<ServerResponse | Duplex>>();
  const cache = new ConfigCache({
    redis,
    subscriber,
    keys,
    dataPlaneKey: parseKey(config.dataPlaneKey),
    ttlMs: config.cacheTtlMs,
    stalenessBoundMs: config.stalenessBoundMs,
    controlPlaneUrl: config.controlPlaneUrl,
    internalToken: config.internalToken,
    logger,
    stats: metrics,
    onAgentStopped: (agentId) => {
      wallet.cutAgent(agentId);
      const open = inflight.get(agentId);
      if (!open) return;
      logger.info({ agentId, cut: open.size }, 'agent stopped: cutting its open streams');
      for (const r of open) r.destroy();
      inflight.delete(agentId);
    },
  });
  const stamps = new StampEmitter({
    connection: queueConnection,
    redisPrefix: config.redisPrefix,
    spoolPath: config.stampSpoolPath,
    batchSize: config.stampBatchSize,
    flushMs: config.stampFlushMs,
    logger,
    metrics,
  });
  const pool = {
    connections: config.upstreamConnections,
    connectTimeoutMs: config.upstreamConnectTimeoutMs,
    idleTimeoutMs: config.upstreamIdleTimeoutMs,
  };
  const ws = new HttpProxyForwarder(pool);
  const forwarder = config.forwarder === 'undici' ? new UndiciForwarder(pool) : ws;
  const invokeJwt = createUserJwtVerifier();
  const invoke = new InvokeHandler({
    config,
    cache,
    jwt: invokeJwt,
    redis,
    keys,
    forwarder,
    ws,
    stamps,
    metrics,
    logger,
    inflight,
  });

  const wKeys = walletKeys(config.redisPrefix);
  // A session may idle 30 minutes; its lock list outlives that by the longest lock TTL.
  const locks = new WalletLocks(redis, wKeys, (30 + 60) * 60_000);
  const sessions = new WalletSessions(redis, wKeys, locks, 30 * 60_000);
  const wallet = new WalletHandler({
    deps: {
      cp: new ControlPlaneClient(config.controlPlaneUrl, config.internalToken),
      cache,
      locks,
      sessions,
      stamps,
      sessionTokenTtlSeconds: config.sessionTokenTtlSeconds,
    },
    sessions,
    cache,
    stamps,
    metrics,
    logger,
    sweepMs: Math.max(250, Math.floor(config.stalenessBoundMs / 2)),
  });
  // MCP routing and the LLM routes need undici's response-filter hook whichever forwarder invoke uses.
  const mcpForwarder = forwarder instanceof UndiciForwarder ? forwarder : new UndiciForwarder(pool);
  const mcpServers = new McpServerRouteHandler({ config, cache, redis, keys, forwarder: mcpForwarder, stamps, metrics, logger, inflight });
  const budgets = new BudgetCounter(redis, keys, logger);
  const llm = new LlmHandler({ config, cache, forwarder: mcpForwarder, budgets, stamps, metrics, logger, inflight });

  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const server = createServer({ keepAliveTimeout: 65_000 }, (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const match = INVOKE_ROUTE.exec(url);
    if (match) {
      void invoke.handle(req, res, match);
      return;
    }
    const llmRoute = matchLlmRoute(url);
    if (llmRoute) {
      void llm.handle(req, res, llmRoute);
      return;
    }
    const path = url.split('?', 1)[0]!;
    // The wallet owns exactly /mcp, /mcp/sse and /mcp/messages; /mcp/servers/* is routed elsewhere.
    if (WALLET_PATHS.has(path)) return wallet.handle(req, res, path);
    // /mcp/servers/:id[/*]: MCP routing to the upstream servers a tenant registered.
    const mcpMatch = url.startsWith('/mcp/servers/') ? MCP_SERVER_ROUTE.exec(url) : null;
    if (mcpMatch) {
      void mcpServers.handle(req, res, mcpMatch);
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      switch (path) {
        case '/healthz':
          return json(res, 200, { status: 'ok', version: config.version });
        case '/readyz':
          void cache.sessionKeys().then(
            (k) => json(res, cache.ready && k ? 200 : 503, { status: cache.ready && k ? 'ready' : 'not ready' }),
            () => json(res, 503, { status: 'not ready' }),
          );
          return;
        case '/metrics':
          void metrics.registry.metrics().then((text) => {
            res.writeHead(200, { 'content-type': metrics.registry.contentType });
            res.end(text);
          });
          return;
        case JWKS_PATH:
          void cache.sessionKeys().then(
            (k) => {
              res.writeHead(k ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'public, max-age=60' });
              res.end(k ? k.jwks : JSON.stringify({ error: 'signing keys not yet available', request_id: 'none' }));
            },
            (err: unknown) => sendError(res, err, 'none', logger),
          );
          return;
      }
    }
    metrics.request('other', 404);
    sendError(res, new DomainError('not_found', 'no such route'), 'none', logger);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const match = INVOKE_ROUTE.exec(req.url ?? '/');
    if (!match) return socket.destroy();
    void invoke.upgrade(req, socket, head, match);
  });
  server.on('clientError', (_err, socket: Duplex) => socket.destroy());

  return {
    server,
    cache,
    stamps,
    async close() {
      wallet.close(); // open MCP streams would otherwise hold the server open
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Requests in flight get a grace period to finish; a socket still open after it (a long
        // stream, or a client that connected and never sent a request) is cut.
        setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
      });
      await stamps.close();
      await forwarder.close();
      if (forwarder !== ws) await ws.close();
      if (mcpForwarder !== forwarder) await mcpForwarder.close();
      redis.disconnect();
      subscriber.disconnect();
      queueConnection.disconnect();
    },
  };
}
