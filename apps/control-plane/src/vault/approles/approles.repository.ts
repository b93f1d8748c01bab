import { Injectable } from '@nestjs/common';
import type { Prisma, PrismaClient, VaultAppRole } from '@portcullis/db';
import { InjectPrisma } from '../../infra/tokens.js';
import { keyset, type PageQueryDto } from '../../common/pagination.js';
import { rethrowConflict } from '../../common/prisma-errors.js';

type Tx = Prisma.TransactionClient;
export type AppRoleWrite = Pick<
  VaultAppRole,
  'name' | 'roleId' | 'secretIdHash' | 'secretIdHint' | 'policies' | 'ipAllowlist' | 'tokenTtlSeconds' | 'agentId'
>;
export type AppRoleWithTenant = VaultAppRole & { tenant: { status: string } };

@Injectable()
export class AppRolesRepository {
  constructor(@InjectPrisma() private readonly prisma: PrismaClient) {}

  async create(tenantId: string, data: AppRoleWrite): Promise<VaultAppRole> {
    try {
      return await this.prisma.vaultAppRole.create({ data: { tenantId, ...data } });
    } catch (e) {
      rethrowConflict(e, 'an AppRole with this name');
    }
  }

  findById(tenantId: string, id: string): Promise<VaultAppRole | null> {
    return this.prisma.vaultAppRole.findFirst({ where: { tenantId, id } });
  }

  /** For authentication only: the role_id names the tenant. Includes the tenant's status. */
  findByRoleId(roleId: string): Promise<AppRoleWithTenant | null> {
    return this.prisma.vaultAppRole.findUnique({ where: { roleId }, include: { tenant: { select: { status: true } } } });
  }

  /** For authentication only: the JWT names the tenant and the AppRole. */
  findForAuth(tenantId: string, id: string, tx: Tx = this.prisma): Promise<AppRoleWithTenant | null> {
    return tx.vaultAppRole.findFirst({ where: { tenantId, id }, include: { tenant: { select: { status: true } } } });
  }

  /** The bound agent's status, or null when the agent no longer exists. */
  async agentStatus(tenantId: string, agentId: string): Promise<string | null> {
    const a = await this.prisma.agent.findFirst({ where: { tenantId, id: agentId }, select: { status: true } });
    return a?.status ?? null;
  }

  agentExists(tenantId: string, agentId: string): Promise<boolean> {
    return this.prisma.agent.count({ where: { tenantId, id: agentId } }).then((n) => n > 0);
  }

  async list(tenantId: string, page: PageQueryDto): Promise<{ rows: VaultAppRole[]; limit: number }> {
    const k = keyset(page);
    const rows = await this.prisma.vaultAppRole.findMany({ where: { tenantId, ...k.where }, orderBy: k.orderBy, take: k.take });
    return { rows, limit: k.limit };
  }

  async setSuspended(tenantId: string, id: string, suspended: boolean): Promise<VaultAppRole | null> {
    const { count } = await this.prisma.vaultAppRole.updateMany({ where: { tenantId, id }, data: { suspended } });
    return count ? this.findById(tenantId, id) : null;
  }

  /** New credentials; the old secret_id (and role_id, when replaced) stop working with this commit. */
  async rotate(
    tenantId: string,
    id: string,
    data: { roleId?: string; secretIdHash: string; secretIdHint: string },
    tx: Tx = this.prisma,
  ): Promise<VaultAppRole | null> {
    const { count } = await tx.vaultAppRole.updateMany({ where: { tenantId, id }, data });
    return count ? tx.vaultAppRole.findFirst({ where: { tenantId, id } }) : null;
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const { count } = await this.prisma.vaultAppRole.deleteMany({ where: { tenantId, id } });
    return count > 0;
  }
}
