import { Injectable } from '@nestjs/common';
import { notFound } from '@portcullis/domain';
import { pageOf, type Page, type PageQueryDto } from '../common/pagination.js';
import { ApiKeysService } from '../api-keys/api-keys.service.js';
import { SnapshotPublisher } from '../infra/snapshot-publisher.js';
import { TenantsRepository } from './tenants.repository.js';
import { TenantResponseDto, type TenantCreatedDto, type TenantCreateDto } from './tenants.dto.js';

@Injectable()
export class TenantsService {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly apiKeys: ApiKeysService,
    private readonly publisher: SnapshotPublisher,
  ) {}

  /** The tenant and its first admin key commit together; the key is returned once. */
  async create(dto: TenantCreateDto): Promise<TenantCreatedDto> {
    const { tenant, row, key } = await this.tenants.transaction(async (tx) => {
      const tenant = await this.tenants.create({ name: dto.name, slug: dto.slug }, tx);
      const { row, key } = await this.apiKeys.mint(tenant.id, 'initial admin key', 'admin', 'platform', tx);
      return { tenant, row, key };
    });
    await this.publisher.publishTenant(tenant.id);
    await this.publisher.publishApiKey(row);
    return { tenant: TenantResponseDto.from(tenant), adminApiKey: key };
  }

  async list(page: PageQueryDto): Promise<Page<TenantResponseDto>> {
    const { rows, limit } = await this.tenants.list(page);
    return pageOf(rows, limit, (r) => TenantResponseDto.from(r));
  }

  async get(id: string): Promise<TenantResponseDto> {
    const t = await this.tenants.findById(id);
    if (!t) throw notFound('tenant');
    return TenantResponseDto.from(t);
  }
}
