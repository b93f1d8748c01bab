import { Injectable } from '@nestjs/common';
import type { PrismaClient, TrustedIssuer } from '@portcullis/db';
import { InjectPrisma } from '../infra/tokens.js';
import { keyset, type PageQueryDto } from '../common/pagination.js';
import { rethrowConflict } from '../common/prisma-errors.js';

type IssuerData = { issuer: string; jwksUri: string; audience: string };

@Injectable()
export class IssuersRepository {
  constructor(@InjectPrisma() private readonly prisma: PrismaClient) {}

  async create(tenantId: string, data: IssuerData): Promise<TrustedIssuer> {
    try {
      return await this.prisma.trustedIssuer.create({ data: { tenantId, ...data } });
    } catch (e) {
      rethrowConflict(e, 'this issuer and audience');
    }
  }

  findById(tenantId: string, id: string): Promise<TrustedIssuer | null> {
    return this.prisma.trustedIssuer.findFirst({ where: { tenantId, id } });
  }

  async list(tenantId: string, page: PageQueryDto): Promise<{ rows: TrustedIssuer[]; limit: number }> {
    const k = keyset(page);
    const rows = await this.prisma.trustedIssuer.findMany({ where: { tenantId, ...k.where }, orderBy: k.orderBy, take: k.take });
    return { rows, limit: k.limit };
  }

  async update(tenantId: string, id: string, data: Partial<IssuerData>): Promise<TrustedIssuer | null> {
    try {
      const { count } = await this.prisma.trustedIssuer.updateMany({ where: { tenantId, id }, data });
      return count ? this.findById(tenantId, id) : null;
    } catch (e) {
      rethrowConflict(e, 'this issuer and audience');
    }
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const { count } = await this.prisma.trustedIssuer.deleteMany({ where: { tenantId, id } });
    return count > 0;
  }
}
