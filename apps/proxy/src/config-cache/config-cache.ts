/**
 * The proxy's view of the control plane's snapshots: Redis read through an in-process cache.
 *
 * Invariants (the kill switch depends on them):
 * - an entry is used without asking Redis for at most `ttlMs` after it was last confirmed;
 * - an Invalidation drops the entry at once; after any reconnect of the subscriber or the reader
 *   everything is dropped (messages may have been missed while away);
 * - when Redis cannot be asked, a cached entry is still used until `stalenessBoundMs` after its last
 *   confirmation, then the lookup fails closed (503) rather than serve a possibly-disabled agent;
 * - a missing agent snapshot is healed by asking the control plane to republish it, once at a time
 *   per agent and at most once per `ttlMs`, then read again;
 * - secrets are opened once per snapshot version, never per request.
 */
import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DomainError, openWithKey, type ProviderKind } from '@portcullis/domain';
import {
  REPUBLISH_PATH,
  providerKeyAad,
  sessionKeyAad,
  type AgentSnapshot,
  type CredentialSnapshot,
  type Invalidation,
  type McpServerSnapshot,
  type ProviderSnapshot,
  type RedisKeys,
  type SessionKeySnapshot,
  type SessionKeysSnapshot,
  type TenantSnapshot,
  type TokenIndexEntry,
} from '@portcullis/contracts';

/** An agent snapshot with everything a request needs prepared once per version. */
export interface CompiledAgent {
  snapshot: AgentSnapshot;
  upstream: URL;
  /** `scheme://host:port` of the upstream, the stamp's `upstream` and the connection pool key. */
  origin: string;
  /** Path prefix of the upstream URL without a trailing slash. */
  basePath: string;
  upstreamAuthorization: string | null;
  /** The agent's own LLM provider, key opened; null: the tenant default applies. */
  provider: CompiledProvider | null;
  /** `X-Portcullis-Upstream` choices by normalised base URL (see `normaliseBaseUrl`). */
  allowedUpstreams: ReadonlyMap<string, URL>;
}

/** An LLM provider with its base URL parsed and its key opened, once per snapshot. */
export interface CompiledProvider {
  kind: ProviderKind;
  base: URL;
  apiKey: string | null;
}

/** A base URL as compared against the allowed list: origin plus path, no trailing slash, no query. */
export function normaliseBaseUrl(url: URL): string {
  return url.origin + url.pathname.replace(/\/+$/, '');
}

/** An MCP server snapshot with its URL parsed and allow-list indexed once per version. */
export interface CompiledMcpServer {
  snapshot: McpServerSnapshot;
  upstream: URL;
  origin: string;
  basePath: string;
  /** null: every tool allowed. */
  allowedTools: ReadonlySet<string> | null;
  agentIds: ReadonlySet<string>;
}

export interface SessionSigner {
  kid: string;
  alg: 'EdDSA' | 'ES256';
  key: KeyObject;
  /** base64url of the protected header, computed once per key. */
  encodedHeader: string;
}

export interface SessionKeys {
  signer: SessionSigner;
  jwks: string;
  /** Public keys by kid (the active and retired ones), to verify session tokens runtimes send back. */
  verifiers: ReadonlyMap<string, { alg: 'EdDSA' | 'ES256'; key: KeyObject }>;
}

interface Entry<T> {
  value: T;
  confirmedAt: number;
}

export interface CacheStats {
  hit(kind: string): void;
  miss(kind: string): void;
}

export interface ConfigCacheOptions {
  redis: Redis;
  subscriber: Redis;
  keys: RedisKeys;
  dataPlaneKey: Buffer;
  ttlMs: number;
  stalenessBoundMs: number;
  controlPlaneUrl: string;
  internalToken: string;
  logger: Logger;
  stats: CacheStats;
  /** Called for every agent invalidation that disables or deletes it: cut its open streams. */
  onAgentStopped(agentId: string): void;
}

const unavailable = (): DomainError => new DomainError('unavailable', 'gateway configuration cannot be confirmed; try again shortly');

export class ConfigCache {
  private readonly entries = new Map<string, Entry<unknown>>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly compiled = new Map<string, CompiledAgent>();
  /** Tenant default providers by the sealed key's text (unique per sealing), so each is opened once. */
  private readonly tenantProviders = new Map<string, CompiledProvider>();
  private readonly republishAsked = new Map<string, number>();
  private readonly o: ConfigCacheOptions;
  private subscribed = false;
  /** Bumped on every drop, so a read that raced an invalidation is used once but not cached. */
  private epoch = 0;

