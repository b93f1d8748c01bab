/**
 * A fake upstream for tests and benchmarks, agent-like and LLM-like:
 *   GET|POST|…  /anything         → 200 JSON echo of {method, path, headers, body}
 *   GET  /sse?events=N&delayMs=D  → text/event-stream, one event every D ms
 *   GET  /hold?intervalMs=D       → chunked stream that never ends by itself (kill-switch tests)
 *   GET  /slow?ms=N               → answers after N ms
 *   GET  /die                     → starts a chunked answer, then drops the connection mid-body
 *   GET  /bench?delayMs=D         → ~1 KB JSON, optionally after D ms (benchmarks)
 *   POST /v1/chat/completions     → OpenAI-shaped completion; with `"stream": true`, SSE chunks
 *   WebSocket upgrade on any path → echoes every text frame back, plus the upgrade's headers first
 * Every request is also recorded in `received` (but `/bench`, and nothing with `record: false`, which
 * a benchmark's upstream needs: millions of kept requests would slow it down as its heap grows).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FakeUpstream {
  url: string;
  port: number;
  server: Server;
  received: ReceivedRequest[];
  /** WebSocket connections the upstream still holds open. */
  openWebSockets(): number;
  close(): Promise<void>;
}

const BENCH_BODY = JSON.stringify({
  id: 'bench',
  object: 'result',
  items: Array.from({ length: 12 }, (_, i) => ({ index: i, name: `item-${i}`, value: 'x'.repeat(40) })),
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function startFakeUpstream(port = 0, host = '127.0.0.1', { record = true }: { record?: boolean } = {}): Promise<FakeUpstream> {
  const received: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://upstream');
    const q = (name: string, fallback: number): number => Number(url.searchParams.get(name) ?? fallback);
    if (url.pathname.endsWith('/bench')) {
      const send = (): void => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BENCH_BODY) });
        res.end(BENCH_BODY);
      };
      const delay = q('delayMs', 0);
      req.resume();
      if (delay > 0) setTimeout(send, delay);
      else send();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const entry = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      if (record) received.push(entry);
      void respond(url, entry, q);
    });
    const respond = async (u: URL, entry: ReceivedRequest, qq: typeof q): Promise<void> => {
      if (u.pathname.endsWith('/sse')) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        const n = qq('events', 3);
        for (let i = 0; i < n && !res.destroyed; i++) {
          if (i > 0) await sleep(qq('delayMs', 200));
          res.write(`id: ${i}\ndata: {"event":${i},"at":${Date.now()}}\n\n`);
        }
        res.end();
      } else if (u.pathname.endsWith('/hold')) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        while (!res.destroyed) {
          res.write('tick\n');
          await sleep(qq('intervalMs', 50));
        }
      } else if (u.pathname.endsWith('/die')) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('half an answer\n');
        await sleep(50);
        res.socket?.destroy();
      } else if (u.pathname.endsWith('/slow')) {
        await sleep(qq('ms', 1000));
        if (!res.destroyed) json(res, 200, { slow: true });
      } else if (u.pathname.endsWith('/v1/chat/completions') && entry.method === 'POST') {
        let stream = false;
        try {
          stream = (JSON.parse(entry.body) as { stream?: boolean }).stream === true;
        } catch {
          /* not JSON: a plain completion */
        }
        if (!stream) {
          json(res, 200, {
            id: 'chatcmpl-fake',
            object: 'chat.completion',
            choices: [{ index: 0, message: { role: 'assistant', content: 'hello from the fake' }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 },
          });
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const word of ['hello', ' from', ' the', ' fake']) {
          res.write(
            `data: ${JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: word } }] })}\n\n`,
          );
          await sleep(qq('delayMs', 20));
        }
        res.end('data: [DONE]\n\n');
      } else {
        json(res, 200, entry);
      }
    };
  });
  const webSockets = new Set<Duplex>();
  server.on('upgrade', (req, socket: Duplex) => {
    const key = req.headers['sec-websocket-key'];
    if (typeof key !== 'string') return socket.destroy();
    webSockets.add(socket);
    socket.once('close', () => webSockets.delete(socket));
    const accept = createHash('sha1')
      .update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    socket.write(frame(JSON.stringify({ path: req.url, headers: req.headers })));
    let buf = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const parsed = parseFrame(buf);
        if (!parsed) return;
        buf = buf.subarray(parsed.length);
        if (parsed.opcode === 0x8) return socket.end(Buffer.from([0x88, 0x00]));
        if (parsed.opcode === 0x1) socket.write(frame(parsed.payload.toString('utf8')));
      }
    });
    socket.on('error', () => socket.destroy());
    // Upgraded sockets are half-open capable: when the peer goes, close our side too.
    socket.on('end', () => socket.end());
  });
  return new Promise((resolve) => {
    server.listen(port, host, () => {
      const p = (server.address() as AddressInfo).port;
      resolve({
        url: `http://${host}:${p}`,
        port: p,
        server,
        received,
        openWebSockets: () => webSockets.size,
        close: () =>
          new Promise((r) => {
            for (const ws of webSockets) ws.destroy();
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}

function json(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** An unmasked server-to-client text frame. */
function frame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const n = payload.length;
  const head =
    n < 126
      ? Buffer.from([0x81, n])
      : n < 65536
        ? Buffer.from([0x81, 126, n >> 8, n & 0xff])
        : Buffer.concat([Buffer.from([0x81, 127]), u64(n)]);
  return Buffer.concat([head, payload]);
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/** One client frame (masked, unfragmented) from the front of `buf`, or null if incomplete. */
function parseFrame(buf: Buffer): { opcode: number; payload: Buffer; length: number } | null {
  if (buf.length < 2) return null;
  const opcode = buf[0]! & 0x0f;
  const masked = (buf[1]! & 0x80) !== 0;
  let len = buf[1]! & 0x7f;
  let off = 2;
  if (len === 126) {
    if (buf.length < 4) return null;
    len = buf.readUInt16BE(2);
    off = 4;
  } else if (len === 127) {
    if (buf.length < 10) return null;
    len = Number(buf.readBigUInt64BE(2));
    off = 10;
  }
  const maskLen = masked ? 4 : 0;
  if (buf.length < off + maskLen + len) return null;
  const payload = Buffer.from(buf.subarray(off + maskLen, off + maskLen + len));
  if (masked) {
    const mask = buf.subarray(off, off + 4);
    for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
  }
  return { opcode, payload, length: off + maskLen + len };
}
