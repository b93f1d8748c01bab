/**
 * The pre-flight pieces every route toward an upstream shares (invoke, MCP routing, the LLM routes):
 * error bodies, header hygiene, the agent's status, rate limit, credential resolution, the identity
 * headers and session token, the request body, and tracking open responses for the kill switch.
 * The request's own life (forward, failure, metrics, stamp) is in exchange.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DomainError, httpStatusOf } from '@portcullis/domain';
import { CONNECT_PATH, HEADERS, type RedisKeys, type RequiredCredential } from '@portcullis/contracts';
import type { Principal } from '../auth/authenticate.js';
import { mintSessionToken } from '../auth/session-token.js';
import type { CompiledAgent, ConfigCache, SessionSigner } from '../config-cache/config-cache.js';
import { HOP_BY_HOP } from '../forward/forwarder.js';

export const DOT_SEGMENT = /(^|\/)(\.|%2e){1,2}(\/|$)/i;
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

export type Inflight = Map<string, Set<ServerResponse | Duplex>>;

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

/** The agent belongs to the caller's tenant, is not disabled, and its tenant is not suspended. */
export async function checkAgentUsable(agent: CompiledAgent | null, principal: Principal, cache: ConfigCache): Promise<CompiledAgent> {
  if (!agent || agent.snapshot.tenantId !== principal.tenantId) throw new DomainError('not_found', 'agent not found');
  if (agent.snapshot.status !== 'active') throw new DomainError('forbidden', 'agent is disabled');
  const tenant = await cache.tenant(principal.tenantId);
  if (tenant?.status === 'suspended') throw new DomainError('forbidden', 'tenant is suspended');
  return agent;
}

export function checkContentLength(req: IncomingMessage, limit: number): void {
  if (Number(req.headers['content-length'] ?? 0) > limit) throw new DomainError('payload_too_large', `request body exceeds ${limit} bytes`);
}

/** Incoming headers minus hop-by-hop ones and anything a caller could spoof. */
export function cleanHeaders(req: IncomingMessage): Record<string, string | string[]> {
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
export async function resolveCredentials(
  cache: ConfigCache,
  controlPlanePublicUrl: string,
  required: readonly RequiredCredential[],
  principal: Principal,
): Promise<[string, string][]> {
  if (!required.length) return [];
  const userId = principal.user?.id ?? null;
  const values = await Promise.all(
    required.map(async ({ serviceType }) => {
      const own = userId === null ? null : await cache.credential(principal.tenantId, userId, serviceType);
      return own ?? (await cache.credential(principal.tenantId, null, serviceType));
    }),
  );
  const missing = required.filter((_, i) => values[i] === null);
  if (missing.length) {
    throw new DomainError('unauthenticated', 'credentials required', {
      missing: missing.map(({ serviceType }) => ({
        serviceType,
        authUrl: `${controlPlanePublicUrl}${CONNECT_PATH}/${serviceType}?tenant=${principal.tenantId}`,
      })),
    });
  }
  return required.map(({ serviceType }, i) => [serviceType, values[i]!]);
}

export interface GatewayIdentity {
  principal: Principal;
  agentId: string;
  requestId: string;
  credentials: [string, string][];
  signer: SessionSigner;
  sessionTokenTtlSeconds: number;
  /** The session token's `aud` when it is not for the agent's own runtime. */
  audience?: string;
}

/** Sets the identity headers, X-Credential-*, and a fresh session token on the outgoing headers. */
export function setGatewayHeaders(headers: Record<string, string | string[]>, g: GatewayIdentity): void {
  const { principal, agentId, requestId } = g;
  const user = principal.user;
  headers[HEADERS.tenantId] = principal.tenantId;
  headers[HEADERS.gatewayAgentId] = agentId;
  headers[HEADERS.gatewayRequestId] = requestId;
  if (user) {
    headers[HEADERS.userId] = user.id;
    headers[HEADERS.endUserId] = user.id;
    if (user.email) headers[HEADERS.endUserEmail] = user.email;
    headers[HEADERS.endUserRoles] = user.roles.join(',');
  }
  for (const [serviceType, value] of g.credentials) headers[HEADERS.credentialPrefix + serviceType] = value;
  headers[HEADERS.gatewaySessionToken] = mintSessionToken(
    g.signer,
    {
      tenantId: principal.tenantId,
      agentId,
      userId: user?.id ?? null,
      email: user?.email ?? null,
      roles: user?.roles ?? [],
      authKind: principal.kind,
      requestId,
      ...(g.audience ? { audience: g.audience } : {}),
    },
    g.sessionTokenTtlSeconds,
  );
}

export function setForwardedHeaders(headers: Record<string, string | string[]>, req: IncomingMessage, trustProxy: boolean): void {
  const prior = req.headers['x-forwarded-for'];
  const client = req.socket.remoteAddress ?? '';
  headers['x-forwarded-for'] = trustProxy && typeof prior === 'string' ? `${prior}, ${client}` : client;
  headers['x-forwarded-proto'] = 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
}

export async function sessionSigner(cache: ConfigCache): Promise<SessionSigner> {
  const keys = await cache.sessionKeys();
  if (!keys) throw new DomainError('unavailable', 'session signing key not yet available');
  return keys.signer;
}

/** Counts a hit in a fixed window: INCR, and the expiry set by the window's first hit. One round trip. */
const RATE_HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
`;
/** The connection the rate limit counts on, its script defined (see `withRateLimitScript`). */
export type RateLimitRedis = Redis & { portcullisRateHit(key: string, ttlMs: number): Promise<number> };

/** Defines the rate-limit script on a connection, once at startup rather than on the request path. */
export function withRateLimitScript(redis: Redis): RateLimitRedis {
  redis.defineCommand('portcullisRateHit', { numberOfKeys: 1, lua: RATE_HIT });
  return redis as RateLimitRedis;
}

/** Fixed-window counter in Redis, shared by every pod; only agents with a limit pay for it. */
export async function rateLimit(redis: RateLimitRedis, keys: RedisKeys, agent: CompiledAgent): Promise<void> {
  if (!agent.snapshot.rateLimit) return;
  const { requests, windowSeconds } = agent.snapshot.rateLimit;
  const windowMs = windowSeconds * 1000;
  const now = Date.now();
  const window = Math.floor(now / windowMs);
  const key = keys.rateLimit(agent.snapshot.id, window);
  let count: number;
  try {
    count = Number(await redis.portcullisRateHit(key, windowMs + 1000));
  } catch {
    throw new DomainError('unavailable', 'rate limit cannot be checked; try again shortly');
  }
  if (count > requests) {
    throw new DomainError('rate_limited', 'rate limit exceeded', {
      retryAfter: Math.max(1, Math.ceil(((window + 1) * windowMs - now) / 1000)),
    });
  }
}

export function track(inflight: Inflight, agentId: string, res: ServerResponse | Duplex): void {
  let set = inflight.get(agentId);
  if (!set) inflight.set(agentId, (set = new Set()));
  set.add(res);
}

export function untrack(inflight: Inflight, agentId: string, res: ServerResponse | Duplex): void {
  const set = inflight.get(agentId);
  if (!set) return;
  set.delete(res);
  if (!set.size) inflight.delete(agentId);
}
