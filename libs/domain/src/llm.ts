/**
 * The LLM provider gateway's pure rules: where an agent's runtime token may sit in the request its SDK
 * sends, which auth header each provider kind expects, and how token usage is read from a response
 * (a JSON body, or the events of an SSE / NDJSON stream) while it passes through untouched.
 */
import { StringDecoder } from 'node:string_decoder';

export const PROVIDER_KINDS = ['openai', 'anthropic', 'azure-openai', 'ollama', 'openai-compatible'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

/** SDK-shaped wrappers some clients insist on; the runtime token follows the prefix. */
const WRAPPERS = ['sk-ant-api03-', 'sk-proj-', 'sk-'];

function unwrap(value: string): string | null {
  const v = value.trim();
  if (v.startsWith('art_')) return v;
  for (const w of WRAPPERS) if (v.startsWith(w + 'art_')) return v.slice(w.length);
  return null;
}

/**
 * The `art_` runtime token from whichever slot the agent's SDK used: `Authorization: Bearer`,
 * `x-api-key` (Anthropic), `api-key` (Azure), bare or wrapped as `sk-ant-api03-<token>` / `sk-<token>`.
 * Returns null when no slot holds one (the caller's own provider key, or nothing).
 */
export function runtimeTokenFrom(headers: Record<string, string | string[] | undefined>): string | null {
  const one = (name: string): string | undefined => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const auth = one('authorization');
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth.trim());
    const t = m ? unwrap(m[1]!) : null;
    if (t) return t;
  }
  for (const name of ['x-api-key', 'api-key']) {
    const v = one(name);
    const t = v ? unwrap(v) : null;
    if (t) return t;
  }
  return null;
}

/** Header names that carry a caller's credential toward a provider; all are removed before forwarding. */
export const PROVIDER_AUTH_HEADERS = ['authorization', 'x-api-key', 'api-key'] as const;

/** The provider's own auth header for its key, or none (Ollama, a local model without a key). */
export function providerAuthHeader(kind: ProviderKind, apiKey: string | null): [string, string] | null {
  if (!apiKey) return null;
  switch (kind) {
    case 'anthropic':
      return ['x-api-key', apiKey];
    case 'azure-openai':
      return ['api-key', apiKey];
    case 'ollama':
    case 'openai':
    case 'openai-compatible':
      return ['authorization', `Bearer ${apiKey}`];
  }
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

type Json = Record<string, unknown>;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The model an answer names: top level (OpenAI, Ollama), `message` (Anthropic's message_start), `response` (Responses API). */
function modelIn(doc: Json): string | undefined {
  for (const m of [doc.model, (doc.message as Json | undefined)?.model, (doc.response as Json | undefined)?.model]) {
    if (typeof m === 'string' && m.length > 0 && m.length <= 200) return m;
  }
  return undefined;
}

/** Usage fields of any of the providers' shapes (OpenAI chat/completions/embeddings/responses, Anthropic, Ollama). */
function usageIn(doc: Json, acc: Partial<TokenUsage>): void {
  const u = (doc.usage ?? (doc.response as Json | undefined)?.usage ?? (doc.message as Json | undefined)?.usage) as Json | undefined;
  if (u && typeof u === 'object') {
    const input = num(u.prompt_tokens) ?? num(u.input_tokens);
    const output = num(u.completion_tokens) ?? num(u.output_tokens);
    // Anthropic streams input tokens in message_start and output tokens in message_delta: keep both.
    if (input !== undefined && (input > 0 || acc.inputTokens === undefined)) acc.inputTokens = input;
    if (output !== undefined) acc.outputTokens = output;
    const total = num(u.total_tokens);
    if (total !== undefined) acc.totalTokens = total;
  }
  const promptEval = num(doc.prompt_eval_count);
  const evalCount = num(doc.eval_count);
  if (promptEval !== undefined) acc.inputTokens = promptEval;
  if (evalCount !== undefined) acc.outputTokens = evalCount;
}

const MAX_BUFFERED = 4 * 1024 * 1024;

/**
 * Reads usage from a response as its bytes go by, without holding the stream back: JSON bodies are
 * parsed at the end (up to 4 MiB), SSE and NDJSON streams event by event (only the current partial
 * line is kept).
 */
export class UsageMeter {
  private readonly acc: Partial<TokenUsage> = {};
  /** The model the answer named first, if any (read along with the usage). */
  model: string | null = null;
  private readonly mode: 'json' | 'sse' | 'ndjson' | 'none';
  private pending = '';
  /** JSON mode: the body's bytes so far (up to MAX_BUFFERED). */
  private chunks: Uint8Array[] = [];
  private size = 0;
  /** Stream modes: keeps a character split across chunks whole. */
  private readonly decoder = new StringDecoder('utf8');

  constructor(contentType: string | undefined) {
    const ct = (contentType ?? '').toLowerCase();
    this.mode = ct.includes('text/event-stream') ? 'sse' : ct.includes('ndjson') ? 'ndjson' : ct.includes('json') ? 'json' : 'none';
  }

  write(chunk: Uint8Array): void {
    if (this.mode === 'none') return;
    if (this.mode === 'json') {
      // Kept as bytes and decoded once at the end: most JSON answers are one or two chunks.
      this.size += chunk.length;
      if (this.size <= MAX_BUFFERED) this.chunks.push(chunk);
      return;
    }
    this.pending += this.decoder.write(chunk);
    const lines = this.pending.split('\n');
    this.pending = lines.pop() ?? '';
    if (this.pending.length > MAX_BUFFERED) this.pending = '';
    for (const line of lines) this.line(line);
  }

  private line(raw: string): void {
    const line = raw.trim();
    const data = this.mode === 'sse' ? (line.startsWith('data:') ? line.slice(5).trim() : '') : line;
    if (!data || data === '[DONE]' || data[0] !== '{') return;
    try {
      this.take(JSON.parse(data) as Json);
    } catch {
      /* not a JSON event: nothing to count */
    }
  }

  private take(doc: Json): void {
    if (typeof doc !== 'object' || doc === null) return;
    usageIn(doc, this.acc);
    this.model ??= modelIn(doc) ?? null;
  }

  /** Usage seen in the whole response, or null when the response carried none. */
  end(): TokenUsage | null {
    if (this.mode === 'json' && this.size <= MAX_BUFFERED && this.size > 0) {
      const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      this.chunks = [];
      try {
        this.take(JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')) as Json);
      } catch {
        /* not JSON after all */
      }
    } else if (this.pending) {
      this.line(this.pending);
    }
    this.pending = '';
    const { inputTokens, outputTokens, totalTokens } = this.acc;
    if (inputTokens === undefined && outputTokens === undefined && totalTokens === undefined) return null;
    const i = inputTokens ?? 0;
    const o = outputTokens ?? 0;
    return { inputTokens: i, outputTokens: o, totalTokens: totalTokens ?? i + o };
  }
}
