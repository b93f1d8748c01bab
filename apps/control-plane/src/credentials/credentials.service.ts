import { Inject, Injectable } from '@nestjs/common';
import type { Credential } from '@portcullis/db';
import { EnvelopeCipher, notFound } from '@portcullis/domain';
import { TENANT_WIDE } from '@portcullis/contracts';
import { pageOf, type Page } from '../common/pagination.js';
import type { Actor, TenantPrincipal } from '../common/auth/principal.js';
import { AuditEventsProducer, type Tx } from '../audit/audit-events.producer.js';
import { CIPHER } from '../infra/tokens.js';
import { SnapshotPublisher } from '../infra/snapshot-publisher.js';
import { CredentialsRepository } from './credentials.repository.js';
import { CredentialResponseDto, type CredentialCreateDto, type CredentialListQueryDto } from './credentials.dto.js';

@Injectable()
export class CredentialsService {
  constructor(
    private readonly credentials: CredentialsRepository,
    private readonly publisher: SnapshotPublisher,
    @Inject(CIPHER) private readonly cipher: EnvelopeCipher,
    private readonly audit: AuditEventsProducer,
  ) {}

  /**
   * Credentials are tenant- or user-scoped: the change is stamped on every agent that requires the
   * service, inside the change's transaction.
   */
  private stampAgents(principal: Actor, what: 'set' | 'deleted') {
    return async (tx: Tx, row: Credential): Promise<void> => {
      const agentIds = await this.credentials.agentsRequiring(tx, principal.tenantId, row.serviceType);
      const scope = row.subject === TENANT_WIDE ? 'tenant-wide' : 'user';
      await this.audit.record(tx, principal, agentIds, 'credentials_changed', [`${row.serviceType} (${scope}) ${what}`]);
    };
  }

  /** Stores (or replaces) a credential, sealed under a fresh data key bound to the tenant. */
  async put(principal: Actor, dto: CredentialCreateDto): Promise<{ credential: CredentialResponseDto; created: boolean }> {
    const { tenantId } = principal;
    const sealed = await this.cipher.seal(dto.value, tenantId);
    const { row, created } = await this.credentials.upsert(
      tenantId,
      dto.userId ?? TENANT_WIDE,
      dto.serviceType,
      sealed,
      this.stampAgents(principal, 'set'),
    );
    await this.publisher.publishCredential(row);
    return { credential: CredentialResponseDto.from(row), created };
  }

  async list(tenantId: string, q: CredentialListQueryDto): Promise<Page<CredentialResponseDto>> {
    const filter = { ...(q.userId ? { subject: q.userId } : {}), ...(q.serviceType ? { serviceType: q.serviceType } : {}) };
    const { rows, limit } = await this.credentials.list(tenantId, q, filter);
    return pageOf(rows, limit, (r) => CredentialResponseDto.from(r));
  }

  async get(tenantId: string, id: string): Promise<CredentialResponseDto> {
    const row = await this.credentials.findById(tenantId, id);
    if (!row) throw notFound('credential');
    return CredentialResponseDto.from(row);
  }

  async delete(principal: TenantPrincipal, id: string): Promise<void> {
    const row = await this.credentials.delete(principal.tenantId, id, this.stampAgents(principal, 'deleted'));
    if (!row) throw notFound('credential');
    await this.publisher.publishCredential(row, true);
  }
}
