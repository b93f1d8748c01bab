import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyAddress } from '@portcullis/domain';
import { guardedRequest, type GuardedRequest } from './guarded-request.js';

describe('guardedRequest', () => {
  let server: http.Server;
  let port: number;
  const seen: { host: string | undefined; auth: string | undefined; path: string | undefined; local: string | undefined }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push({ host: req.headers.host, auth: req.headers.authorization, path: req.url, local: req.socket.localAddress });
      if (req.url === '/to-other-loopback') return void res.writeHead(302, { location: `http://127.0.0.2:${port}/landed` }).end();
      if (req.url === '/to-same-origin') return void res.writeHead(302, { location: '/landed' }).end();
      if (req.url === '/to-localhost') return void res.writeHead(307, { location: `http://localhost:${port}/landed` }).end();
      if (req.url === '/big') return void res.end('x'.repeat(5000));
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000);
      res.end(JSON.stringify({ path: req.url }));
    });
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => server.close());

  const base = (over: Partial<GuardedRequest>): GuardedRequest => ({
    method: 'GET',
    url: `http://127.0.0.1:${port}/`,
    headers: {},
    allowPrivate: false,
    ...over,
  });
  // Treats 127.0.0.1 as if it were public so redirects can be exercised on one machine.
  const onlyFirstLoopbackPublic = (a: string) =>
    a === '127.0.0.1' ? ({ allowed: true, address: a, family: 4 } as const) : classifyAddress(a);

  it.each([
    '127.0.0.1',
    'localhost',
    '2130706433',
    '0x7f.1',
    '0177.0.0.1',
    '127.1',
    '[::1]',
    '[::ffff:127.0.0.1]',
    '0.0.0.0',
    '[::]',
    '169.254.169.254',
  ])('refuses http://%s/ and says which setting would allow it', async (host) => {
    const err = await guardedRequest(
      base({
        url: `http://${host}:${port}/`,
        privateHint: 'set PORTCULLIS_PROXY_ALLOW_PRIVATE=true or the secret metadata allow_private: "true"',
      }),
    ).catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'forbidden' });
    expect((err as Error).message).toContain('allow_private');
  });

  it('connects to a private target when allowed, sending the Host it was given', async () => {
    const res = await guardedRequest(base({ allowPrivate: true, url: `http://localhost:${port}/hello?x=1` }));
    expect(res.status).toBe(200);
    expect(JSON.parse(await text(res.body))).toEqual({ path: '/hello?x=1' });
    expect(seen.at(-1)!.host).toBe(`localhost:${port}`);
  });

  it('judges every redirect hop: a hop to a private address is refused', async () => {
    const err = await guardedRequest(base({ url: `http://127.0.0.1:${port}/to-other-loopback`, classify: onlyFirstLoopbackPublic })).catch(
      (e: Error) => e,
    );
    expect(err).toMatchObject({ code: 'forbidden', message: expect.stringContaining('127.0.0.2') });
    expect(seen.some((s) => s.path === '/landed' && s.local === '127.0.0.2')).toBe(false);
    const same = await guardedRequest(
      base({
        url: `http://127.0.0.1:${port}/to-same-origin`,
        classify: onlyFirstLoopbackPublic,
        headers: { authorization: 'Bearer kept' },
      }),
    );
    expect(same.status).toBe(200);
    expect(seen.at(-1)).toMatchObject({ path: '/landed', auth: 'Bearer kept' });
  });

  it('holds allowed hosts on every hop and drops credentials on a cross-origin hop', async () => {
    const denied = await guardedRequest(base({ allowPrivate: true, allowedHosts: ['api.example.com'] })).catch((e: Error) => e);
    expect(denied).toMatchObject({ code: 'forbidden', message: expect.stringContaining('allowed_domains') });
    const hopDenied = await guardedRequest(
      base({ allowPrivate: true, url: `http://127.0.0.1:${port}/to-localhost`, allowedHosts: [`127.0.0.1:${port}`] }),
    ).catch((e: Error) => e);
    expect(hopDenied).toMatchObject({ code: 'forbidden', message: expect.stringContaining('localhost') });
    const crossed = await guardedRequest(
      base({
        allowPrivate: true,
        url: `http://127.0.0.1:${port}/to-localhost`,
        headers: { authorization: 'Bearer injected', 'x-api-key': 'k' },
        sensitiveHeaders: ['x-api-key'],
      }),
    );
    expect(crossed.status).toBe(200);
    expect(seen.at(-1)).toMatchObject({ path: '/landed', host: `localhost:${port}`, auth: undefined });
  });

  it('ends slow and oversized responses with 504 and 502 errors', async () => {
    const slow = await guardedRequest(base({ allowPrivate: true, url: `http://127.0.0.1:${port}/slow`, idleTimeoutMs: 200 })).catch(
      (e: Error) => e,
    );
    expect(slow).toMatchObject({ code: 'upstream_timeout' });
    const big = await guardedRequest(base({ allowPrivate: true, url: `http://127.0.0.1:${port}/big`, maxResponseBytes: 1000 }));
    await expect(text(big.body)).rejects.toMatchObject({ code: 'upstream_failed' });
    const refused = await guardedRequest(base({ allowPrivate: true, url: 'http://127.0.0.1:1/' })).catch((e: Error) => e);
    expect(refused).toMatchObject({ code: 'upstream_failed', message: expect.stringContaining('ECONNREFUSED') });
    expect(await guardedRequest(base({ url: 'file:///etc/passwd' })).catch((e: Error) => e)).toMatchObject({ code: 'bad_request' });
    expect(await guardedRequest(base({ url: 'http://user:pw@example.com/' })).catch((e: Error) => e)).toMatchObject({
      code: 'bad_request',
    });
  });
});
