/**
 * What both forwarding implementations share: the outgoing request, the digesting response sink,
 * header hygiene, and the mapping of transport failures to 502/504.
 */
import { createHash, type Hash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { Transform, Writable, type TransformCallback } from 'node:stream';
import { DomainError } from '@portcullis/domain';

export interface ForwardRequest {
  origin: string;
  method: string;
  /** Upstream path and query. */
  path: string;
  headers: Record<string, string | string[]>;
  body: RequestBody | null;
  /** Headers added to the response (the request id). */
  responseHeaders: Record<string, string>;
  res: ServerResponse;
  sink: ResponseSink;
  signal: AbortSignal;
}

export interface ForwardResult {
  status: number;
  /** Time until the upstream's response headers arrived. */
  upstreamMs: number;
}

export interface Forwarder {
  forward(f: ForwardRequest): Promise<ForwardResult>;
  close(): Promise<void>;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) never cross the proxy in either direction. */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

export function responseHeaders(
  upstream: Record<string, string | string[] | undefined>,
  extra: Record<string, string>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const connection = upstream.connection;
  const named =
    typeof connection === 'string'
      ? connection
          .toLowerCase()
          .split(',')
          .map((s) => s.trim())
      : [];
  for (const k in upstream) {
    const v = upstream[k];
    if (v === undefined || HOP_BY_HOP.has(k) || named.includes(k)) continue;
    out[k] = v;
  }
  return Object.assign(out, extra);
}

/** The request body on its way upstream: counted, hashed, and cut at the size limit (→ 413). */
export class RequestBody extends Transform {
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');
  constructor(private readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) return cb(new DomainError('payload_too_large', `request body exceeds ${this.limit} bytes`));
    this.hash.update(chunk);
    cb(null, chunk);
  }
  digest(): string | null {
    return this.bytes ? this.hash.digest('hex') : null;
  }
}

/** Writes the upstream's response to the client as it arrives, counting and hashing on the way. */
export class ResponseSink extends Writable {
  bytes = 0;
  /** Sees every chunk on its way to the client (the LLM routes read token usage here). */
  tap: ((chunk: Buffer) => void) | null = null;
  private readonly hash: Hash = createHash('sha256');
  constructor(private readonly res: ServerResponse) {
    super();
  }
  /** Hashes a chunk written to the client by another path (http-proxy's pipe). */
  observe(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    this.tap?.(chunk);
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.observe(chunk);
    if (this.res.write(chunk)) cb();
    else this.res.once('drain', () => cb());
  }
  override _final(cb: (err?: Error | null) => void): void {
    this.res.end();
    cb();
  }
  digest(): string | null {
    return this.bytes ? this.hash.digest('hex') : null;
  }
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'ECONNABORTED']);

/** A transport failure as the caller should see it: 504 for timeouts, 502 for everything else. */
export function upstreamError(err: unknown): DomainError {
  if (err instanceof DomainError) return err;
  const code = (err as { code?: string }).code ?? '';
  if (TIMEOUT_CODES.has(code)) return new DomainError('upstream_timeout', 'the agent did not answer in time');
  return new DomainError('upstream_failed', 'the agent could not be reached');
}
