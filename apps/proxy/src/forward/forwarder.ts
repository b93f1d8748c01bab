/**
 * What both forwarding implementations share: the outgoing request and its body, the digesting
 * response sink, the cut that follows the client, header hygiene, and the mapping of transport
 * failures to 502/504.
 */
import { createHash, hash, type Hash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform, Writable, type Readable, type TransformCallback } from 'node:stream';
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
  cut: Cut;
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

/**
 * The request body on its way upstream, counted and hashed for the stamp: read whole when its
 * length is declared and small (the common case for API calls; one buffer, one hash, sent in one
 * write), else streamed through and cut at the size limit (→ 413).
 */
export type RequestBody = BufferedBody | StreamedBody;

/** Bodies up to this size, with a content-length, are read whole before the forward. */
export const BUFFERED_BODY_MAX = 64 * 1024;

export class BufferedBody {
  readonly errored = null;
  constructor(readonly payload: Buffer) {}
  get bytes(): number {
    return this.payload.length;
  }
  digest(): string | null {
    return this.payload.length ? hash('sha256', this.payload) : null;
  }
}

export class StreamedBody extends Transform {
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');
  constructor(private readonly limit: number) {
    super();
    // Its failure (413, or the client gone) reaches the caller through the forward reading it
    // (`errored`), whatever the forwarder does with stream errors.
    this.on('error', () => undefined);
  }
  get payload(): Readable {
    return this;
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

/**
 * The body of `req`, or null when it has none. A declared length up to BUFFERED_BODY_MAX is read
 * whole (the caller has already refused a length over the limit); anything else streams.
 */
export async function readRequestBody(req: IncomingMessage, limit: number): Promise<RequestBody | null> {
  const declared = req.headers['content-length'];
  const chunked = req.headers['transfer-encoding'] !== undefined;
  const length = declared === undefined ? 0 : Number(declared);
  if (!chunked && !(length > 0)) {
    req.resume();
    return null;
  }
  if (chunked || length > BUFFERED_BODY_MAX) {
    const body = new StreamedBody(limit);
    req.pipe(body);
    req.once('error', (err) => body.destroy(err));
    return body;
  }
  return new BufferedBody(await readWholeBody(req, limit));
}

/**
 * The whole body of `req`, refused with 413 past `limit` bytes. A small declared length is read into
 * one buffer of that size (node's parser holds the client to it); otherwise chunks are gathered as
 * they arrive, so a large declared length reserves nothing before its bytes come.
 */
export function readWholeBody(req: IncomingMessage, limit: number, tooLarge = `request body exceeds ${limit} bytes`): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = req.headers['content-length'] === undefined ? NaN : Number(req.headers['content-length']);
    const known = req.headers['transfer-encoding'] === undefined && Number.isSafeInteger(declared) && declared >= 0;
    if (known && declared > limit) {
      req.resume();
      return reject(new DomainError('payload_too_large', tooLarge));
    }
    const buf = known && declared <= BUFFERED_BODY_MAX ? Buffer.allocUnsafe(declared) : null;
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      if (buf) {
        size += chunk.copy(buf, size);
        return;
      }
      size += chunk.length;
      if (size > limit) {
        done();
        req.resume();
        return reject(new DomainError('payload_too_large', tooLarge));
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      done();
      resolve(buf ? buf.subarray(0, size) : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    const onClose = (): void => {
      if (req.complete) return;
      done();
      reject(new DomainError('bad_request', 'client went away'));
    };
    const done = (): void => {
      req.off('data', onData).off('end', onEnd).off('error', onClose).off('close', onClose);
    };
    req.on('data', onData).once('end', onEnd).once('error', onClose).once('close', onClose);
  });
}

/**
 * Counts and hashes the answer as it goes to the client. A one-chunk answer (most JSON ones) is
 * hashed in one call at the end; longer ones incrementally.
 */
export class ResponseSink {
  bytes = 0;
  /** Sees every chunk on its way to the client (the LLM routes read token usage here). */
  tap: ((chunk: Buffer) => void) | null = null;
  private first: Buffer | null = null;
  private hasher: Hash | null = null;

  observe(chunk: Buffer): void {
    if (!chunk.length) return;
    this.bytes += chunk.length;
    if (this.hasher) this.hasher.update(chunk);
    else if (this.first) this.hasher = createHash('sha256').update(this.first).update(chunk);
    else this.first = chunk;
    this.tap?.(chunk);
  }

  digest(): string | null {
    if (this.hasher) return this.hasher.digest('hex');
    return this.first ? hash('sha256', this.first) : null;
  }

  /** A Writable onto the client that observes what it writes (for bodies that arrive through a pipe). */
  writable(res: ServerResponse): Writable {
    return new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        this.observe(chunk);
        if (res.write(chunk)) cb();
        else res.once('drain', () => cb());
      },
      final: (cb) => {
        res.end();
        cb();
      },
    });
  }
}

/**
 * The client's side of a forward, cut when the client goes away or the kill switch closes it; the
 * forwarder registers how to abort its upstream call. (A plain object, not an AbortController:
 * one per request, and the event machinery of AbortSignal costs more than the rest of this class.)
 */
export class Cut {
  aborted = false;
  private abortUpstream: (() => void) | null = null;

  /** Runs `fn` when cut (at once if already cut). */
  onCut(fn: () => void): void {
    if (this.aborted) fn();
    else this.abortUpstream = fn;
  }

  cut(): void {
    if (this.aborted) return;
    this.aborted = true;
    const fn = this.abortUpstream;
    this.abortUpstream = null;
    fn?.();
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
