/**
 * Prometheus metrics for the data plane. Labels are bounded: route names, status codes, and on the
 * LLM metrics the agent id and provider kind, set only after the agent authenticated (so a caller
 * cannot mint label values; the count follows the tenants' agents).
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TokenUsage } from '@portcullis/domain';
import type { CacheStats } from './config-cache/config-cache.js';

export interface ProxyMetrics extends CacheStats {
  registry: Registry;
  requests: Counter<'route' | 'status'>;
  latency: Histogram<'route'>;
  upstreamLatency: Histogram;
  stampErrors: Counter<'reason'>;
  stampsSpooled: Counter;
  /** One answered request: counted by route and status, its duration in the route's histogram. */
  request(route: string, status: number, seconds: number): void;
  /** One LLM call by an agent, with the tokens its answer reported. */
  llm(agentId: string, provider: string, usage: TokenUsage | null): void;
}

/**
 * prom-client's label children, kept by their label values: `inc({...})` would hash the label
 * object on every call, a cost per request the proxy need not pay. Cleared past `max` entries (the
 * children stay registered; only the shortcut is dropped).
 */
function children<T>(make: (...values: string[]) => T, max = 10_000): (...values: string[]) => T {
  const memo = new Map<string, T>();
  return (...values) => {
    const key = values.join('\u0000');
    let child = memo.get(key);
    if (child === undefined) {
      if (memo.size >= max) memo.clear();
      memo.set(key, (child = make(...values)));
    }
    return child;
  };
}

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createMetrics(): ProxyMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'portcullis_proxy_' });
  const cache = new Counter({
    name: 'portcullis_proxy_cache_lookups_total',
    help: 'config cache lookups',
    labelNames: ['kind', 'result'] as const,
    registers: [registry],
  });
  const llmRequests = new Counter({
    name: 'portcullis_proxy_llm_requests_total',
    help: 'LLM provider calls by agent and provider',
    labelNames: ['agent_id', 'provider'] as const,
    registers: [registry],
  });
  const llmTokens = new Counter({
    name: 'portcullis_proxy_llm_tokens_total',
    help: 'tokens the providers reported, by agent, provider and direction (input/output)',
    labelNames: ['agent_id', 'provider', 'direction'] as const,
    registers: [registry],
  });
  const requests = new Counter({
    name: 'portcullis_proxy_requests_total',
    help: 'requests by route and status',
    labelNames: ['route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'portcullis_proxy_request_duration_seconds',
    help: 'time to the end of the response',
    labelNames: ['route'] as const,
    buckets: BUCKETS,
    registers: [registry],
  });
  const requestsBy = children((route, status) => requests.labels(route, status));
  const latencyBy = children((route) => latency.labels(route));
  const lookupsBy = children((kind, result) => cache.labels(kind, result));
  const llmBy = children((agentId, provider) => ({
    requests: llmRequests.labels(agentId, provider),
    input: llmTokens.labels(agentId, provider, 'input'),
    output: llmTokens.labels(agentId, provider, 'output'),
  }));
  return {
    registry,
    request(route, status, seconds) {
      requestsBy(route, String(status)).inc();
      latencyBy(route).observe(seconds);
    },
    llm(agentId, provider, usage) {
      const m = llmBy(agentId, provider);
      m.requests.inc();
      if (!usage) return;
      m.input.inc(usage.inputTokens);
      m.output.inc(usage.outputTokens);
    },
    requests,
    latency,
    upstreamLatency: new Histogram({
      name: 'portcullis_proxy_upstream_headers_seconds',
      help: 'time until the upstream sent its response headers',
      buckets: BUCKETS,
      registers: [registry],
    }),
    stampErrors: new Counter({
      name: 'portcullis_proxy_stamp_queue_errors_total',
      help: 'failed stamp enqueues',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    stampsSpooled: new Counter({
      name: 'portcullis_proxy_stamps_spooled_total',
      help: 'stamp events written to the local spool while Redis was unreachable',
      registers: [registry],
    }),
    hit: (kind) => lookupsBy(kind, 'hit').inc(),
    miss: (kind) => lookupsBy(kind, 'miss').inc(),
  };
}
