/** HTTP forwarding through one undici Pool per upstream origin, streaming both ways with `stream()`. */
import type { Transform } from 'node:stream';
import { Pool } from 'undici';
import { responseHeaders, upstreamError, type ForwardRequest, type ForwardResult, type Forwarder } from './forwarder.js';

export interface PoolOptions {
  connections: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
}

export interface FilteredForwardRequest extends ForwardRequest {
  /**
   * Chooses, once the upstream's status and headers are known, a transform the response body passes
   * through on its way to the sink (MCP routing rewrites tools/list results); null for none. With a
   * transform, content-length is dropped (the body's length may change).
   */
  responseFilter?: (status: number, headers: Record<string, string | string[] | undefined>) => Transform | null;
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

  async forward(f: FilteredForwardRequest): Promise<ForwardResult> {
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
          const filter = f.responseFilter?.(statusCode, headers) ?? null;
          const out = responseHeaders(headers, f.responseHeaders);
          if (filter) delete out['content-length'];
          f.res.writeHead(statusCode, out);
          // An event stream may stay quiet for long (an MCP server's GET stream): send its headers now,
          // not with the first event, so the client knows the stream is open.
          if (String(headers['content-type'] ?? '').startsWith('text/event-stream')) f.res.flushHeaders();
          if (!filter) return f.sink;
          filter.pipe(f.sink);
          return filter;
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
