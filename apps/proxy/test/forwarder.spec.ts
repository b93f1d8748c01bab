/**
 * The forwarding core on real sockets: request bodies read whole or streamed (and cut at the limit),
 * answers streamed back with backpressure, counted and hashed for the stamp, and the upstream call
 * aborted when the client's side is cut. Both forwarders, each behind a node:http gateway.
 */
import { createHash } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '@portcullis/domain';
import {
  BufferedBody,
  Cut,
  ResponseSink,
  StreamedBody,
  readRequestBody,
  readWholeBody,
  type Forwarder,
  type RequestBody,
} from '../src/forward/forwarder.js';
import { HttpProxyForwarder } from '../src/forward/http-proxy-forwarder.js';
import { UndiciForwarder } from '../src/forward/undici-forwarder.js';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const LIMIT = 1024 * 1024;
const BIG = 16 * 1024 * 1024;
/** Deterministic bytes, so both ends can check what they got. */
const pattern = (n: number, seed = 0): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) % 251));

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

/** The upstream: echoes a body's digest, sends big or multi-chunk answers, holds a stream open. */
let streamClosed: Promise<void>;
let onStreamClosed: () => void = () => undefined;
const upstream = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/echo') {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      res.writeHead(200, { 'content-type': 'application/json', connection: 'keep-alive, x-hop', 'x-hop': 'secret', 'x-upstream': 'yes' });
      res.end(JSON.stringify({ bytes: body.length, digest: sha256(body), chunked: req.headers['transfer-encoding'] === 'chunked' }));
    });
    return;
  }
  req.resume();
  if (url.pathname === '/big') {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(BIG) });
    const body = pattern(BIG, 7);
    let at = 0;
    const pump = (): void => {
      while (at < body.length) {
        const next = body.subarray(at, (at += 64 * 1024));
        if (!res.write(next)) return void res.once('drain', pump);
      }
      res.end();
    };
    return pump();
  }
  if (url.pathname === '/chunks') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    let n = 0;
    const tick = setInterval(() => {
      res.write(`chunk ${n}\n`);
      if (++n === 5) {
        clearInterval(tick);
        res.end();
      }
    }, 5);
    return;
  }
  if (url.pathname === '/hold') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: first\n\n');
    res.once('close', () => onStreamClosed());
    return;
  }
  res.writeHead(404).end();
});

interface Outcome {
  body: RequestBody | null;
  sink: ResponseSink;
  status?: number;
  error?: unknown;
}

/** A gateway in front of the upstream, recording each exchange's body, sink and outcome. */
function gateway(forwarder: Forwarder, origin: string): { server: Server; outcomes: Outcome[] } {
  const outcomes: Outcome[] = [];
  const server = createServer((req, res) => {
    const sink = new ResponseSink();
    const cut = new Cut();
    res.once('close', () => {
      if (!res.writableFinished) cut.cut();
    });
    const outcome: Outcome = { body: null, sink };
    outcomes.push(outcome);
    void (async () => {
      try {
        outcome.body = await readRequestBody(req, LIMIT);
        const headers: Record<string, string> = { host: new URL(origin).host };
        if (req.headers['content-type']) headers['content-type'] = req.headers['content-type'];
        if (req.headers['content-length']) headers['content-length'] = req.headers['content-length'];
        const result = await forwarder.forward({
          origin,
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          headers,
          body: outcome.body,
          responseHeaders: { 'x-gateway': 'test' },
          res,
          sink,
          cut,
        });
        outcome.status = result.status;
      } catch (err) {
        outcome.error = err;
        if (res.headersSent) res.destroy();
        else res.writeHead(err instanceof DomainError && err.code === 'payload_too_large' ? 413 : 502).end();
      }
    })();
  });
  return { server, outcomes };
}

/** A raw client call; `slow` reads the answer a little at a time. */
function call(
  base: string,
  path: string,
  opts: { body?: Buffer; chunked?: boolean; slow?: boolean } = {},
): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (opts.body && !opts.chunked) headers['content-length'] = String(opts.body.length);
    // A fresh connection each: a 413 answered mid-body closes its connection.
    const req = request(`${base}${path}`, { method: opts.body ? 'POST' : 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        if (opts.slow) {
          res.pause();
          setTimeout(() => res.resume(), 1);
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body && opts.chunked) {
      // Several writes: node sends them chunked, with no content-length.
      for (let i = 0; i < opts.body.length; i += 50_000) req.write(opts.body.subarray(i, i + 50_000));
      req.end();
    } else req.end(opts.body);
  });
}

let origin: string;
beforeAll(async () => {
  origin = await listen(upstream);
});
afterAll(() => upstream.close());

