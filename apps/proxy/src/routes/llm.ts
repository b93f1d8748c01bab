/**
 * The LLM provider routes: an agent points its provider SDK at the gateway, and the gateway forwards
 * the request as sent (no translation between formats) to the agent's provider of the matching kind,
 * with the provider's real key in place of the agent's `art_` token.
 *
 *   /v1/chat/completions, /v1/completions, /v1/embeddings, /v1/responses[/*]   OpenAI-format providers
 *   /v1/models[/*]                                                               any provider but Ollama's native API
 *   /v1/messages, /v1/messages/count_tokens                                     Anthropic
 *   /openai/deployments/:deployment/*                                            Azure OpenAI
 *   /api/*                                                                       Ollama's native API
 *
 * Pre-flight: the agent's identity (its runtime token from whichever slot its SDK uses, or
 * X-Agent-Id + session token) → agent usable (the kill switch) → provider for the route (the agent's,
 * else the tenant default) → upstream (the provider's base URL, or one from the agent's allowed list
 * via X-Portcullis-Upstream) → key (the provider's, or the caller's own where the tenant allows it)
 * → budget. The answer streams back untouched while its token usage is read on the way; one stamp per
 * request carries the provider, model and usage.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { DomainError, UsageMeter, providerAuthHeader, runtimeTokenFrom, type ProviderKind } from '@portcullis/domain';
import { HEADERS, type LlmCallSummary } from '@portcullis/contracts';
import type { ProxyConfig } from '@portcullis/config';
import type { Principal } from '../auth/authenticate.js';
import { authenticateRuntime } from '../auth/runtime-auth.js';
import { normaliseBaseUrl, type CompiledAgent, type CompiledProvider, type ConfigCache } from '../config-cache/config-cache.js';
import type { UndiciForwarder } from '../forward/undici-forwarder.js';
import type { BudgetCounter, Admission } from '../llm/budgets.js';
import type { ProxyMetrics } from '../metrics.js';
import type { StampEmitter } from '../stamps/stamp-emitter.js';
import { DOT_SEGMENT, checkAgentUsable, checkContentLength, cleanHeaders, type Inflight } from './preflight.js';
import { Exchange } from './exchange.js';

export const UPSTREAM_HEADER = 'x-portcullis-upstream';
export const PROVIDER_KEY_HEADER = 'x-portcullis-provider-key';

type Family = 'openai' | 'anthropic' | 'azure' | 'ollama' | 'models';

/** Which provider kinds serve a route family. */
const SERVES: Record<Family, ReadonlySet<ProviderKind>> = {
  openai: new Set(['openai', 'openai-compatible', 'azure-openai', 'ollama']),
  anthropic: new Set(['anthropic']),
  azure: new Set(['azure-openai']),
  ollama: new Set(['ollama']),
  models: new Set(['openai', 'openai-compatible', 'azure-openai', 'ollama', 'anthropic']),
};
const FAMILY_NAME: Record<Family, string> = {
  openai: 'OpenAI-format',
  anthropic: 'Anthropic',
  azure: 'Azure OpenAI',
  ollama: 'Ollama',
  models: 'LLM',
};

export interface LlmRoute {
  family: Family;
  /** For the stamp and metrics: `chat.completions`, `messages`, `ollama`, … */
  name: string;
  path: string;
  query: string;
  /** The Azure deployment named in the path. */
  deployment?: string;
}

const AZURE = /^\/openai\/deployments\/([^/]+)\/.+$/;

