/** Which LLM route a URL names, and where on the provider it goes. */
import { describe, expect, it } from 'vitest';
import { matchLlmRoute, upstreamPath } from '../src/routes/llm.js';

describe('matchLlmRoute', () => {
  it('names each provider route with its family, keeping the query apart', () => {
    const cases: [string, string | null, string | null][] = [
      ['/v1/chat/completions', 'openai', 'chat.completions'],
      ['/v1/completions', 'openai', 'completions'],
      ['/v1/embeddings', 'openai', 'embeddings'],
      ['/v1/responses', 'openai', 'responses'],
      ['/v1/responses/resp_1/input_items', 'openai', 'responses'],
      ['/v1/models', 'models', 'models'],
      ['/v1/models/gpt-4o', 'models', 'models'],
      ['/v1/messages', 'anthropic', 'messages'],
      ['/v1/messages/count_tokens', 'anthropic', 'messages.count_tokens'],
      ['/openai/deployments/prod/chat/completions?api-version=2024-10-21', 'azure', 'azure'],
      ['/api/chat', 'ollama', 'ollama'],
      ['/api/tags', 'ollama', 'ollama'],
    ];
    for (const [url, family, name] of cases) expect(matchLlmRoute(url), url).toMatchObject({ family, name });
    expect(matchLlmRoute('/openai/deployments/prod/chat/completions?api-version=1')).toMatchObject({
      path: '/openai/deployments/prod/chat/completions',
      query: '?api-version=1',
      deployment: 'prod',
    });
  });

  it('is none of them for anything else', () => {
    for (const url of ['/v1', '/v1/chat', '/v1/messages/batches', '/v1/files', '/api/', '/openai/deployments/x', '/healthz', '/mcp']) {
      expect(matchLlmRoute(url), url).toBeNull();
    }
  });
});

describe('upstreamPath', () => {
  it('joins the base path and the route without repeating a shared first segment', () => {
    expect(upstreamPath(new URL('https://api.openai.com/v1'), '/v1/chat/completions')).toBe('/v1/chat/completions');
    expect(upstreamPath(new URL('https://api.openai.com/v1/'), '/v1/chat/completions')).toBe('/v1/chat/completions');
    expect(upstreamPath(new URL('https://api.anthropic.com'), '/v1/messages')).toBe('/v1/messages');
    expect(upstreamPath(new URL('https://gw.example/llm/openai/v1'), '/v1/embeddings')).toBe('/llm/openai/v1/embeddings');
    expect(upstreamPath(new URL('https://res.openai.azure.com'), '/openai/deployments/d/chat/completions')).toBe(
      '/openai/deployments/d/chat/completions',
    );
    expect(upstreamPath(new URL('https://res.openai.azure.com/openai'), '/openai/deployments/d/x')).toBe('/openai/deployments/d/x');
    expect(upstreamPath(new URL('http://127.0.0.1:11434'), '/api/chat')).toBe('/api/chat');
    // Only a whole segment counts: /v10 is not /v1.
    expect(upstreamPath(new URL('https://x.example/v10'), '/v1/models')).toBe('/v10/v1/models');
  });
});
