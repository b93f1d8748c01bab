/**
 * The data plane end to end: control plane and two proxy processes on the run's Redis, a fake
 * upstream that echoes what it received, and a fake IdP. Each "Must show" of the proxy issue is here.
 */
import { Redis } from 'ioredis';
import { createRemoteJWKSet, jwtVerify, SignJWT } from 'jose';
import { WebSocket } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys, SESSION_TOKEN_ISSUER, type RequestStampEvent, type StampEvent } from '@portcullis/contracts';
import { http, queuedStamps } from '@portcullis/testing';
import { startIdp, startStack, waitFor, type Idp, type Stack } from './proxy-stack.js';

describe('proxy', () => {
  let s: Stack;
  let idp: Idp;
  let redis: Redis;
  let keys: ReturnType<typeof redisKeys>;
  let proxy: string;
  let proxy2: string;
  let t: { tenantId: string; adminKey: string };
  let other: { tenantId: string; adminKey: string };

  beforeAll(async () => {
    idp = await startIdp();
    s = await startStack({ proxies: 2 });
    proxy = s.proxies[0]!.url;
    proxy2 = s.proxies[1]!.url;
    redis = new Redis(s.env.REDIS_URL!);
    keys = redisKeys(s.env.PORTCULLIS_REDIS_PREFIX);
    t = await s.tenant();
    other = await s.tenant();
    const issuer = await http('POST', `${s.cp.url}/api/v1/admin/issuers`, {
      token: t.adminKey,
      body: { issuer: idp.issuer, jwksUri: idp.jwksUri, audience: idp.audience },
    });
    expect(issuer.status).toBe(201);
    // Proxies answer /readyz once subscribed and the session keys are in Redis.
    for (const p of [proxy, proxy2]) await waitFor(async () => (await fetch(`${p}/readyz`)).ok, 10_000, 'proxy readiness');
  });
  afterAll(async () => {
    redis?.disconnect();
    await s?.stop();
    await idp?.close();
  });

  const invoke = (
    base: string,
    agentId: string,
    headers: Record<string, string>,
    path = '',
    init: { method?: string; body?: string } = {},
  ) => http(init.method ?? 'GET', `${base}/api/v1/agents/${agentId}/invoke${path}`, { headers, rawBody: init.body });

  describe('authentication', () => {
    it('accepts the runtime token and rejects wrong ones', async () => {
      const a = await s.agent(t.adminKey);
      const b = await s.agent(t.adminKey);
      expect((await invoke(proxy, a.id, { authorization: `Bearer ${a.token}` })).status).toBe(200);
      expect((await invoke(proxy, a.id, {})).status).toBe(401);
      const tampered = a.token.slice(0, -1) + (a.token.endsWith('A') ? 'B' : 'A');
      const bad = await invoke(proxy, a.id, { authorization: `Bearer ${tampered}` });
      expect(bad.status).toBe(401);
      expect(bad.body).toMatchObject({ error: expect.any(String), request_id: expect.any(String) });
      expect((await invoke(proxy, a.id, { authorization: `Bearer ${b.token}` })).status).toBe(403);
    });

    it('accepts a tenant API key with X-User-Id or with a user JWT, and not alone', async () => {
      const a = await s.agent(t.adminKey);
      const withId = await invoke(proxy, a.id, { authorization: `Bearer ${t.adminKey}`, 'x-user-id': 'user-7' });
      expect(withId.status).toBe(200);
      expect(withId.body.headers['x-user-id']).toBe('user-7');
      const jwt = await idp.sign({ sub: 'user-8', email: 'u8@example.com' });
      const withJwt = await invoke(proxy, a.id, { 'x-api-key': t.adminKey, authorization: `Bearer ${jwt}` });
      expect(withJwt.status).toBe(200);
      expect(withJwt.body.headers['x-end-user-email']).toBe('u8@example.com');
      expect(withJwt.text).not.toContain(t.adminKey);
      expect(withJwt.text).not.toContain(jwt);
      expect((await invoke(proxy, a.id, { authorization: `Bearer ${t.adminKey}` })).status).toBe(401);
      expect((await invoke(proxy, a.id, { authorization: `Bearer ${other.adminKey}`, 'x-user-id': 'user-7' })).status).toBe(404);
      expect((await invoke(proxy, a.id, { 'x-api-key': 'pk_nonsense', 'x-user-id': 'user-7' })).status).toBe(401);
    });

    it("accepts a user JWT from the tenant's issuer and rejects wrong audience, issuer, algorithm and expiry", async () => {
      const a = await s.agent(t.adminKey);
      const good = await invoke(proxy, a.id, { authorization: `Bearer ${await idp.sign({ sub: 'user-9', roles: ['reader'] })}` });
      expect(good.status).toBe(200);
      expect(good.body.headers).toMatchObject({ 'x-end-user-id': 'user-9', 'x-end-user-roles': 'reader' });
      for (const token of [
        await idp.sign({ sub: 'user-9' }, { audience: 'someone-else' }),
        await idp.sign({ sub: 'user-9' }, { issuer: 'https://evil.example/' }),
        await idp.sign({ sub: 'user-9' }, { expiresIn: '-1m' }),
        await new SignJWT({ sub: 'user-9' })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer(idp.issuer)
          .setAudience(idp.audience)
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode('x'.repeat(32))),
      ]) {
        expect((await invoke(proxy, a.id, { authorization: `Bearer ${token}` })).status).toBe(401);
      }
      // The IdP is trusted by this tenant only: its users cannot reach another tenant's agent.
      const foreign = await s.agent(other.adminKey);
      expect((await invoke(proxy, foreign.id, { authorization: `Bearer ${await idp.sign({ sub: 'user-9' })}` })).status).toBe(401);
    });

    it("answers 404 for another tenant's agent and for an unknown one", async () => {
      const foreign = await s.agent(other.adminKey);
      expect((await invoke(proxy, foreign.id, { authorization: `Bearer ${t.adminKey}`, 'x-user-id': 'u' })).status).toBe(404);
      expect(
        (await invoke(proxy, '00000000-0000-4000-8000-000000000000', { authorization: `Bearer ${t.adminKey}`, 'x-user-id': 'u' })).status,
      ).toBe(404);
    });
  });

  it('injects every gateway header, strips every spoofed one, and forwards the path and body', async () => {
    const a = await s.agent(t.adminKey, {
      upstreamSecret: 'upstream-s3cret',
      requiredCredentials: [{ serviceType: 'github' }, { serviceType: 'jira' }],
    });
    await http('POST', `${s.cp.url}/api/v1/admin/credentials`, {
      token: t.adminKey,
      body: { serviceType: 'github', value: 'tenant-github' },
    });
    await http('POST', `${s.cp.url}/api/v1/admin/credentials`, { token: t.adminKey, body: { serviceType: 'jira', value: 'tenant-jira' } });
    await http('POST', `${s.cp.url}/api/v1/admin/credentials`, {
      token: t.adminKey,
      body: { serviceType: 'github', value: 'own-github', userId: 'alice' },
    });
    const jwt = await idp.sign({ sub: 'alice', email: 'alice@example.com', roles: ['admin', 'dev'] });
    const res = await invoke(
      proxy,
      a.id,
      {
        authorization: `Bearer ${jwt}`,
        'x-credential-github': 'spoofed',
        'x-end-user-id': 'mallory',
        'x-user-id': 'mallory',
        'x-tenant-id': other.tenantId,
        'x-gateway-agent-id': 'spoofed',
        'x-gateway-session-token': 'spoofed',
        'x-forwarded-for': '6.6.6.6',
        'x-custom': 'kept',
        'proxy-authorization': 'Basic c3Bvb2Y=',
        'content-type': 'application/json',
      },
      '/tools/run?x=1',
      { method: 'POST', body: '{"q":1}' },
    );
    expect(res.status).toBe(200);
    const h = res.body.headers as Record<string, string>;
    expect(res.body).toMatchObject({ method: 'POST', path: '/tools/run?x=1', body: '{"q":1}' });
    expect(h).toMatchObject({
      'x-user-id': 'alice',
      'x-end-user-id': 'alice',
      'x-end-user-email': 'alice@example.com',
      'x-end-user-roles': 'admin,dev',
      'x-tenant-id': t.tenantId,
      'x-gateway-agent-id': a.id,
      'x-gateway-request-id': res.headers.get('x-gateway-request-id'),
      'x-credential-github': 'own-github',
      'x-credential-jira': 'tenant-jira',
      authorization: 'Bearer upstream-s3cret',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-custom': 'kept',
    });
    expect(h['x-gateway-session-token']).not.toBe('spoofed');
    expect(JSON.stringify(h)).not.toContain('mallory');
    expect(JSON.stringify(h)).not.toContain(jwt);
    expect(h['proxy-authorization']).toBeUndefined();
  });

  it('answers 401 listing each missing credential with its connect URL, which stores the user credential', async () => {
    const a = await s.agent(t.adminKey, { requiredCredentials: [{ serviceType: 'notion' }] });
    const jwt = await idp.sign({ sub: 'bob' });
    const res = await invoke(proxy, a.id, { authorization: `Bearer ${jwt}` });
    expect(res.status).toBe(401);
    expect(res.body.missing).toEqual([
      { serviceType: 'notion', authUrl: `${s.cp.url}/api/v1/credentials/connect/notion?tenant=${t.tenantId}` },
    ]);
    const authUrl: string = res.body.missing[0].authUrl;
    expect((await http('POST', authUrl, { body: { value: 'x' } })).status).toBe(401);
    const described = await http('GET', authUrl, { token: jwt });
    expect(described.body).toMatchObject({ serviceType: 'notion', userId: 'bob', connected: false });
    const stored = await http('POST', authUrl, { token: jwt, body: { value: 'bobs-notion' } });
    expect(stored.status).toBe(201);
    expect(stored.text).not.toContain('bobs-notion');
    await expect
      .poll(async () => (await invoke(proxy, a.id, { authorization: `Bearer ${jwt}` })).body.headers?.['x-credential-notion'])
      .toBe('bobs-notion');
    // Another user of the same tenant still lacks it.
    expect((await invoke(proxy, a.id, { authorization: `Bearer ${await idp.sign({ sub: 'carol' })}` })).status).toBe(401);
  });

  it('mints a session token that verifies against both JWKS endpoints with the right claims', async () => {
    const a = await s.agent(t.adminKey);
    const res = await invoke(proxy, a.id, {
      authorization: `Bearer ${await idp.sign({ sub: 'dave', email: 'd@example.com', roles: ['ops'] })}`,
    });
    const token: string = res.body.headers['x-gateway-session-token'];
    for (const base of [proxy, s.cp.url]) {
      const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`)), {
        issuer: SESSION_TOKEN_ISSUER,
        audience: a.id,
      });
      expect(protectedHeader.alg).toBe('EdDSA');
      expect(payload).toMatchObject({
        sub: 'dave',
        tenant_id: t.tenantId,
        agent_id: a.id,
        email: 'd@example.com',
        roles: ['ops'],
        jti: res.headers.get('x-gateway-request-id'),
        auth_kind: 'user_jwt',
      });
      expect(payload.exp! - payload.iat!).toBe(300);
    }
  });

  it('rotates the signing key: new tokens carry the new kid, old ones still verify on both JWKS endpoints', async () => {
    const a = await s.agent(t.adminKey);
    const auth = { authorization: `Bearer ${a.token}` };
    const before: string = (await invoke(proxy, a.id, auth)).body.headers['x-gateway-session-token'];
    expect((await http('POST', `${s.cp.url}/api/v1/platform/session-keys/rotate`, { token: t.adminKey })).status).toBe(401);
    const rotated = await http('POST', `${s.cp.url}/api/v1/platform/session-keys/rotate`, { token: s.env.PORTCULLIS_ROOT_TOKEN });
    expect(rotated.status).toBe(200);
    const kid: string = rotated.body.kid;
    const kidOf = (token: string): string => (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
    expect(kidOf(before)).not.toBe(kid);
    for (const p of [proxy, proxy2]) {
      await expect.poll(async () => kidOf((await invoke(p, a.id, auth)).body.headers['x-gateway-session-token'])).toBe(kid);
    }
    for (const base of [proxy, s.cp.url]) {
      const jwks = createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`));
      await expect(jwtVerify(before, jwks, { issuer: SESSION_TOKEN_ISSUER, audience: a.id })).resolves.toBeTruthy();
    }
  });

  it('streams an SSE upstream: the first event reaches the client before the upstream finishes', async () => {
    const a = await s.agent(t.adminKey);
    const started = Date.now();
    const res = await fetch(`${proxy}/api/v1/agents/${a.id}/invoke/sse?events=3&delayMs=400`, {
      headers: { authorization: `Bearer ${a.token}` },
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    const first = await reader.read();
    const firstAt = Date.now() - started;
    expect(new TextDecoder().decode(first.value)).toContain('"event":0');
    expect(firstAt).toBeLessThan(400);
    let rest = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toContain('"event":2');
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
  });

  it('replaces a regenerated runtime token at once', async () => {
    const a = await s.agent(t.adminKey);
    expect((await invoke(proxy, a.id, { authorization: `Bearer ${a.token}` })).status).toBe(200);
    const regen = await http('POST', `${s.cp.url}/api/v1/admin/agents/${a.id}/regenerate-token`, { token: t.adminKey });
    const fresh: string = regen.body.runtimeToken;
    for (const p of [proxy, proxy2]) {
      expect((await invoke(p, a.id, { authorization: `Bearer ${a.token}` })).status).toBe(401);
      expect((await invoke(p, a.id, { authorization: `Bearer ${fresh}` })).status).toBe(200);
    }
  });

  it('disabling answers 403 on both proxies within the bound and cuts streams in flight', async () => {
    const a = await s.agent(t.adminKey);
    const auth = { authorization: `Bearer ${a.token}` };
    for (const p of [proxy, proxy2]) expect((await invoke(p, a.id, auth)).status).toBe(200);
    const held = await fetch(`${proxy2}/api/v1/agents/${a.id}/invoke/hold`, { headers: auth });
    const reader = held.body!.getReader();
    await reader.read();
    const off = await http('POST', `${s.cp.url}/api/v1/admin/agents/${a.id}/disable`, { token: t.adminKey });
    expect(off.status).toBe(200);
    const disabledAt = Date.now();
    for (const p of [proxy, proxy2]) {
      await expect.poll(async () => (await invoke(p, a.id, auth)).status, { interval: 5, timeout: 1500 }).toBe(403);
    }
    expect(Date.now() - disabledAt).toBeLessThan(1500);
    const denied = await invoke(proxy, a.id, auth);
    expect(denied.body).toMatchObject({ error: 'agent is disabled', request_id: denied.headers.get('x-gateway-request-id') });
    const drained = (async () => {
      for (;;) if ((await reader.read()).done) return 'ended';
    })().catch(() => 'cut');
    expect(await drained).toBe('cut');
    await http('POST', `${s.cp.url}/api/v1/admin/agents/${a.id}/enable`, { token: t.adminKey });
    await expect.poll(async () => (await invoke(proxy, a.id, auth)).status, { interval: 5, timeout: 1500 }).toBe(200);
  });

  it('heals a missing snapshot by asking the control plane to republish it', async () => {
    const a = await s.agent(t.adminKey);
    await redis.del(keys.agent(a.id));
    await redis.publish(keys.invalidationChannel, JSON.stringify({ kind: 'all' }));
    await expect.poll(async () => (await invoke(proxy, a.id, { authorization: `Bearer ${a.token}` })).status, { timeout: 3000 }).toBe(200);
    expect(await redis.get(keys.agent(a.id))).not.toBeNull();
  });

  it('enqueues one stamp per request, packed per flush, with digests and no secrets', async () => {
    const a = await s.agent(t.adminKey, { upstreamSecret: 'stamp-s3cret' });
    const res = await invoke(proxy, a.id, { authorization: `Bearer ${a.token}` }, '/x', { method: 'POST', body: 'hello' });
    const id = res.headers.get('x-gateway-request-id')!;
    const ours = async (): Promise<StampEvent[]> =>
      (await queuedStamps(s.env.REDIS_URL, s.env.PORTCULLIS_REDIS_PREFIX)).filter((e) => e.requestId === id);
    await expect.poll(async () => (await ours()).length, { timeout: 3000 }).toBe(1);
    const [event] = (await ours()) as [RequestStampEvent];
    const data = JSON.stringify(event);
    expect(event).toMatchObject({
      type: 'request',
      requestId: id,
      agentId: a.id,
      tenantId: t.tenantId,
      authKind: 'runtime_token',
      method: 'POST',
      path: '/x',
      status: 200,
      bytesIn: 5,
      upstream: s.upstream.url,
    });
    expect(event.requestDigest).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
    expect(event.responseDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(event.bytesOut).toBe(Number(res.headers.get('content-length') ?? res.text.length));
    expect(data).not.toContain('stamp-s3cret');
    expect(data).not.toContain(a.token);
  });

  it('forwards WebSocket upgrades with the injected headers', async () => {
    const a = await s.agent(t.adminKey);
    const ws = new WebSocket(`${proxy.replace('http', 'ws')}/api/v1/agents/${a.id}/invoke/ws`, {
      headers: { authorization: `Bearer ${a.token}` },
    });
    const messages: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.onmessage = (m) => {
        messages.push(String(m.data));
        if (messages.length === 1) ws.send('ping');
        else resolve();
      };
      ws.onerror = () => reject(new Error('websocket failed'));
    });
    ws.close();
    expect(JSON.parse(messages[0]!)).toMatchObject({ path: '/ws', headers: { 'x-gateway-agent-id': a.id, 'x-tenant-id': t.tenantId } });
    expect(messages[1]).toBe('ping');
  });

  it('disabling the agent closes its open WebSockets, and a new upgrade is refused', async () => {
    const a = await s.agent(t.adminKey);
    const url = `${proxy.replace('http', 'ws')}/api/v1/agents/${a.id}/invoke/ws`;
    const headers = { authorization: `Bearer ${a.token}` };
    const ws = new WebSocket(url, { headers });
    const closed = new Promise<string>((resolve) => {
      ws.onclose = () => resolve('closed');
    });
    await new Promise<void>((resolve, reject) => {
      ws.onmessage = () => resolve();
      ws.onerror = () => reject(new Error('websocket failed'));
    });
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect((await http('POST', `${s.cp.url}/api/v1/admin/agents/${a.id}/disable`, { token: t.adminKey })).status).toBe(200);
    expect(await Promise.race([closed, new Promise((r) => setTimeout(() => r('still open'), 3000))])).toBe('closed');
    // The upstream side of the cut connection goes too.
    await expect.poll(() => s.upstream.openWebSockets(), { timeout: 3000 }).toBe(0);

    const again = new WebSocket(url, { headers });
    const outcome = await new Promise<string>((resolve) => {
      again.onopen = () => resolve('opened');
      again.onerror = () => resolve('refused');
    });
    expect(outcome).toBe('refused');
  });

  it('maps upstream failures and limits: 413, 502, 504, 429 with Retry-After', async () => {
    const a = await s.agent(t.adminKey);
    const auth = { authorization: `Bearer ${a.token}` };
    const limited = await s.startProxy({ PORTCULLIS_BODY_LIMIT_BYTES: '2048', PORTCULLIS_UPSTREAM_IDLE_TIMEOUT_MS: '300' });
    expect((await invoke(limited.url, a.id, auth, '', { method: 'POST', body: 'x'.repeat(4096) })).status).toBe(413);
    expect((await invoke(limited.url, a.id, auth, '/slow?ms=2000')).status).toBe(504);
    // An upstream that dies mid-answer: the client's connection is cut too, never left hanging.
    const halfway = await fetch(`${proxy}/api/v1/agents/${a.id}/invoke/die`, { headers: auth });
    expect(halfway.status).toBe(200);
    await expect(halfway.text()).rejects.toThrow();
    const dead = await s.agent(t.adminKey, { upstreamUrl: 'http://127.0.0.1:9' });
    expect((await invoke(proxy, dead.id, { authorization: `Bearer ${dead.token}` })).status).toBe(502);
    const rl = await s.agent(t.adminKey, { rateLimit: { requests: 2, windowSeconds: 60 } });
    const rlAuth = { authorization: `Bearer ${rl.token}` };
    const statuses = [];
    for (const p of [proxy, proxy2, proxy]) statuses.push((await invoke(p, rl.id, rlAuth)).status);
    expect(statuses).toEqual([200, 200, 429]);
    const over = await invoke(proxy2, rl.id, rlAuth);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('serves health, readiness and metrics, and logs no secrets', async () => {
    expect((await http('GET', `${proxy}/healthz`)).body).toMatchObject({ status: 'ok' });
    const metrics = await http('GET', `${proxy}/metrics`);
    expect(metrics.text).toContain('portcullis_proxy_requests_total{route="invoke",status="200"}');
    expect(metrics.text).toContain('portcullis_proxy_cache_lookups_total');
    const logs = s.proxies.flatMap((p) => p.output).join('\n');
    expect(logs).not.toMatch(/art_[0-9A-Za-z]{20}/);
    expect(logs).not.toMatch(/pk_[0-9A-Za-z]{20}/);
    expect(logs).not.toContain('upstream-s3cret');
  });
});
