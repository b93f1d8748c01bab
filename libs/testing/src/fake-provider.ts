/**
 * A fake LLM provider that speaks the real wire formats closely enough for the unmodified `openai`
 * and `@anthropic-ai/sdk` clients, and records every request it receives (headers included), so a
 * test can check which key reached the provider.
 *
 *   POST /v1/chat/completions   (also under /openai/deployments/:d/)   JSON, or SSE with a final usage chunk
 *   POST /v1/completions, /v1/embeddings (float or base64), /v1/responses; GET /v1/models[/:id]
 *   POST /v1/messages (JSON, or SSE: message_start … message_stop), /v1/messages/count_tokens
 *   POST /api/chat, /api/generate (NDJSON stream or JSON), GET /api/tags    Ollama's native API
 *
 * Streams send one event every `eventDelayMs`; a request whose model is `hold` streams until the
 * client goes away (kill-switch tests). Any path may sit under the provider's base path.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProviderRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FakeProvider {
  url: string;
  received: ProviderRequest[];
  close(): Promise<void>;
}

/** Token counts every answer reports, so tests know what usage to expect. */
export const FAKE_USAGE = { input: 11, output: 7 } as const;
const WORDS = ['Hello', ' from', ' the', ' fake', ' provider'];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function startFakeProvider(opts: { eventDelayMs?: number } = {}): Promise<FakeProvider> {
  const delay = opts.eventDelayMs ?? 30;
  const received: ProviderRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(entry);
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(entry.body || '{}') as Record<string, unknown>;
      } catch {
        /* not JSON: answered as an empty request */
      }
      const path = new URL(entry.path, 'http://provider').pathname;
      answer(res, entry.method, path, body, delay).catch(() => res.destroy());
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      resolve({
        url,
        received,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}

async function answer(res: ServerResponse, method: string, path: string, body: Record<string, unknown>, delay: number): Promise<void> {
  const model = typeof body.model === 'string' ? body.model : 'fake-model';
  const stream = body.stream === true;
  const is = (suffix: string): boolean => path.endsWith(suffix);
  const { input, output } = FAKE_USAGE;

  if (method === 'GET' && (is('/v1/models') || /\/v1\/models\/[^/]+$/.test(path))) {
    const one = { id: 'fake-model', object: 'model', created: 1_700_000_000, owned_by: 'fake', type: 'model', display_name: 'Fake' };
    return json(res, 200, is('/v1/models') ? { object: 'list', data: [one], has_more: false, first_id: one.id, last_id: one.id } : one);
  }
  if (method === 'GET' && is('/api/tags')) return json(res, 200, { models: [{ name: 'llama3', model: 'llama3' }] });
  if (method !== 'POST') return json(res, 404, { error: { message: `no route ${method} ${path}` } });

  if (is('/chat/completions')) {
    const id = 'chatcmpl-fake';
    const usage = { prompt_tokens: input, completion_tokens: output, total_tokens: input + output };
    if (!stream) {
      return json(res, 200, {
        id,
        object: 'chat.completion',
        created: 1_700_000_000,
        model,
        choices: [
          { index: 0, message: { role: 'assistant', content: WORDS.join(''), refusal: null }, finish_reason: 'stop', logprobs: null },
        ],
        usage,
      });
    }
    return sse(res, model, delay, (word) =>
      word === null
        ? [{ data: { id, object: 'chat.completion.chunk', created: 1, model, choices: [], usage } }, { data: '[DONE]' }]
        : [
            {
              data: {
                id,
                object: 'chat.completion.chunk',
                created: 1,
                model,
                choices: [{ index: 0, delta: { content: word }, finish_reason: null }],
              },
            },
          ],
    );
  }
  if (is('/v1/completions')) {
    return json(res, 200, {
      id: 'cmpl-fake',
      object: 'text_completion',
      created: 1,
      model,
      choices: [{ index: 0, text: WORDS.join(''), finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: input, completion_tokens: output, total_tokens: input + output },
    });
  }
  if (is('/v1/embeddings')) {
    const vector = [0.25, -0.5, 0.75];
    const embedding = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
    return json(res, 200, {
      object: 'list',
      model,
      data: [{ object: 'embedding', index: 0, embedding }],
      usage: { prompt_tokens: input, total_tokens: input },
    });
  }
  if (is('/v1/responses')) {
    return json(res, 200, {
      id: 'resp_fake',
      object: 'response',
      created_at: 1,
      status: 'completed',
      model,
      output: [
        {
          type: 'message',
          id: 'msg_fake',
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: WORDS.join(''), annotations: [] }],
        },
      ],
      usage: { input_tokens: input, output_tokens: output, total_tokens: input + output },
    });
  }
  if (is('/v1/messages/count_tokens')) return json(res, 200, { input_tokens: input });
  if (is('/v1/messages')) {
    const message = { id: 'msg_fake', type: 'message', role: 'assistant', model, stop_reason: null, stop_sequence: null };
    if (!stream) {
      return json(res, 200, {
        ...message,
        content: [{ type: 'text', text: WORDS.join('') }],
        stop_reason: 'end_turn',
        usage: { input_tokens: input, output_tokens: output },
      });
    }
    let first = true;
    return sse(res, model, delay, (word) => {
      const start = first
        ? [
            {
              event: 'message_start',
              data: { type: 'message_start', message: { ...message, content: [], usage: { input_tokens: input, output_tokens: 1 } } },
            },
            { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
          ]
        : [];
      first = false;
      if (word !== null) {
        return [
          ...start,
          { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: word } } },
        ];
      }
      return [
        { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
        {
          event: 'message_delta',
          data: { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: output } },
        },
        { event: 'message_stop', data: { type: 'message_stop' } },
      ];
    });
  }
  if (is('/api/chat') || is('/api/generate')) {
    const chat = is('/api/chat');
    const piece = (word: string): Record<string, unknown> =>
      chat ? { message: { role: 'assistant', content: word } } : { response: word };
    const last = { model, done: true, ...piece(''), prompt_eval_count: input, eval_count: output };
    if (body.stream === false) return json(res, 200, { ...last, ...piece(WORDS.join('')) });
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    for (const word of WORDS) {
      if (res.destroyed) return;
      res.write(JSON.stringify({ model, done: false, ...piece(word) }) + '\n');
      await sleep(delay);
    }
    res.end(JSON.stringify(last) + '\n');
    return;
  }
  return json(res, 404, { error: { message: `no route ${method} ${path}` } });
}

type SseEvent = { event?: string; data: unknown };

/** Streams one batch of events per word (and a closing batch for `null`); `hold` streams until cut. */
async function sse(res: ServerResponse, model: string, delay: number, events: (word: string | null) => SseEvent[]): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const write = (batch: SseEvent[]): void => {
    for (const e of batch)
      res.write(`${e.event ? `event: ${e.event}\n` : ''}data: ${typeof e.data === 'string' ? e.data : JSON.stringify(e.data)}\n\n`);
  };
  for (let i = 0; model === 'hold' || i < WORDS.length; i++) {
    if (res.destroyed) return;
    write(events(WORDS[i % WORDS.length]!));
    await sleep(delay);
  }
  write(events(null));
  res.end();
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
