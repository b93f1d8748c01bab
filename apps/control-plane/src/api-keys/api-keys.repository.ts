import { Injectable } from '@nestjs/common';
import type { ApiKey, Prisma, PrismaClient } from '@portcullis/db';
import { hashToken, type Role } from '@portcullis/domain';
import { InjectPrisma } from '../infra/tokens.js';
import { keyset, type PageQueryDto } from '../common/pagination.js';

type Tx = Prisma.TransactionClient;

@Injectable()
export class ApiKeysRepository {
  constructor(@InjectPrisma() private readonly prisma: PrismaClient) {}

  /** The only lookup not scoped by tenant: the token itself names the tenant. */
  findActiveByToken(token: string): Promise<ApiKey | null> {
    return this.prisma.apiKey.findFirst({ where: { tokenHash: hashToken(token), revokedAt: null } });
  }

  findById(tenantId: string, id: string): Promise<ApiKey | null> {
    return this.prisma.apiKey.findFirst({ where: { tenantId, id } });
  }

  async list(tenantId: string, page: PageQueryDto): Promise<{ rows: ApiKey[]; limit: number }> {
    const k = keyset(page);
    const rows = await this.prisma.apiKey.findMany({ where: { tenantId, ...k.where }, orderBy: k.orderBy, take: k.take });
    return { rows, limit: k.limit };
  }

  create(
    tenantId: string,
    data: { name: string; role: Role; tokenHash: string; hint: string; createdBy: string | null },
    tx: Tx = this.prisma,
  ): Promise<ApiKey> {
    return tx.apiKey.create({ data: { tenantId, ...data } });
  }

  async revoke(tenantId: string, id: string): Promise<ApiKey | null> {
    await this.prisma.apiKey.updateMany({ where: { tenantId, id, revokedAt: null }, data: { revokedAt: new Date() } });
    return this.findById(tenantId, id);
  }
}
