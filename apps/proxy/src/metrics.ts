/** Prometheus metrics for the data plane. Labels are bounded: route names and status codes only. */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CacheStats } from './config-cache/config-cache.js';

export interface ProxyMetrics extends CacheStats {
  registry: Registry;
  requests: Counter<'route' | 'status'>;
  latency: Histogram<'route'>;
  upstreamLatency: Histogram;
  stampErrors: Counter<'reason'>;
  stampsSpooled: Counter;
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
  return {
    registry,
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