/** The LLM route a request URL names, or null when it is none of them. */
export function matchLlmRoute(url: string): LlmRoute | null {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q);
  const at = (family: Family, name: string, deployment?: string): LlmRoute => ({
    family,
    name,
    path,
    query,
    ...(deployment ? { deployment } : {}),
  });
  switch (path) {
    case '/v1/chat/completions':
      return at('openai', 'chat.completions');
    case '/v1/completions':
      return at('openai', 'completions');
    case '/v1/embeddings':
      return at('openai', 'embeddings');
    case '/v1/messages':
      return at('anthropic', 'messages');
    case '/v1/messages/count_tokens':
      return at('anthropic', 'messages.count_tokens');
  }
  if (path === '/v1/models' || path.startsWith('/v1/models/')) return at('models', 'models');
  if (path === '/v1/responses' || path.startsWith('/v1/responses/')) return at('openai', 'responses');
  const azure = AZURE.exec(path);
  if (azure) return at('azure', 'azure', decodeURIComponent(azure[1]!));
  if (path.startsWith('/api/') && path.length > 5) return at('ollama', 'ollama');
  return null;
}

/**
 * The upstream path: the base URL's path, then the route's, without repeating a shared first segment
 * (a base of `https://api.openai.com/v1` and `/v1/chat/completions` give `/v1/chat/completions`).
 */
export function upstreamPath(base: URL, path: string): string {
  const basePath = base.pathname.replace(/\/+$/, '');
  const first = /^\/[^/]+/.exec(path)?.[0] ?? '';
  return first && basePath.endsWith(first) ? basePath + path.slice(first.length) : basePath + path;
}

export interface LlmDeps {
  config: Readonly<ProxyConfig>;
  cache: ConfigCache;
  forwarder: UndiciForwarder;
  budgets: BudgetCounter;
  stamps: StampEmitter;
  metrics: ProxyMetrics;
  logger: Logger;
  inflight: Inflight;
}

interface Authenticated {
  agent: CompiledAgent;
  principal: Principal;
}

interface Prepared {
  provider: CompiledProvider;
  base: URL;
  headers: Record<string, string | string[]>;
  admission: Admission | null;
  summary: Pick<LlmCallSummary, 'selectedUpstream' | 'ownKey'>;
}

/** Azure's key slot; cleanHeaders already drops Authorization, x-api-key, X-Agent-Id and X-Gateway-*. */
const AZURE_KEY = 'api-key';
const GATEWAY_PREFIX = 'x-portcullis-';

export class LlmHandler {
  constructor(private readonly d: LlmDeps) {}

  async handle(req: IncomingMessage, res: ServerResponse, route: LlmRoute): Promise<void> {
    const x = new Exchange(req, res, this.d);
    let who: Authenticated | undefined;
    let prepared: Prepared | undefined;
    let meter: UsageMeter | null = null;
    x.sink.tap = (chunk) => meter?.write(chunk);
    try {
      who = await this.authenticate(req, route);
      prepared = await this.prepare(req, route, who, x.requestId);
      await x.admit(who.agent.snapshot.id, this.d.config.bodyLimitBytes);
      const { base, headers } = prepared;
      await x.forward(this.d.forwarder, {
        origin: base.origin,
        path: upstreamPath(base, route.path) + route.query,
        headers,
        responseFilter: (_code, h) => {
          meter = new UsageMeter(String(h['content-type'] ?? ''));
          return null;
        },
      });
    } catch (err) {
      if (!x.body) req.resume();
      x.fail(err);
    }
    if (!who) return x.finish('llm', null);
    // From here the caller is a known, usable agent: its call goes on its chain, refused or not.
    const { agent, principal } = who;
    const read = meter as UsageMeter | null;
    const usage = read?.end() ?? null;
    const provider = prepared?.provider.kind ?? agent.provider?.kind ?? null;
    if (prepared?.admission && usage) this.d.budgets.spend(prepared.admission, usage.totalTokens);
    if (provider) this.d.metrics.llm(agent.snapshot.id, provider, usage);
    const llm: LlmCallSummary | undefined = provider
      ? { provider, route: route.name, model: read?.model ?? route.deployment ?? null, usage, ...prepared?.summary }
      : undefined;
    x.finish('llm', { agent, principal, path: route.path, upstream: prepared?.base.origin ?? '', extra: llm ? { llm } : {} });
  }

