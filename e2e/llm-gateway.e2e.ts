/**
 * The LLM provider gateway end to end: the unmodified `openai` and `@anthropic-ai/sdk` clients, with
 * only their base URL and key changed, call fake providers through a running proxy; the providers
 * record what they received (the injected key, never the agent's token), streams arrive event by
 * event, usage lands on the agent's chain (worker running), and the gateway's refusals hold.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { AzureOpenAI } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestStampEvent } from '@portcullis/contracts';
import {
  FAKE_USAGE,
  http,
  startFakeProvider,
  startWorker,
  type FakeProvider,
  type ProviderRequest,
  type RunningApp,
} from '@portcullis/testing';
import { startStack, waitFor, type Stack } from './proxy-stack.js';

const OPENAI_KEY = 'sk-openai-provider-key-for-tests';
const ANTHROPIC_KEY = 'sk-ant-provider-key-for-tests';
const AZURE_KEY = 'azure-provider-key-for-tests';
const TENANT_KEY = 'sk-tenant-default-key-for-tests';
const PROVIDER_KEYS = [OPENAI_KEY, ANTHROPIC_KEY, AZURE_KEY, TENANT_KEY];
const USAGE = { inputTokens: FAKE_USAGE.input, outputTokens: FAKE_USAGE.output, totalTokens: FAKE_USAGE.input + FAKE_USAGE.output };

type Agent = { id: string; token: string };

describe('LLM provider gateway', () => {
  let s: Stack;
  let worker: RunningApp;
  let openaiP: FakeProvider;
  let anthropicP: FakeProvider;
  let euP: FakeProvider;
  let strayP: FakeProvider;
  let proxy: string;
  let t: { tenantId: string; adminKey: string };
  let gpt: Agent;
  let claude: Agent;

  /** Every header value the providers received, and every body, as one text to search. */
  const seenByProviders = (): string =>
    [openaiP, anthropicP, euP, strayP].flatMap((p) => p.received.map((r) => JSON.stringify(r.headers) + r.body)).join('\n');
  const last = (p: FakeProvider): ProviderRequest => p.received.at(-1)!;
  const stampOf = async (agentId: string, requestId: string): Promise<RequestStampEvent> => {
    let found: RequestStampEvent | undefined;
    await waitFor(
      async () => {
        const res = await http('GET', `${s.cp.url}/v1/audit/agents/${agentId}/stamps?type=request&limit=200`, { token: t.adminKey });
        found = (res.body.items as { event: RequestStampEvent }[]).map((i) => i.event).find((e) => e.requestId === requestId);
        return found !== undefined;
      },
      15_000,
      `stamp of ${requestId}`,
    );
    return found!;
  };
  const agent = (body: Record<string, unknown>): Promise<Agent> => s.agent(t.adminKey, body);
  const llm = (path: string, headers: Record<string, string>, body?: unknown, method = body === undefined ? 'GET' : 'POST') =>
    http(method, `${proxy}${path}`, { headers, ...(body === undefined ? {} : { body }) });

  beforeAll(async () => {
    [openaiP, anthropicP, euP, strayP] = await Promise.all([
      startFakeProvider({ eventDelayMs: 60 }),
      startFakeProvider({ eventDelayMs: 60 }),
      startFakeProvider(),
      startFakeProvider(),
    ]);
    s = await startStack();
    worker = await startWorker();
    proxy = s.proxies[0]!.url;
    await waitFor(async () => (await fetch(`${proxy}/readyz`)).ok, 10_000, 'proxy readiness');
    t = await s.tenant();
    gpt = await agent({
      provider: { kind: 'openai', baseUrl: `${openaiP.url}/v1`, apiKey: OPENAI_KEY },
      allowedUpstreams: [`${euP.url}/v1`],
    });
    claude = await agent({ provider: { kind: 'anthropic', baseUrl: anthropicP.url, apiKey: ANTHROPIC_KEY } });
  }, 60_000);

  afterAll(async () => {
    await worker?.stop();
    await s?.stop();
    await Promise.all([openaiP, anthropicP, euP, strayP].map((p) => p?.close()));
  });

  it('the openai SDK: a chat completion and embeddings, with the provider key injected and the usage stamped', async () => {
    const client = new OpenAI({ baseURL: `${proxy}/v1`, apiKey: gpt.token });
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('Hello from the fake provider');
    const got = last(openaiP);
    expect(got.path).toBe('/v1/chat/completions');
    expect(got.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(JSON.stringify(got.headers)).not.toContain(gpt.token);
    // The client sees neither provider key nor anything else secret in the answer's headers.
    const answerHeaders = JSON.stringify([...response.headers.entries()]);
    for (const k of PROVIDER_KEYS) expect(answerHeaders).not.toContain(k);
    const requestId = response.headers.get('x-gateway-request-id')!;
    const stamp = await stampOf(gpt.id, requestId);
    expect(stamp).toMatchObject({ status: 200, path: '/v1/chat/completions' });
    expect(stamp.llm).toEqual({ provider: 'openai', route: 'chat.completions', model: 'gpt-test', usage: USAGE });

    const embedding = await client.embeddings.create({ model: 'embed-test', input: 'hello' });
    expect(embedding.data[0]!.embedding).toEqual([0.25, -0.5, 0.75]);
    expect(last(openaiP).path).toBe('/v1/embeddings');
  });

  it('the openai SDK: a streamed chat arrives event by event, and its final usage chunk is stamped', async () => {
    const client = new OpenAI({ baseURL: `${proxy}/v1`, apiKey: gpt.token });
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } })
      .withResponse();
    const arrivals: number[] = [];
    let text = '';
    for await (const chunk of stream) {
      const piece = chunk.choices[0]?.delta.content;
      if (piece) {
        arrivals.push(Date.now());
        text += piece;
      }
    }
    expect(text).toBe('Hello from the fake provider');
    // The provider spaces its five events 60 ms apart: had the gateway buffered, they would arrive together.
    expect(arrivals).toHaveLength(5);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(150);
    const stamp = await stampOf(gpt.id, response.headers.get('x-gateway-request-id')!);
    expect(stamp.llm?.usage).toEqual(USAGE);
  });

  it('@anthropic-ai/sdk: a message and a streamed message, x-api-key replaced and anthropic-version kept', async () => {
    const client = new Anthropic({ baseURL: proxy, apiKey: claude.token });
    const msg = await client.messages.create({ model: 'claude-test', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    expect(msg.content[0]).toMatchObject({ type: 'text', text: 'Hello from the fake provider' });
    const got = last(anthropicP);
    expect(got.path).toBe('/v1/messages');
    expect(got.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(got.headers['anthropic-version']).toBeTruthy();
    expect(got.headers.authorization).toBeUndefined();

    const arrivals: number[] = [];
    const stream = client.messages.stream({ model: 'claude-test', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    stream.on('text', () => arrivals.push(Date.now()));
    const final = await stream.finalMessage();
    expect(final.usage).toMatchObject({ input_tokens: FAKE_USAGE.input, output_tokens: FAKE_USAGE.output });
    expect(arrivals).toHaveLength(5);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(150);
    const requestId = (await stream.withResponse()).response.headers.get('x-gateway-request-id')!;
    const stamp = await stampOf(claude.id, requestId);
    expect(stamp.llm).toEqual({ provider: 'anthropic', route: 'messages', model: 'claude-test', usage: USAGE });

    // An SDK that insists on its own key shape: the token wrapped as sk-ant-api03-<token>.
    const wrapped = new Anthropic({ baseURL: proxy, apiKey: `sk-ant-api03-${claude.token}` });
    const counted = await wrapped.messages.countTokens({ model: 'claude-test', messages: [{ role: 'user', content: 'hi' }] });
    expect(counted.input_tokens).toBe(FAKE_USAGE.input);
    expect(last(anthropicP).headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(seenByProviders()).not.toContain(claude.token);
  });

  it('Azure OpenAI through AzureOpenAI (api-key slot) and Ollama native NDJSON with no key', async () => {
    const azureP = await startFakeProvider();
    try {
      const azure = await agent({ provider: { kind: 'azure-openai', baseUrl: azureP.url, apiKey: AZURE_KEY } });
      const client = new AzureOpenAI({ endpoint: proxy, apiKey: azure.token, apiVersion: '2024-10-21', deployment: 'prod-gpt' });
      const done = await client.chat.completions.create({ model: 'ignored', messages: [{ role: 'user', content: 'hi' }] });
      expect(done.choices[0]!.message.content).toBe('Hello from the fake provider');
      const got = last(azureP);
      expect(got.path).toBe('/openai/deployments/prod-gpt/chat/completions?api-version=2024-10-21');
      expect(got.headers['api-key']).toBe(AZURE_KEY);
      expect(JSON.stringify(got.headers)).not.toContain(azure.token);
    } finally {
      await azureP.close();
    }

    const ollamaP = await startFakeProvider();
    try {
      const ollama = await agent({ provider: { kind: 'ollama', baseUrl: ollamaP.url } });
      const res = await fetch(`${proxy}/api/chat`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ollama.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'llama3', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
      const lines = (await res.text()).trim().split('\n');
      expect(lines).toHaveLength(6);
      const got = last(ollamaP);
      expect(got.path).toBe('/api/chat');
      expect(got.headers.authorization).toBeUndefined();
      const stamp = await stampOf(ollama.id, res.headers.get('x-gateway-request-id')!);
      expect(stamp.llm).toEqual({ provider: 'ollama', route: 'ollama', model: 'llama3', usage: USAGE });
    } finally {
      await ollamaP.close();
    }
  });

  it('X-Portcullis-Upstream picks only from the allowed list; anything else is refused before any provider is called', async () => {
    const headers = { authorization: `Bearer ${gpt.token}`, 'x-portcullis-upstream': `${euP.url}/v1/` };
    const ok = await llm('/v1/chat/completions', headers, { model: 'm', messages: [] });
    expect(ok.status).toBe(200);
    expect(last(euP).headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(last(euP).headers['x-portcullis-upstream']).toBeUndefined();
    expect((await stampOf(gpt.id, ok.headers.get('x-gateway-request-id')!)).llm?.selectedUpstream).toBe(true);

    const before = strayP.received.length + openaiP.received.length + euP.received.length;
    for (const upstream of [`${strayP.url}/v1`, `${euP.url}/v2`, 'not a url']) {
      const refused = await llm('/v1/chat/completions', { ...headers, 'x-portcullis-upstream': upstream }, { model: 'm', messages: [] });
      expect(refused.status, upstream).toBe(upstream === 'not a url' ? 400 : 403);
      expect(refused.body).toMatchObject({ request_id: expect.any(String) });
      expect(refused.body.error).toMatch(/X-Portcullis-Upstream/);
    }
    expect(strayP.received.length + openaiP.received.length + euP.received.length).toBe(before);
  });

  it('identity: none at all is a 400 that says what to send; a token for another agent than X-Agent-Id is a 403', async () => {
    const none = await llm('/v1/chat/completions', { authorization: 'Bearer sk-some-real-provider-key' }, { model: 'm', messages: [] });
    expect(none.status).toBe(400);
    expect(none.body).toEqual({ error: 'missing agent identity: send X-Agent-Id or a runtime token', request_id: expect.any(String) });
    const other = await llm('/v1/messages', { 'x-api-key': claude.token, 'x-agent-id': gpt.id }, { model: 'm', messages: [] });
    expect(other.status).toBe(403);
    const bogus = await llm('/v1/messages', { 'x-api-key': `${claude.token.slice(0, -4)}0000` }, { model: 'm', messages: [] });
    expect(bogus.status).toBe(401);
    // A route of a family the agent has no provider for says so.
    const wrongFamily = await llm('/v1/messages', { authorization: `Bearer ${gpt.token}` }, { model: 'm', messages: [] });
    expect(wrongFamily.status).toBe(400);
    expect(wrongFamily.body.error).toMatch(/no Anthropic provider/);
  });

  it('budgets: a request budget refuses with 429 on a normal and a passthrough route; a token budget counts usage', async () => {
    const limited = await agent({
      provider: { kind: 'openai', baseUrl: `${openaiP.url}/v1`, apiKey: OPENAI_KEY },
      budgets: [{ window: 'minute', requests: 2 }],
    });
    const auth = { authorization: `Bearer ${limited.token}` };
    expect((await llm('/v1/chat/completions', auth, { model: 'm', messages: [] })).status).toBe(200);
    expect((await llm('/v1/models', auth)).status).toBe(200);
    const before = openaiP.received.length;
    for (const [path, body] of [
      ['/v1/chat/completions', { model: 'm', messages: [] }],
      ['/v1/models', undefined],
    ] as const) {
      const refused = await llm(path, auth, body);
      expect(refused.status, path).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(refused.body).toMatchObject({
        error: 'budget exceeded: 2 requests per minute',
        budget: { window: 'minute', kind: 'requests', limit: 2 },
        request_id: expect.any(String),
      });
    }
    expect(openaiP.received.length).toBe(before);

    const tokens = await agent({
      provider: { kind: 'anthropic', baseUrl: anthropicP.url, apiKey: ANTHROPIC_KEY },
      budgets: [{ window: 'day', tokens: USAGE.totalTokens + 1 }],
    });
    const asClaude = { 'x-api-key': tokens.token, 'anthropic-version': '2023-06-01' };
    const msg = { model: 'm', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] };
    expect((await llm('/v1/messages', asClaude, msg)).status).toBe(200); // 18 of 19 tokens spent
    expect((await llm('/v1/messages', asClaude, msg)).status).toBe(200); // admitted under the limit, spends past it
    await waitFor(async () => (await llm('/v1/messages/count_tokens', asClaude, msg)).status === 429, 5000, 'token budget');
    const refused = await llm('/v1/messages', asClaude, msg);
    expect(refused.status).toBe(429);
    expect(refused.body.budget).toMatchObject({ window: 'day', kind: 'tokens', limit: USAGE.totalTokens + 1 });
  });

  it('the tenant default provider serves agents without one; bring-your-own-key only where the tenant allows it', async () => {
    const plain = await agent({});
    const auth = { authorization: `Bearer ${plain.token}` };
    expect((await llm('/v1/chat/completions', auth, { model: 'm', messages: [] })).status).toBe(400);
    const set = await http('PATCH', `${s.cp.url}/api/v1/admin/tenant`, {
      token: t.adminKey,
      body: { defaultProvider: { kind: 'openai-compatible', baseUrl: `${strayP.url}/v1`, apiKey: TENANT_KEY } },
    });
    expect(set.status, set.text).toBe(200);
    await waitFor(
      async () => (await llm('/v1/chat/completions', auth, { model: 'm', messages: [] })).status === 200,
      5000,
      'tenant default',
    );
    expect(last(strayP).headers.authorization).toBe(`Bearer ${TENANT_KEY}`);

    const own = { ...auth, 'x-portcullis-provider-key': 'sk-callers-own-key' };
    const off = await llm('/v1/chat/completions', own, { model: 'm', messages: [] });
    expect(off.status).toBe(403);
    expect(off.body.error).toMatch(/X-Portcullis-Provider-Key/);
    const allow = await http('PATCH', `${s.cp.url}/api/v1/admin/tenant`, { token: t.adminKey, body: { allowProviderKeys: true } });
    expect(allow.status, allow.text).toBe(200);
    await waitFor(async () => (await llm('/v1/chat/completions', own, { model: 'm', messages: [] })).status === 200, 5000, 'byok');
    expect(last(strayP).headers.authorization).toBe('Bearer sk-callers-own-key');
    expect(last(strayP).headers['x-portcullis-provider-key']).toBeUndefined();
  });

  it('a disabled agent is refused at once, and its open stream is cut', async () => {
    const doomed = await agent({ provider: { kind: 'openai', baseUrl: `${openaiP.url}/v1`, apiKey: OPENAI_KEY } });
    const client = new OpenAI({ baseURL: `${proxy}/v1`, apiKey: doomed.token, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: 'hold', messages: [{ role: 'user', content: 'hi' }], stream: true });
    // The proxy may cut the stream before the disable call below has answered, so the reading's end is
    // caught from the start: a rejection left without a handler across that await is an unhandled one.
    const reading = (async () => {
      for await (const _ of stream);
      return 'ended';
    })().catch(() => 'cut');
    await new Promise((r) => setTimeout(r, 200));
    const off = await http('POST', `${s.cp.url}/api/v1/admin/agents/${doomed.id}/disable`, { token: t.adminKey });
    expect(off.status).toBe(200);
    expect(await reading).toBe('cut');
    const refused = await llm('/v1/chat/completions', { authorization: `Bearer ${doomed.token}` }, { model: 'm', messages: [] });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe('agent is disabled');
  });

  it('no provider key or runtime token ever appears on a chain', async () => {
    for (const a of [gpt, claude]) {
      const res = await http('GET', `${s.cp.url}/v1/audit/agents/${a.id}/stamps?limit=500`, { token: t.adminKey });
      const text = JSON.stringify(res.body);
      for (const secret of [...PROVIDER_KEYS, gpt.token, claude.token]) expect(text).not.toContain(secret);
    }
  });
});
