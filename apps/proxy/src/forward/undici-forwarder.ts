/** HTTP forwarding through one undici Pool per upstream origin, streaming both ways with `stream()`. */
import { Pool } from 'undici';
import { responseHeaders, upstreamError, type ForwardRequest, type ForwardResult, type Forwarder } from './forwarder.js';

export interface PoolOptions {
  connections: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
}

export class UndiciForwarder implements Forwarder {
  private readonly pools = new Map<string, Pool>();
  constructor(private readonly o: PoolOptions) {}

  private pool(origin: string): Pool {
    let p = this.pools.get(origin);
    if (!p) {
      p = new Pool(origin, {
        connections: this.o.connections,
        connect: { timeout: this.o.connectTimeoutMs },
        headersTimeout: this.o.idleTimeoutMs,
        bodyTimeout: this.o.idleTimeoutMs,
        keepAliveTimeout: 30_000,
        pipelining: 1,
      });
      this.pools.set(origin, p);
    }
    return p;
  }

  async forward(f: ForwardRequest): Promise<ForwardResult> {
    const started = performance.now();
    let status = 0;
    let upstreamMs = 0;
    try {
      await this.pool(f.origin).stream(
        {
          path: f.path,
          method: f.method,
          headers: f.headers,
          body: f.body ?? undefined,
          signal: f.signal,
        },
        ({ statusCode, headers }) => {
          status = statusCode;
          upstreamMs = performance.now() - started;
          f.res.writeHead(statusCode, responseHeaders(headers, f.responseHeaders));
          return f.sink;
        },
      );
    } catch (err) {
      throw upstreamError(f.body?.errored ?? err);
    }
    return { status, upstreamMs };
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()));
  }
}
