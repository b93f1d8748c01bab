/**
 * One typed, validated, frozen config per app. A loader reads the environment it is given (main.ts
 * passes `process.env`; nothing else in the codebase reads it) and fails at boot listing every
 * problem at once, naming variables but never echoing their values.
 */
import { isIP } from 'node:net';
import { z } from 'zod';

function cidrProblem(text: string): string | null {
  const [addr, bits, extra] = text.split('/');
  if (extra !== undefined || !addr || isIP(addr) === 0) return 'not a CIDR';
  if (bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > (isIP(addr) === 4 ? 32 : 128))) return 'bad prefix length';
  return null;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const key32 = z
  .string()
  .trim()
  .refine((t) => {
    const buf = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
    return buf.length === 32;
  }, 'must be a 32-byte key (64 hex characters or base64)');
const secret = (min: number) => z.string().min(min, `must be at least ${min} characters`);
const url = z.string().url();
/** Comma-separated CIDRs (`10.1.0.0/16`, `fd00::/8`, a bare address); empty means none. */
const cidrList = z
  .string()
  .transform((t) =>
    t
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean),
  )
  .refine((list) => list.every((c) => cidrProblem(c) === null), 'must be comma-separated CIDRs such as 10.1.0.0/16 or fd00::/8');
const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

export function parseEnv<S extends z.ZodRawShape>(shape: S, env: Env): Readonly<z.infer<z.ZodObject<S>>> {
  const input: Record<string, string> = {};
  for (const k of Object.keys(shape)) {
    const v = env[k];
    if (v !== undefined && v !== '') input[k] = v;
  }
  const result = z.object(shape).safeParse(input);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return Object.freeze(result.data);
}

const commonShape = (defaultPort: number) => ({
  PORT: port(defaultPort),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: logLevel,
  REDIS_URL: url.default('redis://127.0.0.1:6379'),
  PORTCULLIS_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only')
    .default('portcullis'),
});

/** What every process has: where it listens, how it logs, which Redis and key prefix, its version. */
export interface CommonConfig {
  port: number;
  host: string;
  logLevel: string;
  redisUrl: string;
  redisPrefix: string;
  version: string;
}

function commonConfig(
  e: { PORT: number; HOST: string; LOG_LEVEL: string; REDIS_URL: string; PORTCULLIS_REDIS_PREFIX: string },
  version: string,
): CommonConfig {
  return { port: e.PORT, host: e.HOST, logLevel: e.LOG_LEVEL, redisUrl: e.REDIS_URL, redisPrefix: e.PORTCULLIS_REDIS_PREFIX, version };
}

const controlPlaneShape = {
  ...commonShape(3100),
  DATABASE_URL: url,
  PORTCULLIS_ROOT_TOKEN: secret(24),
  PORTCULLIS_MASTER_KEY: key32,
  PORTCULLIS_DATA_PLANE_KEY: key32,
  PORTCULLIS_JWT_SECRET: secret(32),
  PORTCULLIS_JWT_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
  PORTCULLIS_INTERNAL_TOKEN: secret(24),
  PORTCULLIS_PUBLIC_URL: url.optional(),
  PORTCULLIS_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  PORTCULLIS_DOCS: bool.default(true),
  PORTCULLIS_PROXY_ALLOW_PRIVATE: bool.default(false),
  PORTCULLIS_PROXY_PRIVATE_CIDRS: cidrList.default([]),
  PORTCULLIS_PROXY_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
  PORTCULLIS_PROXY_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  PORTCULLIS_PROXY_MAX_RESPONSE_BYTES: z.coerce.number().int().min(1024).default(10_485_760),
  PORTCULLIS_SESSION_KEY_ROTATION_SECONDS: z.coerce.number().int().min(60).default(86_400),
  PORTCULLIS_SESSION_TOKEN_MAX_TTL_SECONDS: z.coerce.number().int().min(10).max(3600).default(3600),
  PORTCULLIS_PUBLIC_VERIFY_PER_MINUTE: z.coerce.number().int().min(0).default(120),
  PORTCULLIS_MCP_ALLOW_PRIVATE: bool.default(false),
};

