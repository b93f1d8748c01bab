import { Injectable } from '@nestjs/common';
import type { Prisma } from '@portcullis/db';
import { generateToken, hashToken, notFound, tokenHint, type Role } from '@portcullis/domain';
import { pageOf, type Page, type PageQueryDto } from '../common/pagination.js';
import type { TenantPrincipal } from '../common/auth/principal.js';
import { SnapshotPublisher } from '../infra/snapshot-publisher.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeyResponseDto, type ApiKeyCreatedDto, type ApiKeyCreateDto } from './api-keys.dto.js';

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly publisher: SnapshotPublisher,
  ) {}

  /** Inserts a key inside the caller's transaction; returns the row and the plaintext, to be shown once. */
  async mint(tenantId: string, name: string, role: Role, createdBy: string | null, tx?: Prisma.TransactionClient) {
    const key = generateToken('apiKey');
    const row = await this.keys.create(tenantId, { name, role, tokenHash: hashToken(key), hint: tokenHint(key), createdBy }, tx);
    return { row, key };
  }

  async create(p: TenantPrincipal, dto: ApiKeyCreateDto): Promise<ApiKeyCreatedDto> {
    const { row, key } = await this.mint(p.tenantId, dto.name, dto.role, p.label);
    await this.publisher.publishApiKey(row);
    return { apiKey: ApiKeyResponseDto.from(row), key };
  }

  async list(tenantId: string, page: PageQueryDto): Promise<Page<ApiKeyResponseDto>> {
    const { rows, limit } = await this.keys.list(tenantId, page);
    return pageOf(rows, limit, (r) => ApiKeyResponseDto.from(r));
  }

  async get(tenantId: string, id: string): Promise<ApiKeyResponseDto> {
    const row = await this.keys.findById(tenantId, id);
    if (!row) throw notFound('API key');
    return ApiKeyResponseDto.from(row);
  }

  async revoke(tenantId: string, id: string): Promise<void> {
    const row = await this.keys.revoke(tenantId, id);
    if (!row) throw notFound('API key');
    await this.publisher.publishApiKey(row);
  }
}
