/**
 * Prometheus metrics for the data plane. Labels are bounded: route names, status codes, and on the
 * LLM metrics the agent id and provider kind, set only after the agent authenticated (so a caller
 * cannot mint label values; the count follows the tenants' agents).
 */
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import type { TokenUsage } from '@portcullis/domain';
import type { CacheStats } from './config-cache/config-cache.js';

export interface ProxyMetrics extends CacheStats {
  registry: Registry;
  stampErrors: Counter<'reason'>;
  stampsSpooled: Counter;
  /** One answered request: counted by route and status; its duration, when given, in the route's histogram. */
  request(route: string, status: number, seconds?: number): void;
  /** Time until an upstream's response headers arrived. */
  upstream(seconds: number): void;
  /** One LLM call by an agent, with the tokens its answer reported. */
  llm(agentId: string, provider: string, usage: TokenUsage | null): void;
}

/**
 * Counts on the request path as plain additions to a cell per label set; prom-client's Counter gets
 * them when it is read (a scrape, or the cluster aggregation), through its `collect` hook. prom-client
 * itself hashes the label object on every `inc`, even through a `labels()` child: at thousands of
 * requests per second, per metric, that is a cost the proxy need not pay.
 */
class Tally<L extends string> {
  private readonly cells = new Map<string, { labels: Partial<Record<L, string>>; n: number }>();
  constructor(private readonly labelNames: readonly L[]) {}

  /** The cell for these label values (in `labelNames` order); add to its `n`. */
  cell(...values: string[]): { n: number } {
    const key = values.length === 1 ? values[0]! : values.join('\u0000');
    let c = this.cells.get(key);
    if (!c) {
      const labels: Partial<Record<L, string>> = {};
      this.labelNames.forEach((name, i) => (labels[name] = values[i]));
      this.cells.set(key, (c = { labels, n: 0 }));
    }
    return c;
  }

  /** Hands what was counted since the last read to the counter. */
  drainInto(counter: Counter<L>): void {
    for (const c of this.cells.values()) {
      if (c.n === 0) continue;
      counter.inc(c.labels, c.n);
      c.n = 0;
    }
  }
}

/** A prom-client Counter fed from a Tally when read. */
function tallied<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Tally<L> {
  const tally = new Tally(labelNames);
  new Counter<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      tally.drainInto(this);
    },
  });
  return tally;
}

/**
 * A latency histogram with the same exposition as prom-client's, observed with a bucket search and
 * three additions (prom-client hashes labels and walks every bucket per observation).
 */
class FastHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, { labels: Record<string, string>; counts: Float64Array; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelName: string | null,
    private readonly bounds: readonly number[],
  ) {}

  observe(seconds: number, label = ''): void {
    let s = this.series.get(label);
    if (!s) {
      s = { labels: this.labelName ? { [this.labelName]: label } : {}, counts: new Float64Array(this.bounds.length), sum: 0, count: 0 };
      this.series.set(label, s);
    }
    const b = this.bounds;
    let i = 0;
    while (i < b.length && seconds > b[i]!) i++;
    if (i < b.length) s.counts[i]!++;
    s.sum += seconds;
    s.count++;
  }

  /** prom-client's metric shape, read by the registry (exposition and cluster aggregation). */
  get(): {
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: { labels: Record<string, string | number>; value: number; metricName: string }[];
  } {
    const values = [];
    for (const s of this.series.values()) {
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += s.counts[i]!;
        values.push({ labels: { le: this.bounds[i]!, ...s.labels }, value: acc, metricName: `${this.name}_bucket` });
      }
      values.push({ labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createMetrics(): ProxyMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'portcullis_proxy_' });
  const lookups = tallied(registry, 'portcullis_proxy_cache_lookups_total', 'config cache lookups', ['kind', 'result'] as const);
  const llmRequests = tallied(registry, 'portcullis_proxy_llm_requests_total', 'LLM provider calls by agent and provider', [
    'agent_id',
    'provider',
  ] as const);
  const llmTokens = tallied(
    registry,
    'portcullis_proxy_llm_tokens_total',
    'tokens the providers reported, by agent, provider and direction (input/output)',
    ['agent_id', 'provider', 'direction'] as const,
  );
  const requests = tallied(registry, 'portcullis_proxy_requests_total', 'requests by route and status', ['route', 'status'] as const);
  const latency = new FastHistogram('portcullis_proxy_request_duration_seconds', 'time to the end of the response', 'route', BUCKETS);
  const upstream = new FastHistogram(
    'portcullis_proxy_upstream_headers_seconds',
    'time until the upstream sent its response headers',
    null,
    BUCKETS,
  );
  registry.registerMetric(latency as never);
  registry.registerMetric(upstream as never);
  return {
    registry,
    request(route, status, seconds) {
      requests.cell(route, String(status)).n++;
      if (seconds !== undefined) latency.observe(seconds, route);
    },
    upstream(seconds) {
      upstream.observe(seconds);
    },
    llm(agentId, provider, usage) {
      llmRequests.cell(agentId, provider).n++;
      if (!usage) return;
      llmTokens.cell(agentId, provider, 'input').n += usage.inputTokens;
      llmTokens.cell(agentId, provider, 'output').n += usage.outputTokens;
    },
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
    hit: (kind) => lookups.cell(kind, 'hit').n++,
    miss: (kind) => lookups.cell(kind, 'miss').n++,
  };
}