export interface ControlPlaneConfig extends CommonConfig {
  databaseUrl: string;
  rootToken: string;
  masterKey: string;
  dataPlaneKey: string;
  jwtSecret: string;
  jwtTtlSeconds: number;
  internalToken: string;
  /** Base URL callers use to reach the control plane (connect links, onboarding links). */
  publicUrl: string;
  bodyLimitBytes: number;
  docs: boolean;
  /** Vault proxy mode: let every call reach private, loopback and link-local addresses. */
  proxyAllowPrivate: boolean;
  /** Vault proxy mode: internal ranges every call may reach even when proxyAllowPrivate is off. */
  proxyPrivateCidrs: string[];
  proxyConnectTimeoutMs: number;
  /** Longest upstream silence (waiting for or between response bytes). */
  proxyTimeoutMs: number;
  proxyMaxResponseBytes: number;
  /** How often the session-token signing key is replaced. */
  sessionKeyRotationSeconds: number;
  /** The longest session-token lifetime any proxy uses: a retired key stays in the JWKS this long. */
  sessionTokenMaxTtlSeconds: number;
  /** Public `/v1/verify` calls allowed per client address per minute, across all pods (0: no limit). */
  publicVerifyPerMinute: number;
  /** Let registered upstream MCP servers live on loopback, private and link-local addresses. */
  mcpAllowPrivate: boolean;
}

export function loadControlPlaneConfig(env: Env, version = '0.0.0'): Readonly<ControlPlaneConfig> {
  const e = parseEnv(controlPlaneShape, env);
  return Object.freeze({
    ...commonConfig(e, version),
    databaseUrl: e.DATABASE_URL,
    rootToken: e.PORTCULLIS_ROOT_TOKEN,
    masterKey: e.PORTCULLIS_MASTER_KEY,
    dataPlaneKey: e.PORTCULLIS_DATA_PLANE_KEY,
    jwtSecret: e.PORTCULLIS_JWT_SECRET,
    jwtTtlSeconds: e.PORTCULLIS_JWT_TTL_SECONDS,
    internalToken: e.PORTCULLIS_INTERNAL_TOKEN,
    publicUrl: (e.PORTCULLIS_PUBLIC_URL ?? `http://127.0.0.1:${e.PORT}`).replace(/\/+$/, ''),
    bodyLimitBytes: e.PORTCULLIS_BODY_LIMIT_BYTES,
    docs: e.PORTCULLIS_DOCS,
    proxyAllowPrivate: e.PORTCULLIS_PROXY_ALLOW_PRIVATE,
    proxyPrivateCidrs: e.PORTCULLIS_PROXY_PRIVATE_CIDRS,
    proxyConnectTimeoutMs: e.PORTCULLIS_PROXY_CONNECT_TIMEOUT_MS,
    proxyTimeoutMs: e.PORTCULLIS_PROXY_TIMEOUT_MS,
    proxyMaxResponseBytes: e.PORTCULLIS_PROXY_MAX_RESPONSE_BYTES,
    sessionKeyRotationSeconds: e.PORTCULLIS_SESSION_KEY_ROTATION_SECONDS,
    sessionTokenMaxTtlSeconds: e.PORTCULLIS_SESSION_TOKEN_MAX_TTL_SECONDS,
    publicVerifyPerMinute: e.PORTCULLIS_PUBLIC_VERIFY_PER_MINUTE,
    mcpAllowPrivate: e.PORTCULLIS_MCP_ALLOW_PRIVATE,
  });
}

const proxyShape = {
  ...commonShape(4000),
  PORTCULLIS_DATA_PLANE_KEY: key32,
  PORTCULLIS_INTERNAL_TOKEN: secret(24),
  PORTCULLIS_CONTROL_PLANE_URL: url.default('http://127.0.0.1:3100'),
  PORTCULLIS_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(10_485_760),
  PORTCULLIS_CACHE_TTL_MS: z.coerce.number().int().min(10).default(5_000),
  PORTCULLIS_STALENESS_BOUND_MS: z.coerce.number().int().min(100).default(10_000),
  PORTCULLIS_UPSTREAM_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(10).default(5_000),
  PORTCULLIS_UPSTREAM_IDLE_TIMEOUT_MS: z.coerce.number().int().min(10).default(60_000),
  PORTCULLIS_SESSION_TOKEN_TTL_SECONDS: z.coerce.number().int().min(10).max(3600).default(300),
  PORTCULLIS_CONTROL_PLANE_PUBLIC_URL: url.optional(),
  PORTCULLIS_UPSTREAM_CONNECTIONS: z.coerce.number().int().min(1).max(10_000).default(128),
  PORTCULLIS_FORWARDER: z.enum(['undici', 'http-proxy']).default('undici'),
  PORTCULLIS_STAMP_SPOOL_PATH: z.string().min(1).default('./var/proxy-stamps.spool'),
  PORTCULLIS_STAMP_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(200),
  PORTCULLIS_STAMP_FLUSH_MS: z.coerce.number().int().min(1).max(10_000).default(20),
  PORTCULLIS_TRUST_PROXY: bool.default(false),
};

