import { Injectable } from '@nestjs/common';
import type { VaultLease } from '@portcullis/db';
import { DomainError, notFound } from '@portcullis/domain';
import { requireCapability } from '../auth/access.js';
import type { TenantVaultPrincipal } from '../auth/vault-principal.js';
import { checkPath, SecretsService } from '../secrets/secrets.service.js';
import { VaultQueues } from '../stamps/vault-queues.js';
import { LeasesRepository } from './leases.repository.js';

export const LEASE_TTL_MIN = 10;
export const LEASE_TTL_MAX = 86_400;
export const LEASE_TTL_DEFAULT = 300;

export interface LeaseView {
  id: string;
  path: string;
  expires_at: string;
}

const view = (l: VaultLease): LeaseView => ({ id: l.id, path: l.path, expires_at: l.expiresAt.toISOString() });

/** `{ttl}` with ttl an integer in [10, 86400] seconds; absent → 300. Anything else is a 400. */
export function leaseTtl(body: unknown): number {
  if (body === undefined || body === null) return LEASE_TTL_DEFAULT;
  if (typeof body !== 'object' || Array.isArray(body)) throw new DomainError('bad_request', 'body must be a JSON object {"ttl": seconds}');
  const extra = Object.keys(body).filter((k) => k !== 'ttl');
  if (extra.length) throw new DomainError('bad_request', `property ${extra[0]} should not exist; the body is {"ttl": seconds}`);
  const ttl = (body as { ttl?: unknown }).ttl;
  if (ttl === undefined) return LEASE_TTL_DEFAULT;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < LEASE_TTL_MIN || ttl > LEASE_TTL_MAX) {
    throw new DomainError(
      'bad_request',
      `ttl must be an integer number of seconds from ${LEASE_TTL_MIN} to ${LEASE_TTL_MAX} (default ${LEASE_TTL_DEFAULT})`,
    );
  }
  return ttl;
}

@Injectable()
export class LeasesService {
  constructor(
    private readonly leases: LeasesRepository,
    private readonly secrets: SecretsService,
    private readonly queues: VaultQueues,
  ) {}

  async create(p: TenantVaultPrincipal, path: string, body: unknown): Promise<{ lease: LeaseView; value: string }> {
    requireCapability(p, checkPath(path), 'lease');
    const ttl = leaseTtl(body);
    const secret = await this.secrets.open(p.tenantId, path);
    const lease = await this.leases.create(p.tenantId, {
      holder: p.holder,
      approleId: p.source === 'approle' ? p.approleId : null,
      agentId: p.source === 'approle' ? p.agentId : null,
      path,
      version: secret.version,
      expiresAt: new Date(Date.now() + ttl * 1000),
    });
    await this.queues.scheduleExpiry({ leaseId: lease.id, tenantId: p.tenantId }, lease.expiresAt);
    return { lease: view(lease), value: secret.value };
  }

  async list(p: TenantVaultPrincipal): Promise<{ leases: LeaseView[] }> {
    return { leases: (await this.leases.listActive(p.tenantId, p.holder)).map(view) };
  }

  async revoke(p: TenantVaultPrincipal, id: string): Promise<void> {
    if (await this.leases.revoke(p.tenantId, p.holder, id)) {
      await this.queues.cancelExpiry(id);
      return;
    }
    if (!(await this.leases.findByHolder(p.tenantId, p.holder, id))) throw notFound('lease');
    throw new DomainError('gone', 'this lease has already ended (expired or revoked); take a new one with POST /v1/lease/<path>');
  }
}
