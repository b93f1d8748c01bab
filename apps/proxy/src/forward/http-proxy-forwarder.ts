/**
 * HTTP forwarding through `http-proxy` (kept selectable so the benchmark can compare it with undici
 * inside the real proxy), and WebSocket upgrades, which undici's Pool does not proxy.
 */
import { Agent, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Readable, type Duplex } from 'node:stream';
import httpProxy from 'http-proxy';
import { DomainError } from '@portcullis/domain';
import { responseHeaders, upstreamError, type ForwardRequest, type ForwardResult, type Forwarder } from './forwarder.js';
import type { PoolOptions } from './undici-forwarder.js';

export class HttpProxyForwarder implements Forwarder {
  private readonly agent: Agent;
  private readonly proxy: httpProxy;
  /** One shared proxy server: its `proxyRes` events are routed back to the request they answer. */
  private readonly pending = new WeakMap<ServerResponse, (proxyRes: IncomingMessage) => void>();
  /** Streamed request bodies by response: a body that fails (413) takes its upstream request with it. */
  private readonly bodies = new WeakMap<ServerResponse, Readable>();

  constructor(private readonly o: PoolOptions) {
    this.agent = new Agent({ keepAlive: true, maxSockets: o.connections });
    this.proxy = httpProxy.createProxyServer({ agent: this.agent, xfwd: false, selfHandleResponse: true, proxyTimeout: o.idleTimeoutMs });
    this.proxy.on('proxyRes', (proxyRes: IncomingMessage, _req: IncomingMessage, res: ServerResponse) => this.pending.get(res)?.(proxyRes));
    this.proxy.on('proxyReq', (proxyReq: ClientRequest, _req: IncomingMessage, res: ServerResponse) => {
      const body = this.bodies.get(res);
      if (body) body.once('error', (err) => proxyReq.destroy(err));
    });
    // http-proxy only ends one side of a WebSocket when the other *ends*; the kill switch destroys
    // the client socket, so each side's close takes the other with it.
    this.proxy.on('proxyReqWs', (proxyReq: ClientRequest, _req: IncomingMessage, socket: Duplex) => {
      const abort = (): void => void proxyReq.destroy();
      socket.once('close', abort);
      proxyReq.once('upgrade', (_res: IncomingMessage, upstream: Duplex) => {
        socket.off('close', abort);
        socket.once('close', () => upstream.destroy());
        upstream.once('close', () => socket.destroy());
      });
    });
  }

  forward(f: ForwardRequest): Promise<ForwardResult> {
    const started = performance.now();
    const req = f.res.req;
    req.url = f.path;
    req.method = f.method;
    req.headers = f.headers;
    return new Promise((resolve, reject) => {
      this.pending.set(f.res, (proxyRes) => {
        const upstreamMs = performance.now() - started;
        const status = proxyRes.statusCode ?? 502;
        f.res.writeHead(status, responseHeaders(proxyRes.headers, f.responseHeaders));
        const out = f.sink.writable(f.res);
        proxyRes.pipe(out);
        proxyRes.once('error', (err) => reject(upstreamError(err)));
        out.once('finish', () => resolve({ status, upstreamMs }));
        f.cut.onCut(() => proxyRes.destroy(new DomainError('upstream_failed', 'request cut')));
      });
      // http-proxy pipes a stream upstream: a body read whole becomes a one-chunk stream.
      const payload = f.body?.payload;
      const buffer = Buffer.isBuffer(payload) ? Readable.from([payload]) : payload;
      if (payload && !Buffer.isBuffer(payload)) this.bodies.set(f.res, payload);
      // No `timeout` here: http-proxy applies it to the client's socket, which would cut a quiet SSE
      // stream or a slow reader; the upstream side is bounded by `proxyTimeout`.
      this.proxy.web(req, f.res, { target: f.origin, buffer: buffer as never }, (err) => reject(upstreamError(f.body?.errored ?? err)));
    });
  }

  /** Forwards an upgrade (req.url and req.headers already rewritten) to the upstream origin. */
  ws(req: IncomingMessage, socket: Duplex, head: Buffer, origin: string, onError: (err: Error) => void): void {
    this.proxy.ws(req, socket, head, { target: origin, xfwd: false }, onError);
  }

  close(): Promise<void> {
    this.proxy.close();
    this.agent.destroy();
    return Promise.resolve();
  }
}
