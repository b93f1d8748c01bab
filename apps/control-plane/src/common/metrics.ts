import { Inject } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const METRICS = Symbol('METRICS');
export const InjectMetrics = (): ParameterDecorator => Inject(METRICS);

export interface Metrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  latency: Histogram<'method' | 'route'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'portcullis_cp_' });
  return {
    registry,
    requests: new Counter({
      name: 'portcullis_cp_http_requests_total',
      help: 'Control-plane HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'portcullis_cp_http_request_seconds',
      help: 'Control-plane HTTP latency',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}
