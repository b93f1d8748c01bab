/** The proxy's own counters and histograms expose exactly what prom-client's would. */
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../src/metrics.js';

const lines = (text: string, prefix: string): string[] => text.split('\n').filter((l) => l.startsWith(prefix));

describe('proxy metrics', () => {
  it('histograms match prom-client bucket for bucket, and counters keep counting across scrapes', async () => {
    const m = createMetrics();
    const reference = new Registry();
    const buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
    const latency = new Histogram({
      name: 'portcullis_proxy_request_duration_seconds',
      help: 'x',
      labelNames: ['route'],
      buckets,
      registers: [reference],
    });
    const requests = new Counter({
      name: 'portcullis_proxy_requests_total',
      help: 'x',
      labelNames: ['route', 'status'],
      registers: [reference],
    });
    const samples = [0.0001, 0.0005, 0.0007, 0.001, 0.004, 0.04, 0.7, 3, 31, 45];
    for (const [i, s] of samples.entries()) {
      const route = i % 3 ? 'llm' : 'invoke';
      m.request(route, 200, s);
      latency.observe({ route }, s);
      requests.inc({ route, status: '200' });
    }
    m.request('other', 404);
    requests.inc({ route: 'other', status: '404' });
    const ours = await m.registry.metrics();
    const theirs = await reference.metrics();
    for (const prefix of ['portcullis_proxy_request_duration_seconds_', 'portcullis_proxy_requests_total{']) {
      expect(lines(ours, prefix).sort()).toEqual(lines(theirs, prefix).sort());
    }
    // Read twice: what was counted before the first scrape stays counted, new counts add to it.
    m.request('other', 404);
    expect(await m.registry.metrics()).toContain('portcullis_proxy_requests_total{route="other",status="404"} 2');
  });

  it('counts LLM calls and tokens per agent and provider, and cache lookups by kind', async () => {
    const m = createMetrics();
    m.llm('agent-1', 'openai', { inputTokens: 10, outputTokens: 5, totalTokens: 15 });
    m.llm('agent-1', 'openai', null);
    m.hit('agent');
    m.hit('agent');
    m.miss('token');
    const text = await m.registry.metrics();
    expect(text).toContain('portcullis_proxy_llm_requests_total{agent_id="agent-1",provider="openai"} 2');
    expect(text).toContain('portcullis_proxy_llm_tokens_total{agent_id="agent-1",provider="openai",direction="input"} 10');
    expect(text).toContain('portcullis_proxy_llm_tokens_total{agent_id="agent-1",provider="openai",direction="output"} 5');
    expect(text).toContain('portcullis_proxy_cache_lookups_total{kind="agent",result="hit"} 2');
    expect(text).toContain('portcullis_proxy_cache_lookups_total{kind="token",result="miss"} 1');
  });
});
