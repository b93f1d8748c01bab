/**
 * Writes what the data plane reads (layout in @portcullis/contracts) after every committed change,
 * and publishes an invalidation so every proxy drops its cached copy at once.
 *
 * Invariants:
 * - called only after the Postgres transaction committed: Redis never shows an uncommitted state;
 * - agent snapshots are written compare-and-set on `version`, so a slow writer never replaces a newer
 *   snapshot with an older one;
 * - secrets are re-sealed under the data-plane key; nothing written here is usable plaintext;
 * - a failed write is retried; if it still fails the caller hears 503 (the change is committed and a
 *   background full republish keeps trying), never a silent success.
 */
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Agent, ApiKey, Credential, McpServer, PrismaClient, Tenant } from '@portcullis/db';
import { DomainError, EnvelopeCipher, SealError, sealWithKey } from '@portcullis/domain';
import {
  TENANT_WIDE,
  providerKeyAad,
  sessionKeyAad,
  type AgentSnapshot,
  type BudgetLimit,
  type ProviderKind,
  type ProviderSnapshot,
  type CredentialSnapshot,
  type Invalidation,
  type McpServerSnapshot,
  type RedisKeys,
  type RequiredCredential,
  type SessionKeysSnapshot,
  type TenantSnapshot,
  type TokenIndexEntry,
} from '@portcullis/contracts';
import { CIPHER, DATA_PLANE_KEY, KEYS, PRISMA, REDIS } from './tokens.js';
import { LOGGER } from '../common/logger.provider.js';

const SET_IF_NEWER = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local ok, doc = pcall(cjson.decode, cur)
  if ok and type(doc) == 'table' and doc.version and tonumber(doc.version) > tonumber(ARGV[2]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1])
