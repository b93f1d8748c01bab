import { Injectable } from '@nestjs/common';
import type { Prisma, PrismaClient, Tenant } from '@portcullis/db';
import { InjectPrisma } from '../infra/tokens.js';
import { keyset, type PageQueryDto } from '../common/pagination.js';
import { rethrowConflict } from '../common/prisma-errors.js';

/** Tenants are the one resource above tenant scope: only the platform operator reaches these queries. */
@Injectable()
export class TenantsRepository {
  constructor(@InjectPrisma() private readonly prisma: PrismaClient) {}

  transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(fn);
  }

  async create(data: { name: string; slug: string }, tx: Prisma.TransactionClient): Promise<Tenant> {
    try {
      return await tx.tenant.create({ data });
    } catch (e) {
      rethrowConflict(e, 'a tenant with this slug');
    }
  }

  findById(id: string): Promise<Tenant | null> {
    return this.prisma.tenant.findUnique({ where: { id } });
  }

  findBySlug(slug: string): Promise<Tenant | null> {
    return this.prisma.tenant.findUnique({ where: { slug } });
  }

  async list(page: PageQueryDto): Promise<{ rows: Tenant[]; limit: number }> {
    const k = keyset(page);
    const rows = await this.prisma.tenant.findMany({ where: k.where, orderBy: k.orderBy, take: k.take });
    return { rows, limit: k.limit };
  }
}
