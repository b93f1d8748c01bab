/**
 * HTTP forwarding through one undici Pool per upstream origin, with `dispatch()` and a handler that
 * writes the answer straight to the client: no intermediate streams on the common path, backpressure
 * by pausing the upstream while the client's socket drains, and the upstream call aborted when the
 * client's side is cut.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { pipeline, type Transform, type Writable } from 'node:stream';
import { Pool, type Dispatcher } from 'undici';
import { DomainError } from '@portcullis/domain';
import { responseHeaders, upstreamError, type ForwardRequest, type ForwardResult, type Forwarder } from './forwarder.js';

export interface PoolOptions {
  connections: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
}

export interface FilteredForwardRequest extends ForwardRequest {
  /**
   * Chooses, once the upstream's status and headers are known, a transform the response body passes
   * through on its way to the client (MCP routing rewrites tools/list results); null for none. With a
   * transform, content-length is dropped (the body's length may change).
   */
  responseFilter?: (status: number, headers: IncomingHttpHeaders) => Transform | null;
}

const cutError = (): DomainError => new DomainError('upstream_failed', 'request cut');

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

  forward(f: FilteredForwardRequest): Promise<ForwardResult> {
    const started = performance.now();
    const { res, sink } = f;
    return new Promise((resolve, reject) => {
      let status = 0;
      let upstreamMs = 0;
      /** With a response filter: where the body goes instead of straight to the client. */
      let filter: Transform | null = null;
      let settled = false;
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        reject(upstreamError(f.body?.errored ?? err));
      };
      const done = (): void => {
        if (settled) return;
        settled = true;
        resolve({ status, upstreamMs });
      };
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(controller) {
          f.cut.onCut(() => controller.abort(cutError()));
        },
        onResponseStart(controller, statusCode, headers) {
          if (statusCode < 200) return; // informational answers are not passed on
          status = statusCode;
          upstreamMs = performance.now() - started;
          try {
            filter = f.responseFilter?.(statusCode, headers) ?? null;
          } catch (err) {
            fail(err);
            controller.abort(err as Error);
            return;
          }
          const out = responseHeaders(headers, f.responseHeaders);
          if (filter) delete out['content-length'];
          res.writeHead(statusCode, out);
          // An event stream may stay quiet for long (an MCP server's GET stream): send its headers now,
          // not with the first event, so the client knows the stream is open.
          if (String(headers['content-type'] ?? '').startsWith('text/event-stream')) res.flushHeaders();
          if (filter) {
            pipeline(filter, sink.writable(res), (err) => {
              if (!err) return done();
              fail(err);
              controller.abort(err);
            });
          }
        },
        onResponseData(controller, chunk) {
          const to: Writable = filter ?? res;
          if (!filter) sink.observe(chunk);
          if (!to.write(chunk)) {
            controller.pause();
            to.once('drain', () => controller.resume());
          }
        },
        onResponseEnd() {
          if (filter) return void filter.end(); // done once the filter's output is written
          res.end();
          done();
        },
        onResponseError(_controller, err) {
          filter?.destroy();
          fail(err);
        },
      };
      this.pool(f.origin).dispatch({ path: f.path, method: f.method, headers: f.headers, body: f.body?.payload ?? null }, handler);
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()));
  }
}
