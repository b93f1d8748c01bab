/**
 * Vault proxy mode against the real control plane, Postgres and Redis, with a local HTTP upstream on
 * 127.0.0.1 that reflects what it receives: injection forms, scrubbing of reflected values (raw,
 * base64, gzip, headers), the SSRF guard on every refused address form, allow_private, redirects to
 * private addresses, allowed_domains, stamps, and learned patterns aggregated by the worker's
 * processor on a real BullMQ worker.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '@portcullis/db';
import { QUEUES, queuePrefix, type ProxyPatternEvent, type VaultStampEvent } from '@portcullis/contracts';
import { http as call, testServices } from '@portcullis/testing';
// The worker's processor, run here on a real BullMQ worker so the test sees patterns appear.
import { createPatternsProcessor, type PatternOutcome } from '../../worker/src/queues/patterns/patterns.processor.js';
import { startControlPlane, type Harness } from './harness.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe('vault proxy mode', () => {
  let h: Harness;
  let upstream: http.Server;
  let port: number;
  let prisma: PrismaClient;
  let redis: Redis;
  let blocking: Redis;
  let worker: Worker<ProxyPatternEvent, PatternOutcome>;
  let stamps: Queue<VaultStampEvent>;
  const seen: Seen[] = [];
  const processed: PatternOutcome[] = [];
  const secrets = new Set<string>();
  const keep = (s: string): string => (secrets.add(s), s);

  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const s: Seen = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        seen.push(s);
        const auth = String(req.headers.authorization ?? '');
        const path = req.url!.split('?')[0];
        const reflect = JSON.stringify(s);
        if (path === '/echo')
          return void res
            .writeHead(200, { 'content-type': 'application/json', 'x-echo-auth': auth, 'x-request-id': 'upstream-id-123' })
            .end(reflect);
        if (path === '/echo-b64')
          return void res
            .writeHead(200, { 'content-type': 'text/plain' })
            .end(Buffer.from(`${auth}|${s.body}|${s.url}`).toString('base64'));
        if (path === '/gzip')
          return void res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync(reflect));
        if (path === '/stream') {
          // Reflects the key one byte per chunk, so scrubbing must work across chunk boundaries.
          res.writeHead(200, { 'content-type': 'text/plain' });
          const text = `key=${auth}.`;
          let i = 0;
          const tick = setInterval(() => {
            if (i < text.length) {
              res.write(text[i++]);
            } else {
              clearInterval(tick);
              res.end();
            }
          }, 1);
          return;
        }
        if (path === '/big')
          return void res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '10000' }).end('x'.repeat(10_000));
        if (path === '/big-chunked') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(10_000));
        if (path === '/slow') return void setTimeout(() => res.writeHead(200).end('late'), 3000);
        if (path === '/sse') {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(`data: first ${auth}\n\n`);
          return void setTimeout(() => res.end('data: second\n\n'), 600);
        }
        if (path === '/to-localhost') return void res.writeHead(307, { location: `http://localhost:${port}/echo` }).end();
        if (path === '/to-private') return void res.writeHead(302, { location: `http://127.0.0.2:${port}/echo` }).end();
        if (path === '/to-metadata') return void res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
        if (req.url?.startsWith('/users/')) {
          if (auth !== 'Bearer ghp_patterns_key_1234567890')
            return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"Bad credentials"}');
          return void res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ id: 42, login: 'octo', tags: ['a'] }));
        }
        res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '0.0.0.0', r));
    port = (upstream.address() as AddressInfo).port;
    // 127.0.0.3 stands in for an internal API the operator opened; 127.0.0.1/.2 stay private.
    h = await startControlPlane({
      PORTCULLIS_PROXY_PRIVATE_CIDRS: '127.0.0.3/32',
      PORTCULLIS_PROXY_TIMEOUT_MS: '1000',
      PORTCULLIS_PROXY_MAX_RESPONSE_BYTES: '4096',
    });
    const s = testServices();
    prisma = createPrismaClient(s.databaseUrl);
    redis = new Redis(s.redisUrl, { maxRetriesPerRequest: null });
    const prefix = queuePrefix(s.redisPrefix);
    stamps = new Queue<VaultStampEvent>(QUEUES.stamps, { connection: redis, prefix });
    worker = new Worker<ProxyPatternEvent, PatternOutcome>(QUEUES.patterns, createPatternsProcessor({ prisma }), {
      connection: (blocking = redis.duplicate()),
      prefix,
    });
    worker.on('completed', (_job, outcome) => processed.push(outcome));
    await worker.waitUntilReady();
  });
  afterAll(async () => {
    await worker.close();
    await stamps.close();
    redis.disconnect();
    blocking.disconnect();
    await prisma.$disconnect();
    await h.close();
    upstream.close();
  });

  const api = (method: string, path: string, token?: string, body?: unknown) => call(method, `${h.url}${path}`, { token, body });
  const local = (path: string, host = '127.0.0.1') => `http://${host}:${port}${path}`;

  async function tenantWith(
    rules: { path: string; capabilities: string[] }[],
    secretsToPut: Record<string, { value: string; metadata?: Record<string, string> }>,
    bound = false,
  ) {
    const t = await h.createTenant();
    for (const [path, s] of Object.entries(secretsToPut)) {
      const res = await api('PUT', `/v1/secrets/${path}`, t.adminKey, {
        value: keep(s.value),
        ...(s.metadata ? { metadata: s.metadata } : {}),
      });
      expect(res.status, res.text).toBe(200);
    }
    let agentId: string | undefined;
    if (bound) {
      const agent = await api('POST', '/api/v1/admin/agents', t.adminKey, {
        name: 'proxy-bot',
        upstreamUrl: 'http://127.0.0.1:9',
        requiredCredentials: [],
      });
      expect(agent.status, agent.text).toBe(201);
      agentId = agent.body.agent.id as string;
      keep(agent.body.runtimeToken as string);
    }
    expect((await api('POST', '/api/v1/admin/policies', t.adminKey, { name: 'p', rules })).status).toBe(201);
    const a = await api('POST', '/api/v1/admin/approles', t.adminKey, { name: 'bot', policies: ['p'], ...(agentId ? { agentId } : {}) });
    expect(a.status, a.text).toBe(201);
    keep(a.body.secret_id);
    const login = await api('POST', '/v1/auth/approle/login', undefined, { role_id: a.body.role_id, secret_id: a.body.secret_id });
    expect(login.status, login.text).toBe(200);
    return { t, token: keep(login.body.token), approleId: a.body.approle.id as string, agentId };
  }

  const proxy = (token: string, body: Record<string, unknown>) => api('POST', '/v1/proxy', token, body);
  const lastSeen = (): Seen => seen[seen.length - 1]!;

  it('template, inject and basic forms reach the upstream with the right header and never show the value', async () => {
    const key = 'sk-live-reflected-9f8e7d6c5b4a';
    const basic = 'deploy-user:correct-horse-battery';
    const { token } = await tenantWith([{ path: 'api/*', capabilities: ['proxy'] }], {
      'api/key': { value: key, metadata: { allow_private: 'true' } },
      'api/basic': { value: basic, metadata: { allow_private: 'true' } },
    });

    // inject shorthand: Authorization gets "Bearer "
    let res = await proxy(token, { method: 'GET', url: local('/echo'), inject: { Authorization: 'api/key' } });
    expect(res.status, res.text).toBe(200);
    expect(lastSeen().headers.authorization).toBe(`Bearer ${key}`);
    expect(res.headers.get('x-portcullis-upstream')).toBe(`127.0.0.1:${port}`);
    expect(res.headers.get('x-portcullis-secrets')).toBe('api/key');
    expect(res.headers.get('x-echo-auth')).toBe('Bearer [REDACTED:vault:api/key]');
    expect(res.headers.get('x-request-id')).not.toBe('upstream-id-123');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.headers.authorization).toBe('Bearer [REDACTED:vault:api/key]');

    // placeholders in a header, the URL and a JSON body
    res = await proxy(token, {
      method: 'POST',
      url: `${local('/echo')}?k={{secret:api/key}}`,
      headers: { 'X-Api-Key': '{{secret:api/key}}' },
      body: { token: '{{secret:api/key}}', n: 1 },
    });
    expect(res.status, res.text).toBe(200);
    const s = lastSeen();
    expect(s.headers['x-api-key']).toBe(key);
    expect(s.url).toBe(`/echo?k=${encodeURIComponent(key)}`);
    expect(JSON.parse(s.body)).toEqual({ token: key, n: 1 });
    expect(s.headers['content-type']).toBe('application/json');
    expect(res.text).not.toContain(key);
    expect(res.text).toContain('[REDACTED:vault:api/key]');

    // basic:<path> for a user:password secret
    res = await proxy(token, { method: 'GET', url: local('/echo'), inject: { Authorization: 'basic:api/basic' } });
    expect(res.status, res.text).toBe(200);
    expect(lastSeen().headers.authorization).toBe(`Basic ${Buffer.from(basic).toString('base64')}`);
    expect(res.text).not.toContain(Buffer.from(basic).toString('base64'));
    expect(res.text).not.toContain('correct-horse-battery');
  });

  it('scrubs reflected values in base64, in gzip-encoded answers and across one-byte chunks', async () => {
    const key = 'sk-live-base64-reflect-0a1b2c3d';
    const { token } = await tenantWith([{ path: 'k', capabilities: ['proxy'] }], {
      k: { value: key, metadata: { allow_private: 'true' } },
    });
    const b64 = await proxy(token, {
      method: 'POST',
      url: local('/echo-b64'),
      headers: { 'content-type': 'text/plain' },
      body: 'v={{secret:k}}',
      inject: { 'X-Key': 'k' },
    });
    expect(b64.status, b64.text).toBe(200);
    expect(lastSeen().body).toBe(`v=${key}`);
    const decoded = Buffer.from(b64.text, 'base64').toString('utf8');
    expect(decoded).not.toContain(key);
    expect(b64.text).not.toContain(Buffer.from(key).toString('base64').slice(0, 20));

    const gz = await proxy(token, { method: 'GET', url: local('/gzip'), inject: { Authorization: 'k' } });
    expect(gz.status, gz.text).toBe(200);
    expect(gz.headers.get('content-encoding')).toBeNull();
    expect(gz.body.headers.authorization).toBe('Bearer [REDACTED:vault:k]');

    const stream = await proxy(token, { method: 'GET', url: local('/stream'), inject: { Authorization: 'k' } });
    expect(stream.text).toBe('key=Bearer [REDACTED:vault:k].');
  });

  it('refuses every private address form unless allowed, and says which settings allow it', async () => {
    const key = 'sk-live-ssrf-guard-11223344';
    const { token } = await tenantWith([{ path: '*', capabilities: ['proxy'] }], {
      plain: { value: key },
      open: { value: key, metadata: { allow_private: 'true' } },
    });
    const forms = [
      `http://127.0.0.1:${port}/echo`,
      `http://localhost:${port}/echo`,
      `http://[::1]:${port}/echo`,
      `http://0.0.0.0:${port}/echo`,
      `http://[::]:${port}/echo`,
      `http://2130706433:${port}/echo`,
      `http://0177.0.0.1:${port}/echo`,
      `http://0x7f000001:${port}/echo`,
      `http://0x7f.1:${port}/echo`,
      `http://[::ffff:127.0.0.1]:${port}/echo`,
      `http://[::ffff:7f00:1]:${port}/echo`,
      'http://10.0.0.1/',
      'http://172.16.5.4/',
      'http://192.168.1.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://100.64.0.1/',
      'http://224.0.0.1/',
      'http://[fe80::1]/',
      'http://[fc00::1]/',
      'http://[ff02::1]/',
    ];
    const before = seen.length;
    for (const url of forms) {
      const res = await proxy(token, { method: 'GET', url, inject: { Authorization: 'plain' } });
      expect(res.status, `${url}: ${res.text}`).toBe(403);
      expect(res.body.error).toContain('PORTCULLIS_PROXY_ALLOW_PRIVATE');
      expect(res.body.error).toContain('allow_private: "true" on plain');
      expect(res.headers.get('x-portcullis-upstream')).toBeNull();
    }
    expect(seen.length).toBe(before);

    // allow_private on the secret lets a local target through; a call using both secrets is held to the stricter
    expect((await proxy(token, { method: 'GET', url: local('/echo'), inject: { Authorization: 'open' } })).status).toBe(200);
    const both = await proxy(token, { method: 'GET', url: local('/echo'), inject: { Authorization: 'open', 'X-Other': 'plain' } });
    expect(both.status).toBe(403);
    expect(both.body.error).toContain('on plain');
  });

  it('re-judges redirects: a hop to a private address is refused, an operator-opened range is reachable', async () => {
    const key = 'sk-live-redirect-55667788';
    const { token } = await tenantWith([{ path: 'r', capabilities: ['proxy'] }], { r: { value: key } });
    const ok = await proxy(token, { method: 'GET', url: local('/echo', '127.0.0.3'), inject: { Authorization: 'r' } });
    expect(ok.status, ok.text).toBe(200);
    for (const path of ['/to-private', '/to-metadata']) {
      const before = seen.length;
      const res = await proxy(token, { method: 'GET', url: local(path, '127.0.0.3'), inject: { Authorization: 'r' } });
      expect(res.status, res.text).toBe(403);
      expect(res.body.error).toMatch(/refused to connect to (127\.0\.0\.2|169\.254\.169\.254)/);
      expect(seen.length).toBe(before + 1); // the redirecting hop only
    }
  });

  it('drops injected headers on a cross-origin redirect, and follows none when the body holds a secret', async () => {
    const key = 'sk-live-cross-origin-24682468';
    const { token } = await tenantWith([{ path: 'o', capabilities: ['proxy'] }], {
      o: { value: key, metadata: { allow_private: 'true' } },
    });
    const res = await proxy(token, {
      method: 'GET',
      url: local('/to-localhost'),
      inject: { 'X-Api-Key': 'o' },
      headers: { 'X-Other': 'k={{secret:o}}' },
    });
    expect(res.status, res.text).toBe(200);
    expect(lastSeen().headers.host).toBe(`localhost:${port}`);
    expect(lastSeen().headers['x-api-key']).toBeUndefined();
    expect(lastSeen().headers['x-other']).toBeUndefined();
    const before = seen.length;
    // (the test's own fetch must not follow the 3xx it gets back)
    const withBody = await fetch(`${h.url}/v1/proxy`, {
      method: 'POST',
      redirect: 'manual',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'POST', url: local('/to-localhost'), body: { key: '{{secret:o}}' } }),
    });
    expect(withBody.status).toBe(307);
    expect(withBody.headers.get('location')).toBe(`http://localhost:${port}/echo`);
    expect(seen.length).toBe(before + 1);
  });

  it('skips certificate checks only when every secret of the call has tls_allow_insecure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pc-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const tls = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) =>
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`tls ${String(req.headers.authorization)}`),
    );
    rmSync(dir, { recursive: true, force: true });
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    try {
      const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/`;
      const { token } = await tenantWith([{ path: '*', capabilities: ['proxy'] }], {
        lax: { value: 'sk-live-tls-lax-97531', metadata: { allow_private: 'true', tls_allow_insecure: 'true' } },
        strict: { value: 'sk-live-tls-strict-97531', metadata: { allow_private: 'true' } },
      });
      const lax = await proxy(token, { method: 'GET', url, inject: { Authorization: 'lax' } });
      expect(lax.status, lax.text).toBe(200);
      expect(lax.text).toBe('tls Bearer [REDACTED:vault:lax]');
      const strict = await proxy(token, { method: 'GET', url, inject: { Authorization: 'strict' } });
      expect(strict.status).toBe(502);
      expect(strict.body.error).toContain('upstream connection failed');
      expect((await proxy(token, { method: 'GET', url, inject: { Authorization: 'lax', 'X-Other': 'strict' } })).status).toBe(502);
    } finally {
      tls.close();
    }
  });

  it('holds allowed_domains (comma list and JSON array), and refuses secrets with no host in common', async () => {
    const { token } = await tenantWith([{ path: '*', capabilities: ['proxy'] }], {
      a: { value: 'sk-live-domains-a-1234', metadata: { allow_private: 'true', allowed_domains: `api.example.com, 127.0.0.1:${port}` } },
      b: { value: 'sk-live-domains-b-1234', metadata: { allow_private: 'true', allowed_domains: JSON.stringify(['127.0.0.1']) } },
      c: { value: 'sk-live-domains-c-1234', metadata: { allow_private: 'true', allowed_domains: 'api.example.com' } },
    });
    expect((await proxy(token, { method: 'GET', url: local('/echo'), inject: { Authorization: 'a' } })).status).toBe(200);
    expect((await proxy(token, { method: 'GET', url: local('/echo'), inject: { Authorization: 'b' } })).status).toBe(200);
    expect((await proxy(token, { method: 'GET', url: local('/echo'), inject: { Authorization: 'a', 'X-B': 'b' } })).status).toBe(200);
    const other = await proxy(token, { method: 'GET', url: local('/echo', 'localhost'), inject: { Authorization: 'a' } });
    expect(other.status).toBe(403);
    expect(other.body.error).toContain('allowed_domains');
    const none = await proxy(token, { method: 'GET', url: local('/echo'), inject: { Authorization: 'b', 'X-C': 'c' } });
    expect(none.status).toBe(403);
    expect(none.body.error).toContain('no host in common');
  });

  it('refuses what the policy or the request form does not allow, with errors that teach', async () => {
    const { token } = await tenantWith(
      [
        { path: 'ro', capabilities: ['read'] },
        { path: 'px', capabilities: ['proxy'] },
      ],
      {
        ro: { value: 'sk-live-readonly-99887766', metadata: { allow_private: 'true' } },
        px: { value: 'sk-live-proxyable-99887766', metadata: { allow_private: 'true' } },
      },
    );
    const denied = await proxy(token, { method: 'GET', url: local('/echo'), inject: { Authorization: 'ro' } });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ error: 'Forbidden', required_capability: 'proxy', path: 'ro' });
    const pasted = await proxy(token, {
      method: 'GET',
      url: local('/echo'),
      inject: { Authorization: 'Bearer sk-live-proxyable-99887766' },
    });
    expect(pasted.status).toBe(403);
    expect(pasted.body.error).toContain('must name a secret path');
    expect((await proxy(token, { method: 'GET', url: local('/echo') })).status).toBe(400);
    expect((await proxy(token, { method: 'TRACE', url: local('/echo'), inject: { Authorization: 'px' } })).status).toBe(400);
    expect((await proxy(token, { method: 'GET', url: 'file:///etc/passwd', inject: { Authorization: 'px' } })).status).toBe(400);
    expect((await proxy(token, { method: 'GET', url: local('/echo'), inject: { Authorization: 'missing' } })).status).toBe(403);
    expect((await proxy(token, { method: 'GET', url: local('/echo'), inject: { Authorization: 'px' }, extra: 1 })).status).toBe(400);
  });

  it('streams server-sent events as they come, scrubbed', async () => {
    const { token } = await tenantWith([{ path: 'e', capabilities: ['proxy'] }], {
      e: { value: 'sk-live-sse-stream-11235813', metadata: { allow_private: 'true' } },
    });
    const started = Date.now();
    const res = await fetch(`${h.url}/v1/proxy`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'GET', url: local('/sse'), inject: { Authorization: 'e' } }),
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('first')) text += decoder.decode((await reader.read()).value);
    const firstAt = Date.now() - started;
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += decoder.decode(r.value);
    const endAt = Date.now() - started;
    expect(endAt - firstAt).toBeGreaterThan(300); // the first event arrived well before the upstream finished
    expect(text).toContain('data: first Bearer [REDACTED:vault:e]');
    expect(text).toContain('data: second');
  });

  it('ends slow and oversized answers with clear 504 and 502 errors', async () => {
    const { token, t } = await tenantWith([{ path: 'z', capabilities: ['proxy'] }], {
      z: { value: 'sk-live-limits-24681357', metadata: { allow_private: 'true' } },
    });
    const slow = await proxy(token, { method: 'GET', url: local('/slow'), inject: { Authorization: 'z' } });
    expect(slow.status).toBe(504);
    expect(slow.body.error).toContain('did not answer in time');
    const big = await proxy(token, { method: 'GET', url: local('/big'), inject: { Authorization: 'z' } });
    expect(big.status).toBe(502);
    expect(big.body.error).toContain('larger than 4096 bytes');
    // Without a declared length the status is already out when the limit is hit: the stream is cut, never passed whole.
    await expect(proxy(token, { method: 'GET', url: local('/big-chunked'), inject: { Authorization: 'z' } })).rejects.toThrow(
      /fetch failed|terminated/,
    );
    const bad = await api('PUT', '/v1/secrets/z2', t.adminKey, {
      value: 'sk-live-limits-x',
      metadata: { allowed_domains: 'https://x.com/' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('allowed_domains');
  });

  it('stamps proxy calls of agent-bound AppRoles with path, method, host and status only', async () => {
    const key = 'sk-live-stamped-13579bdf';
    const { token, agentId } = await tenantWith(
      [{ path: 's', capabilities: ['proxy'] }],
      { s: { value: key, metadata: { allow_private: 'true' } } },
      true,
    );
    const res = await proxy(token, { method: 'GET', url: `${local('/echo')}?q={{secret:s}}`, inject: { Authorization: 's' } });
    expect(res.status).toBe(200);
    const jobs = await stamps.getJobs(['waiting', 'delayed', 'paused', 'prioritized', 'completed']);
    const mine = jobs.map((j) => j.data).filter((e) => e.agentId === agentId && e.action === 'proxy');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ path: 's', request: { method: 'GET', host: `127.0.0.1:${port}`, status: 200 } });
    expect(JSON.stringify(mine[0])).not.toContain(key);
  });

  it('learns patterns from successful calls and suggests them after a failing one', async () => {
    const key = 'ghp_patterns_key_1234567890';
    const { t, token } = await tenantWith([{ path: 'gh/*', capabilities: ['proxy'] }], {
      'gh/token': { value: key, metadata: { allow_private: 'true' } },
      'gh/wrong': { value: 'ghp_wrong_key_0000000000', metadata: { allow_private: 'true' } },
    });
    const done = processed.length;
    for (const id of [42, 43]) {
      const res = await proxy(token, { method: 'GET', url: local(`/users/${id}?fields=all`), inject: { Authorization: 'gh/token' } });
      expect(res.status, res.text).toBe(200);
    }
    await expect.poll(() => processed.length - done, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    const template = `http://127.0.0.1:${port}/users/{n}?fields=`;
    const list = await api('GET', '/v1/proxy/patterns?secret=gh/token', token);
    expect(list.status, list.text).toBe(200);
    expect(list.body.patterns).toHaveLength(1);
    expect(list.body.patterns[0]).toMatchObject({
      method: 'GET',
      url_template: template,
      host: `127.0.0.1:${port}`,
      request_headers: ['authorization'],
      response_status: 200,
      response_schema: { id: 'integer', login: 'string', tags: 'array', 'tags[]': 'string' },
      successes: 2,
      failures: 0,
      verified_by: 1,
    });
    expect(list.body.patterns[0].confidence).toBeGreaterThan(0);
    const listing = await api('GET', '/v1/secrets?prefix=gh/', t.adminKey);
    expect(listing.body.secrets.find((s: { path: string }) => s.path === 'gh/token')).toMatchObject({
      pattern_count: 1,
      top_pattern: `GET ${template}`,
    });
    expect(listing.body.secrets.find((s: { path: string }) => s.path === 'gh/wrong')).toMatchObject({ pattern_count: 0 });

    // A failing call through the same secret carries the known-good patterns (the upstream's 401 passes through).
    const failing = await proxy(token, { method: 'GET', url: local('/users/7'), inject: { Authorization: 'gh/wrong' } });
    expect(failing.status).toBe(401);
    expect(failing.headers.get('x-portcullis-suggestions')).toBeNull(); // gh/wrong has none
    const failingGood = await proxy(token, {
      method: 'GET',
      url: local('/users/7'),
      headers: { Authorization: 'token {{secret:gh/token}}' },
    });
    expect(failingGood.status).toBe(401);
    expect(JSON.parse(failingGood.headers.get('x-portcullis-suggestions')!)).toEqual([`GET ${template}`]);
    // ... and a refused one carries them in the error body.
    const refused = await proxy(token, { method: 'GET', url: `ftp://127.0.0.1:${port}/users/7`, inject: { Authorization: 'gh/token' } });
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body.suggestions[0]).toMatchObject({
      secret: 'gh/token',
      pattern: `GET ${template}`,
      request_headers: ['authorization'],
    });

    // Failures of a known pattern count against it; failing guesses never become patterns.
    expect((await proxy(token, { method: 'GET', url: local('/users/8?fields=x'), inject: { Authorization: 'gh/wrong' } })).status).toBe(
      401,
    );
    expect(
      (
        await proxy(token, {
          method: 'GET',
          url: local('/users/9?fields=x'),
          headers: { authorization: 'Bearer bad', 'x-k': '{{secret:gh/token}}' },
        })
      ).status,
    ).toBe(401);
    await expect
      .poll(async () => (await api('GET', '/v1/proxy/patterns?secret=gh/token', token)).body.patterns[0].failures as number, {
        timeout: 10_000,
      })
      .toBe(1);
    await new Promise((r) => setTimeout(r, 300)); // the gh/wrong event, processed by now, must not have created a pattern
    expect((await api('GET', '/v1/proxy/patterns?secret=gh/token', token)).body.patterns[0]).toMatchObject({ successes: 2, failures: 1 });
    expect((await api('GET', '/v1/proxy/patterns?secret=gh/wrong', token)).body.patterns).toEqual([]);
    const rows = await prisma.vaultProxyPattern.findMany({ where: { tenantId: t.tenantId } });
    expect(JSON.stringify(rows)).not.toContain(key);

    // patterns need proxy or read on the secret
    const other = await tenantWith([{ path: 'x', capabilities: ['list'] }], { x: { value: 'sk-live-other-0000' } });
    const forbidden = await api('GET', '/v1/proxy/patterns?secret=x', other.token);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.required_capability).toBe('proxy');
  });

  it('never logs a secret value', () => {
    const all = h.logs.join('\n');
    for (const s of secrets) if (s.length >= 8) expect(all).not.toContain(s);
  });
});
