import { Injectable } from '@nestjs/common';
import { notFound } from '@portcullis/domain';
import { pageOf, type Page, type PageQueryDto } from '../common/pagination.js';
import { SnapshotPublisher } from '../infra/snapshot-publisher.js';
import { IssuersRepository } from './issuers.repository.js';
import { IssuerResponseDto, type IssuerCreateDto, type IssuerUpdateDto } from './issuers.dto.js';

/** Trusted end-user JWT issuers; every change rewrites the tenant snapshot the proxies read. */
@Injectable()
export class IssuersService {
  constructor(
    private readonly issuers: IssuersRepository,
    private readonly publisher: SnapshotPublisher,
  ) {}

  async create(tenantId: string, dto: IssuerCreateDto): Promise<IssuerResponseDto> {
    const row = await this.issuers.create(tenantId, dto);
    await this.publisher.publishTenant(tenantId);
    return IssuerResponseDto.from(row);
  }

  async list(tenantId: string, page: PageQueryDto): Promise<Page<IssuerResponseDto>> {
    const { rows, limit } = await this.issuers.list(tenantId, page);
    return pageOf(rows, limit, (r) => IssuerResponseDto.from(r));
  }

  async get(tenantId: string, id: string): Promise<IssuerResponseDto> {
    const row = await this.issuers.findById(tenantId, id);
    if (!row) throw notFound('issuer');
    return IssuerResponseDto.from(row);
  }

  async update(tenantId: string, id: string, dto: IssuerUpdateDto): Promise<IssuerResponseDto> {
    const row = await this.issuers.update(tenantId, id, dto);
    if (!row) throw notFound('issuer');
    await this.publisher.publishTenant(tenantId);
    return IssuerResponseDto.from(row);
  }

  async delete(tenantId: string, id: string): Promise<void> {
    if (!(await this.issuers.delete(tenantId, id))) throw notFound('issuer');
    await this.publisher.publishTenant(tenantId);
  }
}