  constructor(options: ConfigCacheOptions) {
    this.o = options;
    const { redis, subscriber, keys } = options;
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === keys.invalidationChannel) this.apply(message);
    });
    subscriber.on('ready', () => {
      this.flush('subscriber reconnected');
      subscriber.subscribe(keys.invalidationChannel).then(
        () => (this.subscribed = true),
        (err: Error) => options.logger.error({ err: err.message }, 'subscribe failed'),
      );
    });
    subscriber.on('close', () => (this.subscribed = false));
    redis.on('ready', () => this.flush('redis reconnected'));
  }

  /** Ready: both connections up and subscribed, so invalidations reach this pod. */
  get ready(): boolean {
    return this.subscribed && this.o.redis.status === 'ready';
  }

  flush(reason: string): void {
    this.epoch++;
    if (this.entries.size) this.o.logger.info({ reason, dropped: this.entries.size }, 'config cache flushed');
    this.entries.clear();
  }

  private apply(message: string): void {
    let m: Invalidation;
    try {
      m = JSON.parse(message) as Invalidation;
    } catch {
      return;
    }
    this.epoch++;
    switch (m.kind) {
      case 'agent':
        this.entries.delete(this.o.keys.agent(m.agentId));
        if (m.status !== 'active') this.o.onAgentStopped(m.agentId);
        break;
      case 'token':
        this.entries.delete(this.o.keys.token(m.tokenHash));
        break;
      case 'credential':
        this.entries.delete(this.o.keys.credential(m.tenantId, m.userId, m.serviceType));
        break;
      case 'tenant':
        this.entries.delete(this.o.keys.tenant(m.tenantId));
        break;
      case 'session-keys':
        this.entries.delete(this.o.keys.sessionKeys);
        break;
      case 'mcp-server':
        this.entries.delete(this.o.keys.mcpServer(m.serverId));
        break;
      case 'all':
        this.flush('full republish');
        break;
    }
  }

  agent(agentId: string): Promise<CompiledAgent | null> {
    return this.lookup(this.o.keys.agent(agentId), 'agent', async (raw) => {
      if (raw === null) raw = await this.healMissing('agent', agentId, this.o.keys.agent(agentId));
      return raw === null ? null : this.compile(withDefaults(JSON.parse(raw) as SnapshotOfAnyAge));
    });
  }

  mcpServer(serverId: string): Promise<CompiledMcpServer | null> {
    const key = this.o.keys.mcpServer(serverId);
    return this.lookup(key, 'mcp-server', async (raw) => {
      if (raw === null) raw = await this.healMissing('mcp-server', serverId, key);
      return raw === null ? null : compileMcpServer(JSON.parse(raw) as McpServerSnapshot);
    });
  }

  /** Misses are not cached: a token minted a moment ago must work at once (no invalidation names it). */
  token(tokenHash: string): Promise<TokenIndexEntry | null> {
    return this.lookup(this.o.keys.token(tokenHash), 'token', (raw) => (raw === null ? null : (JSON.parse(raw) as TokenIndexEntry)), false);
  }

  tenant(tenantId: string): Promise<TenantSnapshot | null> {
    return this.lookup(this.o.keys.tenant(tenantId), 'tenant', (raw) => (raw === null ? null : (JSON.parse(raw) as TenantSnapshot)));
  }

  /** The tenant's default LLM provider, key opened once per snapshot; null when it has none. */
  async tenantProvider(tenantId: string): Promise<CompiledProvider | null> {
    const p = (await this.tenant(tenantId))?.defaultProvider;
    if (!p) return null;
    const memo = `${tenantId}|${p.kind}|${p.baseUrl}|${p.sealedApiKey ?? ''}`;
    let hit = this.tenantProviders.get(memo);
    if (!hit) {
      if (this.tenantProviders.size > 10_000) this.tenantProviders.clear();
      this.tenantProviders.set(memo, (hit = this.compileProvider(p, tenantId)));
    }
    return hit;
  }

  private compileProvider(p: ProviderSnapshot, ownerId: string): CompiledProvider {
    return {
      kind: p.kind,
      base: new URL(p.baseUrl),
      apiKey: p.sealedApiKey ? openWithKey(this.o.dataPlaneKey, p.sealedApiKey, providerKeyAad(ownerId)) : null,
    };
  }

  /** The credential's plaintext, opened once per snapshot; null when there is none. */
  credential(tenantId: string, userId: string | null, serviceType: string): Promise<string | null> {
    const key = this.o.keys.credential(tenantId, userId, serviceType);
    return this.lookup(key, 'credential', (raw) => {
      if (raw === null) return null;
      const snap = JSON.parse(raw) as CredentialSnapshot;
      return openWithKey(this.o.dataPlaneKey, snap.sealedValue, key);
    });
  }

  sessionKeys(): Promise<SessionKeys | null> {
    return this.lookup(this.o.keys.sessionKeys, 'session-keys', (raw) =>
      raw === null ? null : this.compileKeys(JSON.parse(raw) as SessionKeysSnapshot),
    );
  }

  /**
   * One cached value: fresh within the TTL; else re-read (one read in flight per key); when the read
   * fails, the cached value until the staleness bound, then 503.
   */
  private async lookup<T>(key: string, kind: string, decode: (raw: string | null) => T | Promise<T>, cacheMisses = true): Promise<T> {
    const now = Date.now();
    const e = this.entries.get(key) as Entry<T> | undefined;
    if (e && now - e.confirmedAt < this.o.ttlMs) {
      this.o.stats.hit(kind);
      return e.value;
    }
    this.o.stats.miss(kind);
    let p = this.inflight.get(key) as Promise<T> | undefined;
    if (!p) {
      p = this.read(key, decode, cacheMisses).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    try {
      return await p;
    } catch (err) {
      if (err instanceof DomainError && err.code !== 'unavailable') throw err;
      if (e && Date.now() - e.confirmedAt < this.o.stalenessBoundMs) return e.value;
      throw unavailable();
    }
  }

  private async read<T>(key: string, decode: (raw: string | null) => T | Promise<T>, cacheMisses: boolean): Promise<T> {
    const started = Date.now();
    const epoch = this.epoch;
    let raw: string | null;
    try {
      raw = await this.o.redis.get(key);
    } catch {
      throw unavailable();
    }
    const value = await decode(raw);
    if (epoch === this.epoch && (cacheMisses || value !== null)) this.entries.set(key, { value, confirmedAt: started });
    return value;
  }

  private async healMissing(kind: 'agent' | 'mcp-server', id: string, key: string): Promise<string | null> {
    const last = this.republishAsked.get(id);
    if (last !== undefined && Date.now() - last < this.o.ttlMs) return null;
    this.republishAsked.set(id, Date.now());
    if (this.republishAsked.size > 10_000) this.republishAsked.clear();
    try {
      const res = await fetch(`${this.o.controlPlaneUrl}${REPUBLISH_PATH}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.o.internalToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ kind, id }),
        signal: AbortSignal.timeout(2000),
      });
      await res.body?.cancel();
      if (res.status === 404 || res.status === 400) return null;
      if (!res.ok) throw new Error(`status ${res.status}`);
    } catch (err) {
      this.o.logger.warn({ kind, id, err: (err as Error).message }, 'republish request failed');
      throw unavailable();
    }
    try {
      return await this.o.redis.get(key);
    } catch {
      throw unavailable();
    }
  }

  private compile(s: AgentSnapshot): CompiledAgent {
    const cacheKey = `${s.id}:${s.version}`;
    const hit = this.compiled.get(cacheKey);
    if (hit) return hit;
    const upstream = new URL(s.upstreamUrl);
    const compiled: CompiledAgent = {
      snapshot: s,
      upstream,
      origin: upstream.origin,
      basePath: upstream.pathname.replace(/\/+$/, ''),
      upstreamAuthorization: s.sealedUpstreamSecret ? `Bearer ${openWithKey(this.o.dataPlaneKey, s.sealedUpstreamSecret, s.id)}` : null,
      provider: s.provider ? this.compileProvider(s.provider, s.id) : null,
      allowedUpstreams: new Map(s.allowedUpstreams.map((u) => [normaliseBaseUrl(new URL(u)), new URL(u)] as const)),
    };
    for (const k of this.compiled.keys()) if (k.startsWith(`${s.id}:`)) this.compiled.delete(k);
    if (this.compiled.size > 50_000) this.compiled.clear();
    this.compiled.set(cacheKey, compiled);
    return compiled;
  }

  private compileKeys(s: SessionKeysSnapshot): SessionKeys | null {
    const active = s.keys.find((k) => k.kid === s.activeKid);
    if (!active?.sealedPrivateKey) return null;
    const pem = openWithKey(this.o.dataPlaneKey, active.sealedPrivateKey, sessionKeyAad(active.kid));
    const header = { alg: active.alg, typ: 'JWT', kid: active.kid };
    return {
      signer: {
        kid: active.kid,
        alg: active.alg,
        key: createPrivateKey(pem),
        encodedHeader: Buffer.from(JSON.stringify(header)).toString('base64url'),
      },
      jwks: JSON.stringify({ keys: s.keys.map(publicJwk) }),
      verifiers: new Map(
        s.keys.map((k) => [k.kid, { alg: k.alg, key: createPublicKey({ key: k.publicJwk as JsonWebKey, format: 'jwk' }) }] as const),
      ),
    };
  }
}

type LaterFields = 'provider' | 'allowedUpstreams' | 'budgets';
type SnapshotOfAnyAge = Omit<AgentSnapshot, LaterFields> & Partial<Pick<AgentSnapshot, LaterFields>>;

/**
 * A snapshot written before a field existed reads as that field's empty value: in a rolling upgrade
 * the proxies may run a newer version than the control plane that wrote what is in Redis.
 */
function withDefaults(s: SnapshotOfAnyAge): AgentSnapshot {
  return { ...s, provider: s.provider ?? null, allowedUpstreams: s.allowedUpstreams ?? [], budgets: s.budgets ?? [] };
}

function compileMcpServer(s: McpServerSnapshot): CompiledMcpServer {
  const upstream = new URL(s.url);
  return {
    snapshot: s,
    upstream,
    origin: upstream.origin,
    basePath: upstream.pathname.replace(/\/+$/, ''),
    allowedTools: s.allowedTools === null ? null : new Set(s.allowedTools),
    agentIds: new Set(s.agentIds),
  };
}

function publicJwk(k: SessionKeySnapshot): Record<string, string> {
  return { ...k.publicJwk, kid: k.kid, alg: k.alg, use: 'sig' };
}