export interface ProxyConfig extends CommonConfig {
  dataPlaneKey: string;
  internalToken: string;
  controlPlaneUrl: string;
  bodyLimitBytes: number;
  cacheTtlMs: number;
  stalenessBoundMs: number;
  upstreamConnectTimeoutMs: number;
  upstreamIdleTimeoutMs: number;
  sessionTokenTtlSeconds: number;
  /** Base URL end users reach the control plane at (the connect links in a missing-credential 401). */
  controlPlanePublicUrl: string;
  upstreamConnections: number;
  /** HTTP forwarding library; both stay selectable so the benchmark can compare them in the real proxy. */
  forwarder: 'undici' | 'http-proxy';
  /** Append-only file stamps go to while Redis is unreachable; drained when it returns. */
  stampSpoolPath: string;
  stampBatchSize: number;
  stampFlushMs: number;
  /** Append to an incoming X-Forwarded-For instead of replacing it (only behind a trusted balancer). */
  trustProxy: boolean;
}

export function loadProxyConfig(env: Env, version = '0.0.0'): Readonly<ProxyConfig> {
  const e = parseEnv(proxyShape, env);
  return Object.freeze({
    ...commonConfig(e, version),
    dataPlaneKey: e.PORTCULLIS_DATA_PLANE_KEY,
    internalToken: e.PORTCULLIS_INTERNAL_TOKEN,
    controlPlaneUrl: e.PORTCULLIS_CONTROL_PLANE_URL.replace(/\/+$/, ''),
    bodyLimitBytes: e.PORTCULLIS_BODY_LIMIT_BYTES,
    cacheTtlMs: e.PORTCULLIS_CACHE_TTL_MS,
    stalenessBoundMs: e.PORTCULLIS_STALENESS_BOUND_MS,
    upstreamConnectTimeoutMs: e.PORTCULLIS_UPSTREAM_CONNECT_TIMEOUT_MS,
    upstreamIdleTimeoutMs: e.PORTCULLIS_UPSTREAM_IDLE_TIMEOUT_MS,
    sessionTokenTtlSeconds: e.PORTCULLIS_SESSION_TOKEN_TTL_SECONDS,
    controlPlanePublicUrl: (e.PORTCULLIS_CONTROL_PLANE_PUBLIC_URL ?? e.PORTCULLIS_CONTROL_PLANE_URL).replace(/\/+$/, ''),
    upstreamConnections: e.PORTCULLIS_UPSTREAM_CONNECTIONS,
    forwarder: e.PORTCULLIS_FORWARDER,
    stampSpoolPath: e.PORTCULLIS_STAMP_SPOOL_PATH,
    stampBatchSize: e.PORTCULLIS_STAMP_BATCH_SIZE,
    stampFlushMs: e.PORTCULLIS_STAMP_FLUSH_MS,
    trustProxy: e.PORTCULLIS_TRUST_PROXY,
  });
}

const workerShape = {
  ...commonShape(4100),
  DATABASE_URL: url,
  /** Opens the sealed provider configs of dynamic secrets to revoke them at expiry. */
  PORTCULLIS_MASTER_KEY: key32.optional(),
  /** Ed25519 seed (32 bytes, hex or base64) that signs checkpoints; without it no checkpoint is signed. */
  PORTCULLIS_CHECKPOINT_KEY: key32.optional(),
  PORTCULLIS_CHECKPOINT_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  /** Most stamp jobs appended in one Postgres transaction. */
  PORTCULLIS_STAMP_BATCH_SIZE: z.coerce.number().int().min(1).max(5_000).default(500),
  /** Stamp jobs a worker process holds at once (BullMQ concurrency); batches form from these. */
  PORTCULLIS_STAMP_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(100),
  PORTCULLIS_DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(4),
};

export interface WorkerConfig extends CommonConfig {
  databaseUrl: string;
  /** null when unset: dynamic-secret expiry jobs then fail (and retry) until it is given */
  masterKey: string | null;
  checkpointKey: string | null;
  checkpointIntervalSeconds: number;
  stampBatchSize: number;
  stampConcurrency: number;
  dbPoolSize: number;
}

export function loadWorkerConfig(env: Env, version = '0.0.0'): Readonly<WorkerConfig> {
  const e = parseEnv(workerShape, env);
  return Object.freeze({
    ...commonConfig(e, version),
    databaseUrl: e.DATABASE_URL,
    masterKey: e.PORTCULLIS_MASTER_KEY ?? null,
    checkpointKey: e.PORTCULLIS_CHECKPOINT_KEY ?? null,
    checkpointIntervalSeconds: e.PORTCULLIS_CHECKPOINT_INTERVAL_SECONDS,
    stampBatchSize: e.PORTCULLIS_STAMP_BATCH_SIZE,
    stampConcurrency: e.PORTCULLIS_STAMP_CONCURRENCY,
    dbPoolSize: e.PORTCULLIS_DB_POOL_SIZE,
  });
}
