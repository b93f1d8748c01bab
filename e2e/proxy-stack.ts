/**
 * A running data plane for the proxy e2e specs: the control plane and N proxies as real processes on
 * one Redis, a fake upstream, and a fake identity provider (ES256 JWKS) for user JWTs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import {
  controlPlaneEnv,
  freePort,
  http,
  randomSlug,
  spawnApp,
  startFakeUpstream,
  type FakeUpstream,
  type RunningApp,
} from '@portcullis/testing';

export interface Idp {
  issuer: string;
  jwksUri: string;
  audience: string;
  sign(claims: Record<string, unknown>, opts?: { audience?: string; issuer?: string; expiresIn?: string }): Promise<string>;
  close(): Promise<void>;
}

export async function startIdp(audience = 'portcullis-tests'): Promise<Idp> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'ES256', use: 'sig' };
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${base}/`;
  return {
    issuer,
    jwksUri: `${base}/jwks.json`,
    audience,
    sign: (claims, opts = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: 'idp-1' })
        .setIssuer(opts.issuer ?? issuer)
        .setAudience(opts.audience ?? audience)
        .setIssuedAt()
        .setExpirationTime(opts.expiresIn ?? '5m')
        .sign(privateKey),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export interface Stack {
  cp: RunningApp;
  proxies: RunningApp[];
  upstream: FakeUpstream;
  env: Record<string, string>;
  proxyEnv: Record<string, string>;
  spoolDir: string;
  startProxy(extra?: Record<string, string>): Promise<RunningApp>;
  tenant(): Promise<{ tenantId: string; adminKey: string }>;
  agent(adminKey: string, body?: Record<string, unknown>): Promise<{ id: string; token: string }>;
  stop(): Promise<void>;
}

/** Polls until `check` is true (hooks cannot use expect.poll). */
export async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const PROXY_TIMING = { PORTCULLIS_CACHE_TTL_MS: '1000', PORTCULLIS_STALENESS_BOUND_MS: '1500' };

export async function startStack(
  opts: { proxies?: number; env?: Record<string, string>; proxyEnv?: Record<string, string> } = {},
): Promise<Stack> {
  // Every stack of one run shares the run's database and so the run's keys (controlPlaneEnv).
  const env = controlPlaneEnv({ LOG_LEVEL: 'warn', ...opts.env });
  const upstream = await startFakeUpstream();
  const cp = await spawnApp('control-plane', await freePort(), env);
  const spoolDir = mkdtempSync(join(tmpdir(), 'portcullis-spool-'));
  const proxyEnv: Record<string, string> = {
    REDIS_URL: env.REDIS_URL!,
    PORTCULLIS_REDIS_PREFIX: env.PORTCULLIS_REDIS_PREFIX!,
    PORTCULLIS_DATA_PLANE_KEY: env.PORTCULLIS_DATA_PLANE_KEY!,
    PORTCULLIS_INTERNAL_TOKEN: env.PORTCULLIS_INTERNAL_TOKEN!,
    PORTCULLIS_CONTROL_PLANE_URL: cp.url,
    LOG_LEVEL: 'warn',
    ...PROXY_TIMING,
    ...opts.proxyEnv,
  };
  const proxies: RunningApp[] = [];
  let n = 0;
  const startProxy = async (extra: Record<string, string> = {}): Promise<RunningApp> => {
    const p = await spawnApp('proxy', await freePort(), {
      PORTCULLIS_STAMP_SPOOL_PATH: join(spoolDir, `proxy-${n++}.spool`),
      ...proxyEnv,
      ...extra,
    });
    proxies.push(p);
    return p;
  };
  for (let i = 0; i < (opts.proxies ?? 1); i++) await startProxy();
  return {
    cp,
    proxies,
    upstream,
    env,
    proxyEnv,
    spoolDir,
    startProxy,
    async tenant() {
      const slug = randomSlug();
      const res = await http('POST', `${cp.url}/api/v1/platform/tenants`, { token: env.PORTCULLIS_ROOT_TOKEN, body: { name: slug, slug } });
      if (res.status !== 201) throw new Error(`tenant: ${res.status} ${res.text}`);
      return { tenantId: res.body.tenant.id as string, adminKey: res.body.adminApiKey as string };
    },
    async agent(adminKey, body = {}) {
      const res = await http('POST', `${cp.url}/api/v1/admin/agents`, {
        token: adminKey,
        body: { name: randomSlug('agent'), upstreamUrl: upstream.url, requiredCredentials: [], ...body },
      });
      if (res.status !== 201) throw new Error(`agent: ${res.status} ${res.text}`);
      return { id: res.body.agent.id as string, token: res.body.runtimeToken as string };
    },
    async stop() {
      await Promise.all(proxies.map((p) => p.stop()));
      await cp.stop();
      await upstream.close();
    },
  };
}

/** A redis-server of the test's own on a free port (never the shared one), to kill and bring back. */
export interface PrivateRedis {
  url: string;
  /** Starts it (again, empty) and waits until it answers. */
  start(): Promise<void>;
  /** SIGKILL, and waits for the exit. */
  kill(): Promise<void>;
}

async function redisAnswers(url: string): Promise<boolean> {
  const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return (await c.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    c.disconnect();
  }
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let proc: ChildProcess | undefined;
  const redis: PrivateRedis = {
    url,
    async start() {
      proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: 'ignore',
      });
      await waitFor(() => redisAnswers(url), 10_000, 'private redis');
    },
    async kill() {
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc!.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
    },
  };
  await redis.start();
  return redis;
}
