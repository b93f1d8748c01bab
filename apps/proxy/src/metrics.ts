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
  /** One LLM call by an agent, with the tokens its answer reported. */
  llm(agentId: string, provider: string, usage: TokenUsage | null): void;
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
  return {
    registry,
    llm(agentId, provider, usage) {
      llmRequests.inc({ agent_id: agentId, provider });
      if (!usage) return;
      llmTokens.inc({ agent_id: agentId, provider, direction: 'input' }, usage.inputTokens);
      llmTokens.inc({ agent_id: agentId, provider, direction: 'output' }, usage.outputTokens);
    },
    requests: new Counter({
      name: 'portcullis_proxy_requests_total',
      help: 'requests by route and status',
      labelNames: ['route', 'status'] as const,
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'portcullis_proxy_request_duration_seconds',
      help: 'time to the end of the response',
      labelNames: ['route'] as const,
      buckets: BUCKETS,
      registers: [registry],
    }),
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
    hit: (kind) => cache.inc({ kind, result: 'hit' }),
    miss: (kind) => cache.inc({ kind, result: 'miss' }),
  };
}
