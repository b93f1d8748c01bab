/**
 * HTTP forwarding through `http-proxy` (kept selectable so the benchmark can compare it with undici
 * inside the real proxy), and WebSocket upgrades, which undici's Pool does not proxy.
 */
import { Agent, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import httpProxy from 'http-proxy';
import { responseHeaders, upstreamError, type ForwardRequest, type ForwardResult, type Forwarder } from './forwarder.js';
import type { PoolOptions } from './undici-forwarder.js';

export class HttpProxyForwarder implements Forwarder {
  private readonly agent: Agent;
  private readonly proxy: httpProxy;
  /** One shared proxy server: its `proxyRes` events are routed back to the request they answer. */
  private readonly pending = new WeakMap<ServerResponse, (proxyRes: IncomingMessage) => void>();

  constructor(private readonly o: PoolOptions) {
    this.agent = new Agent({ keepAlive: true, maxSockets: o.connections });
    this.proxy = httpProxy.createProxyServer({ agent: this.agent, xfwd: false, selfHandleResponse: true, proxyTimeout: o.idleTimeoutMs });
    this.proxy.on('proxyRes', (proxyRes: IncomingMessage, _req: IncomingMessage, res: ServerResponse) => this.pending.get(res)?.(proxyRes));
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
        proxyRes.pipe(f.sink);
        proxyRes.once('error', (err) => reject(upstreamError(err)));
        f.sink.once('finish', () => resolve({ status, upstreamMs }));
        f.signal.addEventListener('abort', () => proxyRes.destroy(), { once: true });
      });
      this.proxy.web(req, f.res, { target: f.origin, buffer: (f.body ?? undefined) as never, timeout: this.o.connectTimeoutMs }, (err) =>
        reject(upstreamError(f.body?.errored ?? err)),
      );
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
