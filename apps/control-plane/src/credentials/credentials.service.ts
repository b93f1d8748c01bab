import { Inject, Injectable } from '@nestjs/common';
import { EnvelopeCipher, notFound } from '@portcullis/domain';
import { TENANT_WIDE } from '@portcullis/contracts';
import { pageOf, type Page } from '../common/pagination.js';
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
  ) {}

  /** Stores (or replaces) a credential, sealed under a fresh data key bound to the tenant. */
  async put(tenantId: string, dto: CredentialCreateDto): Promise<{ credential: CredentialResponseDto; created: boolean }> {
    const sealed = await this.cipher.seal(dto.value, tenantId);
    const { row, created } = await this.credentials.upsert(tenantId, dto.userId ?? TENANT_WIDE, dto.serviceType, sealed);
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

  async delete(tenantId: string, id: string): Promise<void> {
    const row = await this.credentials.delete(tenantId, id);
    if (!row) throw notFound('credential');
    await this.publisher.publishCredential(row, true);
  }
}