  /** The agent behind the call; 400 when the caller names none at all. */
  private async authenticate(req: IncomingMessage, route: LlmRoute): Promise<Authenticated> {
    if (DOT_SEGMENT.test(route.path)) throw new DomainError('bad_request', 'path must not contain dot segments');
    const token = runtimeTokenFrom(req.headers) ?? undefined;
    if (token === undefined && req.headers[HEADERS.agentId] === undefined) {
      throw new DomainError('bad_request', 'missing agent identity: send X-Agent-Id or a runtime token');
    }
    const { principal, agent } = await authenticateRuntime(req.headers, this.d.cache, token);
    return { principal, agent: await checkAgentUsable(agent, principal, this.d.cache) };
  }

  private async prepare(req: IncomingMessage, route: LlmRoute, who: Authenticated, requestId: string): Promise<Prepared> {
    const { cache, config } = this.d;
    const { agent, principal } = who;
    checkContentLength(req, config.bodyLimitBytes);
    const provider = await this.provider(agent, principal.tenantId, route.family);

    const summary: Prepared['summary'] = {};
    let base = provider.base;
    const chosen = one(req.headers[UPSTREAM_HEADER]);
    if (chosen !== undefined) {
      let url: URL;
      try {
        url = new URL(chosen);
      } catch {
        throw new DomainError('bad_request', 'X-Portcullis-Upstream must be an absolute http(s) URL');
      }
      const key = normaliseBaseUrl(url);
      const allowed = agent.allowedUpstreams.get(key) ?? (key === normaliseBaseUrl(provider.base) ? provider.base : undefined);
      // Anything else could send the injected provider key to a host of the caller's choosing.
      if (!allowed) throw new DomainError('forbidden', "X-Portcullis-Upstream is not one of this agent's allowed upstreams");
      base = allowed;
      summary.selectedUpstream = true;
    }

    let apiKey = provider.apiKey;
    const own = one(req.headers[PROVIDER_KEY_HEADER]);
    if (own !== undefined) {
      const tenant = await cache.tenant(principal.tenantId);
      if (!tenant?.allowProviderKeys) {
        throw new DomainError('forbidden', 'this tenant does not accept callers’ own provider keys (X-Portcullis-Provider-Key)');
      }
      if (!own || own.length > 4096) throw new DomainError('bad_request', 'X-Portcullis-Provider-Key must be 1 to 4096 characters');
      apiKey = own;
      summary.ownKey = true;
    }

    const admission = agent.snapshot.budgets.length ? await this.d.budgets.admit(agent.snapshot.id, agent.snapshot.budgets) : null;

    // Nothing that names or proves the caller, or steers the gateway, goes on to the provider; nor do
    // the client's address or the gateway's identity headers (a provider is a third party).
    const headers = cleanHeaders(req);
    delete headers[AZURE_KEY];
    for (const name in headers) if (name.startsWith(GATEWAY_PREFIX)) delete headers[name];
    const auth = providerAuthHeader(provider.kind, apiKey);
    if (auth) headers[auth[0]] = auth[1];
    headers[HEADERS.gatewayRequestId] = requestId;
    // Usage is read from the answer on its way through, so it must come unencoded.
    headers['accept-encoding'] = 'identity';
    headers.host = base.host;
    return { provider, base, headers, admission, summary };
  }

  /** The agent's provider when it serves this route, else the tenant default when that does. */
  private async provider(agent: CompiledAgent, tenantId: string, family: Family): Promise<CompiledProvider> {
    const serves = SERVES[family];
    if (agent.provider && serves.has(agent.provider.kind)) return agent.provider;
    const fallback = await this.d.cache.tenantProvider(tenantId);
    if (fallback && serves.has(fallback.kind)) return fallback;
    throw new DomainError(
      'bad_request',
      `no ${FAMILY_NAME[family]} provider for this agent: set the agent's provider, or the tenant's default provider, to one of ${[...serves].join(', ')}`,
    );
  }
}

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
