/**
 * Rewrites `tools/list` results in an upstream MCP server's response to the allow-list, for both
 * response forms of Streamable HTTP:
 * - `application/json`: one message or a batch; read whole (it is one answer), rewritten if needed;
 * - `text/event-stream`: parsed event by event; an event carrying a `tools/list` result is rewritten,
 *   every other event is passed on unchanged the moment its terminating blank line arrives, so
 *   progress notifications and long-lived streams keep flowing.
 * Anything that does not parse is passed on untouched (a client could not read it either).
 */
import { StringDecoder } from 'node:string_decoder';
import { Transform, type TransformCallback } from 'node:stream';
import { DomainError } from '@portcullis/domain';
import { filterToolsResult } from './jsonrpc.js';

const EVENT_END = /\r\n\r\n|\n\n|\r\r/;

export class JsonToolsFilter extends Transform {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  constructor(
    private readonly allowed: ReadonlySet<string>,
    private readonly limit: number,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.limit) return cb(new DomainError('upstream_failed', 'the MCP server answered with an oversized body'));
    this.chunks.push(chunk);
    cb();
  }
  override _flush(cb: TransformCallback): void {
    const raw = Buffer.concat(this.chunks);
    let doc: unknown;
    try {
      doc = JSON.parse(raw.toString('utf8'));
    } catch {
      return cb(null, raw);
    }
    const changed = Array.isArray(doc)
      ? doc.map((m) => filterToolsResult(m, this.allowed)).some(Boolean)
      : filterToolsResult(doc, this.allowed);
    cb(null, changed ? Buffer.from(JSON.stringify(doc)) : raw);
  }
}

export class SseToolsFilter extends Transform {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  constructor(
    private readonly allowed: ReadonlySet<string>,
    /** Longest single event held while waiting for its end. */
    private readonly limit: number,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.pending += this.decoder.write(chunk);
    let out = '';
    for (let m = EVENT_END.exec(this.pending); m; m = EVENT_END.exec(this.pending)) {
      const end = m.index + m[0].length;
      out += this.rewrite(this.pending.slice(0, m.index)) + m[0];
      this.pending = this.pending.slice(end);
    }
    if (this.pending.length > this.limit) return cb(new DomainError('upstream_failed', 'the MCP server sent an oversized event'));
    cb(null, out ? Buffer.from(out) : undefined);
  }
  override _flush(cb: TransformCallback): void {
    const rest = this.pending + this.decoder.end();
    cb(null, rest ? Buffer.from(rest) : undefined);
  }

  /** One event's text (without its terminator): rewritten if its data is a tools/list result. */
  private rewrite(event: string): string {
    if (!event.includes('"tools"')) return event;
    const lines = event.split(/\r\n|\n|\r/);
    const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(l.startsWith('data: ') ? 6 : 5));
    if (!data.length) return event;
    let doc: unknown;
    try {
      doc = JSON.parse(data.join('\n'));
    } catch {
      return event;
    }
    if (!filterToolsResult(doc, this.allowed)) return event;
    const kept = lines.filter((l) => !l.startsWith('data:'));
    return [...kept, `data: ${JSON.stringify(doc)}`].join('\n');
  }
}
