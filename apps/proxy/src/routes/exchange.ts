/**
 * One proxied request's life on every route toward an upstream (invoke, MCP routing, the LLM routes):
 * its id and timing, the cut that follows the client (gone, or cut by the kill switch), the sink
 * that counts and hashes the answer, the forward, the failure answer, the route's metrics, the stamp.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { DomainError } from '@portcullis/domain';
import { HEADERS, type RequestStampEvent } from '@portcullis/contracts';
import type { Principal } from '../auth/authenticate.js';
import type { CompiledAgent } from '../config-cache/config-cache.js';
import { Cut, ResponseSink, readRequestBody, type ForwardResult, type RequestBody } from '../forward/forwarder.js';
import type { FilteredForwardRequest } from '../forward/undici-forwarder.js';
import type { ProxyMetrics } from '../metrics.js';
import type { StampEmitter } from '../stamps/stamp-emitter.js';
import { sendError, track, untrack, type Inflight } from './preflight.js';

export interface ExchangeDeps {
  metrics: ProxyMetrics;
  stamps: StampEmitter;
  logger: Logger;
  inflight: Inflight;
}

/** Either forwarder; undici's also takes a response filter. */
interface AnyForwarder {
  forward(f: FilteredForwardRequest): Promise<ForwardResult>;
}

/** What the stamp needs beyond the exchange itself; `extra` is the route's summary (`mcp`, `llm`). */
export interface StampOf {
  agent: CompiledAgent;
  principal: Principal;
  /** The path the caller used, without the query. */
  path: string;
  /** Origin of the upstream that served it ('' when none was reached). */
  upstream: string;
  extra?: Partial<RequestStampEvent>;
}

export class Exchange {
  readonly requestId = randomUUID();
  readonly startedAt = new Date();
  /** Cut when the client goes away (or the kill switch closes it) before the answer finished. */
  readonly cut = new Cut();
  readonly sink = new ResponseSink();
  status = 0;
  upstreamMs: number | null = null;
  /** The request body on its way upstream, once the route has started it. */
  body: RequestBody | null = null;
  private readonly started = performance.now();
  private tracked: string | null = null;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    private readonly d: ExchangeDeps,
  ) {
    // Client gone (or cut by the kill switch) before the answer finished: abort the upstream call.
    res.once('close', () => {
      if (!res.writableFinished) this.cut.cut();
    });
  }

  get method(): string {
    return this.req.method ?? 'GET';
  }

  /**
   * From here the agent's kill switch cuts this exchange, whether its body is still arriving or its
   * answer is streaming; then the request body, read whole or streaming (see readRequestBody).
   */
  async admit(agentId: string, bodyLimit: number): Promise<void> {
    this.hold(agentId);
    this.body = await readRequestBody(this.req, bodyLimit);
  }

  /** Tracked among the agent's open responses, so disabling the agent cuts it. */
  hold(agentId: string): void {
    if (this.tracked) return;
    track(this.d.inflight, agentId, this.res);
    this.tracked = agentId;
  }

  /** Sends the request upstream and streams the answer back (after `admit` or `hold`). */
  async forward(forwarder: AnyForwarder, f: Pick<FilteredForwardRequest, 'origin' | 'path' | 'headers' | 'responseFilter'>): Promise<void> {
    if (!this.tracked) throw new Error('forward before the exchange is held');
    if (this.cut.aborted) throw new DomainError('bad_request', 'client went away');
    const result = await forwarder.forward({
      ...f,
      method: this.method,
      body: this.body,
      responseHeaders: { [HEADERS.gatewayRequestId]: this.requestId },
      res: this.res,
      sink: this.sink,
      cut: this.cut,
    });
    this.status = result.status;
    this.upstreamMs = result.upstreamMs;
    this.d.metrics.upstream(result.upstreamMs / 1000);
  }

  /**
   * Answers a failure: the error body, or, when the answer had already begun (the upstream failed
   * mid-stream, or the client left), cuts the connection, since a half-sent answer cannot become an
   * error and a stream left open would hang with no one behind it.
   */
  fail(err: unknown): void {
    const aborted = this.cut.aborted;
    if (this.res.headersSent) {
      this.res.destroy();
      this.status ||= aborted ? 499 : 502;
      return;
    }
    this.status = sendError(this.res, aborted ? new DomainError('upstream_failed', 'request cut') : err, this.requestId, this.d.logger);
  }

  /** Ends the exchange: no longer tracked, the route's metrics, and the stamp when the agent is known. */
  finish(route: string, stamp: StampOf | null | undefined): void {
    if (this.tracked) untrack(this.d.inflight, this.tracked, this.res);
    const durationMs = performance.now() - this.started;
    this.d.metrics.request(route, this.status, durationMs / 1000);
    if (!stamp) return;
    const ms = (v: number): number => Math.round(v * 1000) / 1000;
    this.d.stamps.emit({
      type: 'request',
      requestId: this.requestId,
      tenantId: stamp.agent.snapshot.tenantId,
      agentId: stamp.agent.snapshot.id,
      userId: stamp.principal.user?.id ?? null,
      authKind: stamp.principal.kind,
      method: this.method,
      path: stamp.path,
      status: this.status,
      bytesIn: this.body?.bytes ?? 0,
      bytesOut: this.sink.bytes,
      startedAt: this.startedAt.toISOString(),
      durationMs: ms(durationMs),
      upstreamMs: this.upstreamMs === null ? null : ms(this.upstreamMs),
      upstream: stamp.upstream,
      requestDigest: this.body?.digest() ?? null,
      responseDigest: this.sink.digest(),
      ...stamp.extra,
    });
  }
}
