/**
 * Dynamic secrets: a path whose every checkout creates a fresh credential at a provider, destroyed
 * at revocation or at the lease's end.
 *
 * - The provider configuration (connection URL, CA key) is sealed with `vault-dynamic:<tenant>:<path>`
 *   as associated data; admins see only its non-secret settings. Each lease keeps a copy of the
 *   sealed configuration, so the worker can destroy the credential even after the path is removed.
 * - Checkout creates the credential first, then records the lease and schedules its revocation
 *   (QUEUES.dynamicLeases, job `dynamic-lease-<id>`); if either of those fails the credential is
 *   destroyed again before the error is returned, so no credential exists without a lease.
 * - `postgresql`: revocation terminates the role's sessions and drops it; `VALID UNTIL` bounds it too.
 *   `ssh`: certificates cannot be recalled from servers (no KRL here); they expire at `valid_before`,
 *   and revoking the lease only ends it in Portcullis. Keep SSH TTLs short.
 */
import { Inject, Injectable } from '@nestjs/common';
import { createPublicKey, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { VaultDynamicLease, VaultDynamicSecret } from '@portcullis/db';
import { PostgresProvider, type PostgresProviderConfig } from '@portcullis/db';
import { DomainError, EnvelopeCipher, generateEd25519, notFound, sshPublicKeyLine, parseEd25519PrivateKey } from '@portcullis/domain';
import { LOGGER } from '../../common/logger.provider.js';
import { CIPHER } from '../../infra/tokens.js';
import { requireCapability } from '../auth/access.js';
import type { TenantVaultPrincipal } from '../auth/vault-principal.js';
import { checkPath } from '../secrets/secrets.service.js';
import { VaultQueues } from '../stamps/vault-queues.js';
import { SshProvider, type SshProviderConfig } from '../../dynamic-secrets/ssh.provider.js';
import {
  DYNAMIC_TTL_MAX,
  DYNAMIC_TTL_MIN,
  type DynamicCheckoutResponseDto,
  type DynamicProviderType,
  type DynamicSecretCreateDto,
  type DynamicSecretResponseDto,
} from './dynamic.dto.js';
import { DynamicSecretsRepository } from './dynamic.repository.js';

export const dynamicAad = (tenantId: string, path: string): string => `vault-dynamic:${tenantId}:${path}`;
const DEFAULT_TTL = 3600;

type SealedConfig = { provider: 'postgresql'; config: PostgresProviderConfig } | { provider: 'ssh'; config: SshProviderConfig };

function view(row: VaultDynamicSecret): DynamicSecretResponseDto {
  return {
    id: row.id,
    path: row.path,
    provider: row.provider as DynamicProviderType,
    settings: JSON.parse(row.summary) as Record<string, unknown>,
    default_ttl: row.defaultTtl,
    max_ttl: row.maxTtl,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** `{ttl}` (optional): an integer from 10 to the path's max_ttl; absent → the path's default. */
function checkoutTtl(body: unknown, row: VaultDynamicSecret): number {
  if (body === undefined || body === null) return row.defaultTtl;
  if (typeof body !== 'object' || Array.isArray(body)) throw new DomainError('bad_request', 'body must be a JSON object {"ttl": seconds}');
  const extra = Object.keys(body).filter((k) => k !== 'ttl');
  if (extra.length) throw new DomainError('bad_request', `property ${extra[0]} should not exist; the body is {"ttl": seconds}`);
  const ttl = (body as { ttl?: unknown }).ttl;
  if (ttl === undefined) return row.defaultTtl;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < DYNAMIC_TTL_MIN || ttl > row.maxTtl) {
    throw new DomainError(
      'bad_request',
      `ttl must be an integer number of seconds from ${DYNAMIC_TTL_MIN} to ${row.maxTtl} (default ${row.defaultTtl})`,
    );
  }
  return ttl;
}

@Injectable()
export class DynamicSecretsService {
  constructor(
    private readonly repo: DynamicSecretsRepository,
    private readonly queues: VaultQueues,
    @Inject(CIPHER) private readonly cipher: EnvelopeCipher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  // ---- admin ----

  async create(tenantId: string, dto: DynamicSecretCreateDto): Promise<DynamicSecretResponseDto> {
    const path = checkPath(dto.path);
    const maxTtl = dto.max_ttl ?? DYNAMIC_TTL_MAX;
    const defaultTtl = dto.default_ttl ?? Math.min(DEFAULT_TTL, maxTtl);
    if (defaultTtl > maxTtl) throw new DomainError('bad_request', 'default_ttl must not exceed max_ttl');
    const { sealed, summary } = this.configure(dto);
    if (await this.repo.findByPath(tenantId, path))
      throw new DomainError('conflict', `a dynamic secret already exists at ${path}; delete it first`);
    const row = await this.repo.create(tenantId, {
      path,
      provider: dto.provider,
      sealedConfig: await this.cipher.seal(JSON.stringify(sealed), dynamicAad(tenantId, path)),
      summary: JSON.stringify(summary),
      defaultTtl,
      maxTtl,
    });
    return view(row);
  }

  async list(tenantId: string): Promise<{ dynamic_secrets: DynamicSecretResponseDto[] }> {
    return { dynamic_secrets: (await this.repo.list(tenantId)).map(view) };
  }

  async get(tenantId: string, id: string): Promise<DynamicSecretResponseDto> {
    const row = await this.repo.find(tenantId, id);
    if (!row) throw notFound('dynamic secret');
    return view(row);
  }

  /** Destroys every credential still out on the path, then removes it. A provider outage → 502, nothing removed. */
  async delete(tenantId: string, id: string): Promise<void> {
    const row = await this.repo.find(tenantId, id);
    if (!row) throw notFound('dynamic secret');
    for (const lease of await this.repo.unended(tenantId, row.path)) await this.destroy(lease);
    await this.repo.delete(tenantId, id);
  }

  /** Validates the provider fields and returns the sealed configuration and its non-secret summary. */
  private configure(dto: DynamicSecretCreateDto): { sealed: SealedConfig; summary: Record<string, unknown> } {
    const foreign =
      dto.provider === 'postgresql'
        ? (['ca_private_key', 'principals'] as const)
        : (['connection_url', 'creation_statements', 'default_grants'] as const);
    const stray = foreign.find((k) => dto[k] !== undefined);
    if (stray) throw new DomainError('bad_request', `${stray} does not apply to the ${dto.provider} provider`);
    if (dto.provider === 'postgresql') {
      if (!dto.connection_url)
        throw new DomainError(
          'bad_request',
          'connection_url is required for the postgresql provider (a role with CREATEROLE on the target)',
        );
      let url: URL;
      try {
        url = new URL(dto.connection_url);
      } catch {
        throw new DomainError('bad_request', 'connection_url must be a postgresql:// URL');
      }
      if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:')
        throw new DomainError('bad_request', 'connection_url must be a postgresql:// URL');
      const config: PostgresProviderConfig = {
        connectionUrl: dto.connection_url,
        ...(dto.creation_statements?.length ? { creationStatements: dto.creation_statements } : {}),
        ...(dto.default_grants ? { defaultGrants: dto.default_grants } : {}),
      };
      return {
        sealed: { provider: 'postgresql', config },
        summary: {
          host: url.hostname,
          port: Number(url.port || 5432),
          database: decodeURIComponent(url.pathname.slice(1)) || 'postgres',
          creation_statements: dto.creation_statements ?? null,
          default_grants: dto.default_grants ?? [],
        },
      };
    }
    if (!dto.principals?.length)
      throw new DomainError('bad_request', 'principals is required for the ssh provider (the logins certificates are valid for)');
    const bad = dto.principals.find((x) => !/^[A-Za-z0-9._@-]{1,64}$/.test(x));
    if (bad !== undefined) throw new DomainError('bad_request', `principal "${bad.slice(0, 64)}" must be 1-64 letters, digits, . _ @ -`);
    const caPrivateKey = dto.ca_private_key ?? generateEd25519().privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const config: SshProviderConfig = { caPrivateKey, principals: dto.principals };
    new SshProvider(config); // refuses a key that is not Ed25519 PKCS#8
    return {
      sealed: { provider: 'ssh', config },
      summary: {
        principals: dto.principals,
        ca_public_key: sshPublicKeyLine(createPublicKey(parseEd25519PrivateKey(caPrivateKey)), 'portcullis-ca'),
      },
    };
  }

  // ---- agents ----

  async checkout(p: TenantVaultPrincipal, path: string, body: unknown): Promise<DynamicCheckoutResponseDto> {
    requireCapability(p, checkPath(path), 'lease');
    const row = await this.repo.findByPath(p.tenantId, path);
    if (!row) throw notFound(`dynamic secret ${path}`);
    const ttl = checkoutTtl(body, row);
    const sealed = JSON.parse(await this.cipher.open(row.sealedConfig, dynamicAad(p.tenantId, path))) as SealedConfig;
    const owner = {
      holder: p.holder,
      approleId: p.source === 'approle' ? p.approleId : null,
      agentId: p.source === 'approle' ? p.agentId : null,
    };

    if (sealed.provider === 'postgresql') {
      const provider = new PostgresProvider(sealed.config);
      const { credential, expiresAt } = await provider.checkout(ttl);
      const lease = await this.record(
        p.tenantId,
        { ...owner, path, provider: 'postgresql', externalId: credential.username, sealedConfig: row.sealedConfig, expiresAt },
        () => provider.revoke(credential.username),
      );
      return this.answer(lease, { ...credential }, ttl);
    }
    // The certificate's key id names the lease, so a server's auth log points back to it.
    const leaseId = randomUUID();
    const { credential, expiresAt } = new SshProvider(sealed.config).checkout(ttl, `portcullis-lease-${leaseId}`);
    const lease = await this.record(
      p.tenantId,
      {
        ...owner,
        id: leaseId,
        path,
        provider: 'ssh',
        externalId: `portcullis-lease-${leaseId}`,
        sealedConfig: row.sealedConfig,
        expiresAt,
      },
      () => Promise.resolve(),
    );
    return this.answer(lease, { ...credential }, ttl);
  }

  /** Destroys the credential now. Another holder's lease → 404; already ended → 410. */
  async revoke(p: TenantVaultPrincipal, id: string): Promise<{ path: string }> {
    const lease = await this.repo.findLease(p.tenantId, p.holder, id);
    if (!lease) throw notFound('dynamic lease');
    if (lease.revokedAt || lease.expiredAt) {
      throw new DomainError(
        'gone',
        'this dynamic lease has already ended (expired or revoked); check out a new credential with POST /v1/dynamic/<path>/checkout',
      );
    }
    await this.destroy(lease);
    return { path: lease.path };
  }

  private async destroy(lease: VaultDynamicLease): Promise<void> {
    if (lease.provider === 'postgresql') {
      const sealed = JSON.parse(await this.cipher.open(lease.sealedConfig, dynamicAad(lease.tenantId, lease.path))) as SealedConfig;
      if (sealed.provider === 'postgresql') await new PostgresProvider(sealed.config).revoke(lease.externalId);
    }
    if (await this.repo.markRevoked(lease.tenantId, lease.id)) await this.queues.cancelDynamicExpiry(lease.id);
  }

  /** Records the lease and schedules its end; on failure destroys the credential it was given. */
  private async record(
    tenantId: string,
    data: Parameters<DynamicSecretsRepository['createLease']>[1] & { id?: string },
    undo: () => Promise<void>,
  ): Promise<VaultDynamicLease> {
    let lease: VaultDynamicLease | null = null;
    try {
      lease = await this.repo.createLease(tenantId, data);
      await this.queues.scheduleDynamicExpiry({ leaseId: lease.id, tenantId }, lease.expiresAt);
      return lease;
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'dynamic lease could not be recorded; destroying the credential');
      await undo().catch((e: Error) =>
        this.logger.error({ err: e.message }, 'dynamic credential could not be destroyed after a failed checkout'),
      );
      if (lease) await this.repo.deleteLease(tenantId, lease.id).catch(() => undefined);
      throw new DomainError(
        'unavailable',
        'the lease could not be recorded or its expiry scheduled, so no credential was issued: retry shortly',
      );
    }
  }

  private answer(lease: VaultDynamicLease, credential: Record<string, unknown>, ttl: number): DynamicCheckoutResponseDto {
    return {
      lease_id: lease.id,
      path: lease.path,
      provider_type: lease.provider as DynamicProviderType,
      credential,
      ttl_seconds: ttl,
      expires_at: lease.expiresAt.toISOString(),
    };
  }
}