return 1`;

type RedisWithCas = Redis & { setIfNewer(key: string, value: string, version: number): Promise<number> };

const BATCH = 500;

@Injectable()
export class SnapshotPublisher implements OnModuleDestroy {
  private readonly redis: RedisWithCas;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(REDIS) redis: Redis,
    @Inject(KEYS) private readonly keys: RedisKeys,
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(CIPHER) private readonly cipher: EnvelopeCipher,
    @Inject(DATA_PLANE_KEY) private readonly dataPlaneKey: Buffer,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    if (!('setIfNewer' in redis)) redis.defineCommand('setIfNewer', { numberOfKeys: 1, lua: SET_IF_NEWER });
    this.redis = redis as RedisWithCas;
  }

  onModuleDestroy(): void {
    clearTimeout(this.retryTimer);
  }

  async agentSnapshot(agent: Agent): Promise<AgentSnapshot> {
    return {
      id: agent.id,
      tenantId: agent.tenantId,
      name: agent.name,
      status: agent.status,
      tokenHash: agent.tokenHash,
      upstreamUrl: agent.upstreamUrl,
      requiredCredentials: agent.requiredCredentials as unknown as RequiredCredential[],
      sealedUpstreamSecret: agent.sealedUpstreamSecret
        ? sealWithKey(this.dataPlaneKey, await this.cipher.open(agent.sealedUpstreamSecret, agent.tenantId), agent.id)
        : null,
      rateLimit:
        agent.rateLimitRequests && agent.rateLimitWindowSeconds
          ? { requests: agent.rateLimitRequests, windowSeconds: agent.rateLimitWindowSeconds }
          : null,
      provider: await this.providerSnapshot(agent.providerKind, agent.providerBaseUrl, agent.sealedProviderKey, agent.tenantId, agent.id),
      allowedUpstreams: agent.allowedUpstreams,
      budgets: agent.budgets as unknown as BudgetLimit[],
      version: agent.version,
      updatedAt: agent.updatedAt.toISOString(),
    };
  }

  /**
   * A provider as the data plane sees it: the key (sealed in Postgres under the tenant id) re-sealed
   * under the data-plane key and bound to its owner (the agent, or the tenant for its default).
   */
  private async providerSnapshot(
    kind: string | null,
    baseUrl: string | null,
    sealedKey: string | null,
    tenantId: string,
    ownerId: string,
  ): Promise<ProviderSnapshot | null> {
    if (!kind || !baseUrl) return null;
    return {
      kind: kind as ProviderKind,
      baseUrl,
      sealedApiKey: sealedKey ? sealWithKey(this.dataPlaneKey, await this.cipher.open(sealedKey, tenantId), providerKeyAad(ownerId)) : null,
    };
  }

  async tenantSnapshot(
    tenant: Tenant & { issuers: { id: string; issuer: string; jwksUri: string; audience: string }[] },
  ): Promise<TenantSnapshot> {
    return {
      id: tenant.id,
      slug: tenant.slug,
      status: tenant.status,
      issuers: tenant.issuers.map((i) => ({ id: i.id, issuer: i.issuer, jwksUri: i.jwksUri, audience: i.audience })),
      defaultProvider: await this.providerSnapshot(
        tenant.defaultProviderKind,
        tenant.defaultProviderBaseUrl,
        tenant.sealedDefaultProviderKey,
        tenant.id,
        tenant.id,
      ),
      allowProviderKeys: tenant.allowProviderKeys,
      updatedAt: tenant.updatedAt.toISOString(),
    };
  }

  /** Snapshot, runtime-token index entry, and an invalidation carrying the new status. */
  async publishAgent(agent: Agent, previousTokenHash?: string): Promise<void> {
    const snapshot = await this.agentSnapshot(agent);
    const entry: TokenIndexEntry = { kind: 'runtime', tenantId: agent.tenantId, agentId: agent.id };
    await this.write(async () => {
      await this.redis.setIfNewer(this.keys.agent(agent.id), JSON.stringify(snapshot), agent.version);
      await this.redis.set(this.keys.token(agent.tokenHash), JSON.stringify(entry));
      if (previousTokenHash && previousTokenHash !== agent.tokenHash) {
        await this.redis.del(this.keys.token(previousTokenHash));
        await this.notify({ kind: 'token', tokenHash: previousTokenHash });
      }
      await this.notify({ kind: 'agent', agentId: agent.id, tenantId: agent.tenantId, version: agent.version, status: agent.status });
    });
  }

  async removeAgent(agent: Agent): Promise<void> {
    await this.write(async () => {
      await this.redis.del(this.keys.agent(agent.id));
      await this.redis.del(this.keys.token(agent.tokenHash));
      await this.notify({ kind: 'token', tokenHash: agent.tokenHash });
      await this.notify({ kind: 'agent', agentId: agent.id, tenantId: agent.tenantId, version: agent.version + 1, status: 'deleted' });
    });
  }

  async publishApiKey(key: ApiKey): Promise<void> {
    await this.write(async () => {
      if (key.revokedAt) {
        await this.redis.del(this.keys.token(key.tokenHash));
      } else {
        const entry: TokenIndexEntry = { kind: 'apiKey', tenantId: key.tenantId, apiKeyId: key.id, role: key.role };
        await this.redis.set(this.keys.token(key.tokenHash), JSON.stringify(entry));
      }
      await this.notify({ kind: 'token', tokenHash: key.tokenHash });
    });
  }

  private async credentialSnapshot(c: Credential): Promise<CredentialSnapshot> {
    const userId = c.subject === TENANT_WIDE ? null : c.subject;
    const plain = await this.cipher.open(c.sealedValue, c.tenantId);
    return {
      id: c.id,
      tenantId: c.tenantId,
      userId,
      serviceType: c.serviceType,
      sealedValue: sealWithKey(this.dataPlaneKey, plain, this.keys.credential(c.tenantId, userId, c.serviceType)),
      updatedAt: c.updatedAt.toISOString(),
    };
  }

  async publishCredential(c: Credential, removed = false): Promise<void> {
    const userId = c.subject === TENANT_WIDE ? null : c.subject;
    const key = this.keys.credential(c.tenantId, userId, c.serviceType);
    const snapshot = removed ? null : await this.credentialSnapshot(c);
    await this.write(async () => {
      if (snapshot) await this.redis.set(key, JSON.stringify(snapshot));
      else await this.redis.del(key);
      await this.notify({ kind: 'credential', tenantId: c.tenantId, userId, serviceType: c.serviceType });
    });
  }

  /** Tenant status, trusted issuers and LLM provider settings, read fresh from Postgres. */
  async publishTenant(tenantId: string): Promise<void> {
    const tenant = await this.prisma.tenant.findUnique({ where: { id: tenantId }, include: { issuers: true } });
    const snapshot = tenant ? await this.tenantSnapshot(tenant) : null;
    await this.write(async () => {
      if (!snapshot) await this.redis.del(this.keys.tenant(tenantId));
      else await this.redis.set(this.keys.tenant(tenantId), JSON.stringify(snapshot));
      await this.notify({ kind: 'tenant', tenantId });
    });
  }

  /**
   * Every session signing key still in Postgres (the active one and retired ones whose tokens may
   * not have expired yet); only the active key's private half is included, re-sealed under the
   * data-plane key and bound to its kid. Nothing is written while no active key exists.
   */
  async publishSessionKeys(): Promise<void> {
    const rows = await this.prisma.sessionSigningKey.findMany({ orderBy: { createdAt: 'asc' } });
    const active = rows.filter((r) => r.retiredAt === null).at(-1);
    if (!active) return;
    const snapshot: SessionKeysSnapshot = {
      activeKid: active.kid,
      keys: await Promise.all(
        rows.map(async (r) => ({
          kid: r.kid,
          alg: r.alg,
          publicJwk: JSON.parse(r.publicJwk) as Record<string, string>,
          sealedPrivateKey:
            r === active ? sealWithKey(this.dataPlaneKey, await this.cipher.open(r.sealedPrivateKey, r.kid), sessionKeyAad(r.kid)) : null,
          createdAt: r.createdAt.toISOString(),
          retiredAt: r.retiredAt?.toISOString() ?? null,
        })),
      ),
      updatedAt: new Date().toISOString(),
    };
    await this.write(async () => {
      await this.redis.set(this.keys.sessionKeys, JSON.stringify(snapshot));
      await this.notify({ kind: 'session-keys' });
    });
  }

  mcpServerSnapshot(s: McpServer): McpServerSnapshot {
    return {
      id: s.id,
      tenantId: s.tenantId,
      name: s.name,
      url: s.url,
      requiredCredentials: s.requiredCredentials as unknown as RequiredCredential[],
      allAgents: s.allAgents,
      agentIds: s.agentIds,
      allowedTools: (s.allowedTools as string[] | null) ?? null,
      version: s.version,
      updatedAt: s.updatedAt.toISOString(),
    };
  }

  /** An MCP server snapshot, compare-and-set on version like an agent's, and its invalidation. */
  async publishMcpServer(s: McpServer): Promise<void> {
    const snapshot = this.mcpServerSnapshot(s);
    await this.write(async () => {
      await this.redis.setIfNewer(this.keys.mcpServer(s.id), JSON.stringify(snapshot), s.version);
      await this.notify({ kind: 'mcp-server', serverId: s.id, tenantId: s.tenantId, version: s.version, status: 'active' });
    });
  }

  async removeMcpServer(s: McpServer): Promise<void> {
    await this.write(async () => {
      await this.redis.del(this.keys.mcpServer(s.id));
      await this.notify({ kind: 'mcp-server', serverId: s.id, tenantId: s.tenantId, version: s.version + 1, status: 'deleted' });
    });
  }

  /** Rewrites one MCP server from Postgres; false when it does not exist. */
  async republishMcpServer(id: string): Promise<boolean> {
    const s = await this.prisma.mcpServer.findUnique({ where: { id } });
    if (!s) return false;
    await this.publishMcpServer(s);
    return true;
  }

  /** Rewrites one agent from Postgres; false when it does not exist. Used when a proxy finds it missing. */
  async republishAgent(agentId: string): Promise<boolean> {
    const agent = await this.prisma.agent.findUnique({ where: { id: agentId } });
    if (!agent) return false;
    await this.publishAgent(agent);
    return true;
  }

  /** Rewrites everything from Postgres, so an emptied Redis heals itself. Runs at start. */
  async republishAll(): Promise<{ tenants: number; agents: number; apiKeys: number; credentials: number; mcpServers: number }> {
    const counts = { tenants: 0, agents: 0, apiKeys: 0, credentials: 0, mcpServers: 0 };
    await this.publishSessionKeys();
    for (const t of await this.prisma.tenant.findMany({ select: { id: true } })) {
      try {
        await this.publishTenant(t.id);
        counts.tenants++;
      } catch (err) {
        if (!(err instanceof SealError)) throw err;
        this.logger.error({ id: t.id }, 'record cannot be unsealed with the configured master key; not published');
      }
    }
    await this.eachBatch(
      (cursor) => this.prisma.agent.findMany({ take: BATCH, ...cursor, orderBy: { id: 'asc' } }),
      async (a) => {
        await this.publishAgent(a);
        counts.agents++;
      },
    );
    await this.eachBatch(
      (cursor) => this.prisma.apiKey.findMany({ where: { revokedAt: null }, take: BATCH, ...cursor, orderBy: { id: 'asc' } }),
      async (k) => {
        await this.publishApiKey(k);
        counts.apiKeys++;
      },
    );
    await this.eachBatch(
      (cursor) => this.prisma.credential.findMany({ take: BATCH, ...cursor, orderBy: { id: 'asc' } }),
      async (c) => {
        await this.publishCredential(c);
        counts.credentials++;
      },
    );
    await this.eachBatch(
      (cursor) => this.prisma.mcpServer.findMany({ take: BATCH, ...cursor, orderBy: { id: 'asc' } }),
      async (s) => {
        await this.publishMcpServer(s);
        counts.mcpServers++;
      },
    );
    await this.notify({ kind: 'all' });
    return counts;
  }

  /**
   * Walks a table in id order. A record whose sealed value cannot be opened (sealed under another
   * master key) is logged by id and skipped, so one bad row never keeps the rest from the data plane.
   */
  private async eachBatch<T extends { id: string }>(
    page: (cursor: { cursor?: { id: string }; skip?: number }) => Promise<T[]>,
    each: (row: T) => Promise<void>,
  ): Promise<void> {
    let last: string | undefined;
    for (;;) {
      const rows = await page(last ? { cursor: { id: last }, skip: 1 } : {});
      for (const r of rows) {
        try {
          await each(r);
        } catch (err) {
          if (!(err instanceof SealError)) throw err;
          this.logger.error({ id: r.id }, 'record cannot be unsealed with the configured master key; not published');
        }
      }
      if (rows.length < BATCH) return;
      last = rows[rows.length - 1]!.id;
    }
  }

  private async notify(message: Invalidation): Promise<void> {
    await this.redis.publish(this.keys.invalidationChannel, JSON.stringify(message));
  }

  private async write(op: () => Promise<void>): Promise<void> {
    const delays = [25, 100, 400];
    for (let attempt = 0; ; attempt++) {
      try {
        await op();
        return;
      } catch (err) {
        if (attempt >= delays.length) {
          this.logger.error({ err: (err as Error).message }, 'snapshot publish failed; scheduling a full republish');
          this.scheduleRepublish();
          throw new DomainError('unavailable', 'change saved but not yet propagated to the data plane; it will be retried');
        }
        await new Promise((r) => setTimeout(r, delays[attempt]));
      }
    }
  }

  private scheduleRepublish(delayMs = 1000): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.republishAll().then(
        () => this.logger.info('full republish after an earlier failure succeeded'),
        () => this.scheduleRepublish(Math.min(delayMs * 2, 30_000)),
      );
    }, delayMs);
    this.retryTimer.unref();
  }
}
