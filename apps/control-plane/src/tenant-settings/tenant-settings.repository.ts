import { Injectable } from '@nestjs/common';
import type { Prisma, PrismaClient, Tenant } from '@portcullis/db';
import { InjectPrisma } from '../infra/tokens.js';

export type TenantSettingsChange = Pick<
  Prisma.TenantUpdateInput,
  'defaultProviderKind' | 'defaultProviderBaseUrl' | 'sealedDefaultProviderKey' | 'allowProviderKeys'
>;

/** A tenant's own settings, reached only with the caller's tenant id. */
@Injectable()
export class TenantSettingsRepository {
  constructor(@InjectPrisma() private readonly prisma: PrismaClient) {}

  findById(tenantId: string): Promise<Tenant | null> {
    return this.prisma.tenant.findUnique({ where: { id: tenantId } });
  }

  /** Changes the tenant under a row lock, so `change` sees the state the previous change left. */
  update(tenantId: string, change: (current: Tenant) => TenantSettingsChange): Promise<Tenant | null> {
    return this.prisma.$transaction(async (tx) => {
      const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM tenants WHERE id = ${tenantId}::uuid FOR UPDATE`;
      if (locked.length === 0) return null;
      const current = await tx.tenant.findUniqueOrThrow({ where: { id: tenantId } });
      return tx.tenant.update({ where: { id: tenantId }, data: change(current) });
    });
  }
}
