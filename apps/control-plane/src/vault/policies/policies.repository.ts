import { Injectable } from '@nestjs/common';
import type { PrismaClient, VaultPolicy } from '@portcullis/db';
import type { PolicyRule } from '@portcullis/domain';
import { InjectPrisma } from '../../infra/tokens.js';
import { keyset, type PageQueryDto } from '../../common/pagination.js';
import { rethrowConflict } from '../../common/prisma-errors.js';

export function rulesOf(p: VaultPolicy): PolicyRule[] {
  return JSON.parse(p.rules) as PolicyRule[];
}

@Injectable()
export class PoliciesRepository {
  constructor(@InjectPrisma() private readonly prisma: PrismaClient) {}

  async create(tenantId: string, name: string, rules: PolicyRule[]): Promise<VaultPolicy> {
    try {
      return await this.prisma.vaultPolicy.create({ data: { tenantId, name, rules: JSON.stringify(rules) } });
    } catch (e) {
      rethrowConflict(e, 'a policy with this name');
    }
  }

  async update(tenantId: string, id: string, rules: PolicyRule[]): Promise<VaultPolicy | null> {
    const { count } = await this.prisma.vaultPolicy.updateMany({ where: { tenantId, id }, data: { rules: JSON.stringify(rules) } });
    return count ? this.findById(tenantId, id) : null;
  }

  findById(tenantId: string, id: string): Promise<VaultPolicy | null> {
    return this.prisma.vaultPolicy.findFirst({ where: { tenantId, id } });
  }

  findByNames(tenantId: string, names: string[]): Promise<VaultPolicy[]> {
    if (names.length === 0) return Promise.resolve([]);
    return this.prisma.vaultPolicy.findMany({ where: { tenantId, name: { in: names } } });
  }

  async list(tenantId: string, page: PageQueryDto): Promise<{ rows: VaultPolicy[]; limit: number }> {
    const k = keyset(page);
    const rows = await this.prisma.vaultPolicy.findMany({ where: { tenantId, ...k.where }, orderBy: k.orderBy, take: k.take });
    return { rows, limit: k.limit };
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const { count } = await this.prisma.vaultPolicy.deleteMany({ where: { tenantId, id } });
    return count > 0;
  }
}