describe.each([
  ['undici', (): Forwarder => new UndiciForwarder({ connections: 8, connectTimeoutMs: 5000, idleTimeoutMs: 60_000 })],
  ['http-proxy', (): Forwarder => new HttpProxyForwarder({ connections: 8, connectTimeoutMs: 5000, idleTimeoutMs: 60_000 })],
])('forwarding through %s', (_name, make) => {
  let forwarder: Forwarder;
  let gw: ReturnType<typeof gateway>;
  let base: string;
  beforeAll(async () => {
    forwarder = make();
    gw = gateway(forwarder, origin);
    base = await listen(gw.server);
  });
  afterAll(async () => {
    gw.server.closeAllConnections();
    gw.server.close();
    await forwarder.close();
  });

  it('reads a small body whole, sends it intact, and hashes both directions', async () => {
    const body = pattern(3000);
    const res = await call(base, '/echo', { body });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({ bytes: 3000, digest: sha256(body), chunked: false });
    // hop-by-hop headers (and those the upstream's Connection names) stay behind
    expect(res.headers).toMatchObject({ 'x-upstream': 'yes', 'x-gateway': 'test' });
    expect(res.headers['x-hop']).toBeUndefined();
    const o = gw.outcomes.at(-1)!;
    expect(o.body).toBeInstanceOf(BufferedBody);
    expect(o.body!.digest()).toBe(sha256(body));
    expect(o.sink.bytes).toBe(res.body.length);
    expect(o.sink.digest()).toBe(sha256(res.body));
  });

  it('streams a chunked body of unknown length through, hashed on the way', async () => {
    const body = pattern(300_000, 3);
    const res = await call(base, '/echo', { body, chunked: true });
    expect(JSON.parse(res.body.toString())).toMatchObject({ bytes: 300_000, digest: sha256(body) });
    const o = gw.outcomes.at(-1)!;
    expect(o.body).toBeInstanceOf(StreamedBody);
    expect(o.body!.bytes).toBe(300_000);
    expect(o.body!.digest()).toBe(sha256(body));
  });

  it('refuses a streamed body past the limit with 413', async () => {
    const res = await call(base, '/echo', { body: pattern(LIMIT + 100_000), chunked: true });
    expect(res.status).toBe(413);
    expect((gw.outcomes.at(-1)!.error as DomainError).code).toBe('payload_too_large');
  });

  it('hashes an answer that arrives in several chunks', async () => {
    const res = await call(base, '/chunks');
    expect(res.body.toString()).toBe([0, 1, 2, 3, 4].map((n) => `chunk ${n}\n`).join(''));
    const o = gw.outcomes.at(-1)!;
    expect(o.sink.bytes).toBe(res.body.length);
    expect(o.sink.digest()).toBe(sha256(res.body));
  });

  it('streams a 16 MiB answer to a slow reader whole, in order', async () => {
    const res = await call(base, '/big', { slow: true });
    expect(res.body.length).toBe(BIG);
    expect(sha256(res.body)).toBe(sha256(pattern(BIG, 7)));
    const o = gw.outcomes.at(-1)!;
    expect(o.status).toBe(200);
    expect(o.sink.digest()).toBe(sha256(res.body));
  });

  it('aborts the upstream call when the client goes away mid-answer', async () => {
    streamClosed = new Promise((r) => (onStreamClosed = r));
    await new Promise<void>((resolve, reject) => {
      const req = request(`${base}/hold`, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.once('error', reject);
      req.end();
    });
    await streamClosed; // the upstream saw its response closed: the gateway let go of it
    await expect.poll(() => gw.outcomes.at(-1)!.error).toBeDefined();
  });
});

describe('readWholeBody', () => {
  /** A server answering with what readWholeBody made of the request: its digest, or the error code. */
  const reader = createServer((req, res) => {
    readWholeBody(req, 100_000).then(
      (body) => res.end(JSON.stringify({ bytes: body.length, digest: sha256(body) })),
      (err: DomainError) => res.writeHead(err.code === 'payload_too_large' ? 413 : 400).end(err.message),
    );
  });
  let base: string;
  beforeAll(async () => {
    base = await listen(reader);
  });
  afterAll(() => reader.close());

  it('reads a declared length and a chunked body whole, and refuses either past the limit', async () => {
    const body = pattern(90_000, 5);
    for (const chunked of [false, true]) {
      const ok = await call(base, '/', { body, chunked });
      expect(JSON.parse(ok.body.toString()), `chunked: ${chunked}`).toEqual({ bytes: 90_000, digest: sha256(body) });
      const big = await call(base, '/', { body: pattern(150_000), chunked });
      expect(big.status, `chunked: ${chunked}`).toBe(413);
      expect(big.body.toString()).toBe('request body exceeds 100000 bytes');
    }
  });
});

describe('Cut', () => {
  it('runs the abort registered before the cut once, and one registered after at once', () => {
    const cut = new Cut();
    let n = 0;
    cut.onCut(() => n++);
    cut.cut();
    cut.cut();
    expect(n).toBe(1);
    cut.onCut(() => n++);
    expect(n).toBe(2);
  });
});
