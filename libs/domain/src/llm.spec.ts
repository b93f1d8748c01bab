import { describe, expect, it } from 'vitest';
import { UsageMeter, providerAuthHeader, runtimeTokenFrom } from './llm.js';
import { generateToken } from './tokens.js';

const token = generateToken('runtime');

describe('runtimeTokenFrom', () => {
  it.each([
    [{ authorization: `Bearer ${token}` }],
    [{ authorization: `bearer sk-${token}` }],
    [{ 'x-api-key': `sk-ant-api03-${token}` }],
    [{ 'x-api-key': token }],
    [{ 'api-key': token }],
    [{ authorization: 'Bearer sk-real-provider-key', 'x-api-key': token }],
  ])('finds the token in %o', (headers) => {
    expect(runtimeTokenFrom(headers)).toBe(token);
  });
  it('finds none in a provider key or an empty request', () => {
    expect(runtimeTokenFrom({ authorization: 'Bearer sk-proj-abc' })).toBeNull();
    expect(runtimeTokenFrom({ 'x-api-key': 'sk-ant-api03-xyz' })).toBeNull();
    expect(runtimeTokenFrom({})).toBeNull();
  });
});

describe('providerAuthHeader', () => {
  it("sets each provider's own header", () => {
    expect(providerAuthHeader('openai', 'k')).toEqual(['authorization', 'Bearer k']);
    expect(providerAuthHeader('openai-compatible', 'k')).toEqual(['authorization', 'Bearer k']);
    expect(providerAuthHeader('anthropic', 'k')).toEqual(['x-api-key', 'k']);
    expect(providerAuthHeader('azure-openai', 'k')).toEqual(['api-key', 'k']);
    expect(providerAuthHeader('ollama', null)).toBeNull();
  });
});

function meter(contentType: string, chunks: string[]) {
  const m = new UsageMeter(contentType);
  for (const c of chunks) m.write(new TextEncoder().encode(c));
  return m.end();
}

describe('UsageMeter', () => {
  it('reads OpenAI and Anthropic JSON bodies', () => {
    expect(meter('application/json', ['{"choices":[],"usage":{"prompt_tokens":12,', '"completion_tokens":30,"total_tokens":42}}'])).toEqual(
      {
        inputTokens: 12,
        outputTokens: 30,
        totalTokens: 42,
      },
    );
    expect(meter('application/json', ['{"content":[],"usage":{"input_tokens":9,"output_tokens":4}}'])).toEqual({
      inputTokens: 9,
      outputTokens: 4,
      totalTokens: 13,
    });
    expect(meter('application/json', ['{"data":[{"embedding":[0.1]}],"usage":{"prompt_tokens":5,"total_tokens":5}}'])).toEqual({
      inputTokens: 5,
      outputTokens: 0,
      totalTokens: 5,
    });
  });

  it('reads the final events of an OpenAI stream, however the bytes are cut', () => {
    const stream =
      'data: {"choices":[{"delta":{"content":"Hi"}}]}\n\ndata: {"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9}}\n\ndata: [DONE]\n\n';
    for (let size = 1; size < stream.length; size += 7) {
      const chunks = stream.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g'))!;
      expect(meter('text/event-stream; charset=utf-8', chunks)).toEqual({ inputTokens: 7, outputTokens: 2, totalTokens: 9 });
    }
  });

  it('adds up an Anthropic stream (input in message_start, output in message_delta) and the Responses API', () => {
    const anthropic = [
      'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":25,"output_tokens":1}}}\n\n',
      'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"text":"Hello"}}\n\n',
      'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":15}}\n\n',
    ];
    expect(meter('text/event-stream', anthropic)).toEqual({ inputTokens: 25, outputTokens: 15, totalTokens: 40 });
    const responses = [
      'event: response.completed\ndata: {"type":"response.completed","response":{"usage":{"input_tokens":3,"output_tokens":5,"total_tokens":8}}}\n\n',
    ];
    expect(meter('text/event-stream', responses)).toEqual({ inputTokens: 3, outputTokens: 5, totalTokens: 8 });
  });

  it('reads Ollama NDJSON streams and says null when nothing was counted', () => {
    expect(
      meter('application/x-ndjson', ['{"response":"a","done":false}\n', '{"done":true,"prompt_eval_count":11,"eval_count":6}\n']),
    ).toEqual({
      inputTokens: 11,
      outputTokens: 6,
      totalTokens: 17,
    });
    expect(meter('application/json', ['{"ok":true}'])).toBeNull();
    expect(meter('text/plain', ['usage: 5'])).toBeNull();
    expect(meter('application/json', ['{not json'])).toBeNull();
  });

  it('names the model the answer named first, whatever the provider shape', () => {
    const model = (type: string, chunks: string[]): string | null => {
      const m = new UsageMeter(type);
      for (const c of chunks) m.write(Buffer.from(c));
      m.end();
      return m.model;
    };
    expect(model('application/json', ['{"model":"gpt-4o-mini","usage":{"prompt_tokens":1}}'])).toBe('gpt-4o-mini');
    expect(model('text/event-stream', ['data: {"type":"message_start","message":{"model":"claude-x","usage":{}}}\n\n'])).toBe('claude-x');
    expect(model('text/event-stream', ['data: {"type":"response.created","response":{"model":"o4"}}\n\n'])).toBe('o4');
    expect(model('application/x-ndjson', ['{"model":"llama3","done":false}\n', '{"model":"other","done":true}\n'])).toBe('llama3');
    expect(model('application/json', ['{"ok":true}'])).toBeNull();
  });
});
