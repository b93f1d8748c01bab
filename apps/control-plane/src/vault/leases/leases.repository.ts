import { Injectable } from '@nestjs/common';
import type { PrismaClient, VaultLease } from '@portcullis/db';
import { InjectPrisma } from '../../infra/tokens.js';

/** Active = not revoked, not marked expired, and `now < expires_at`: time alone ends a lease. */
const active = (now: Date) => ({ revokedAt: null, expiredAt: null, expiresAt: { gt: now } });

@Injectable()
export class LeasesRepository {
  constructor(@InjectPrisma() private readonly prisma: PrismaClient) {}

  create(
    tenantId: string,
    data: { holder: string; approleId: string | null; agentId: string | null; path: string; version: number; expiresAt: Date },
  ): Promise<VaultLease> {
    return this.prisma.vaultLease.create({ data: { tenantId, ...data } });
  }

  listActive(tenantId: string, holder: string, now = new Date()): Promise<VaultLease[]> {
    return this.prisma.vaultLease.findMany({ where: { tenantId, holder, ...active(now) }, orderBy: { expiresAt: 'asc' }, take: 1000 });
  }

  findByHolder(tenantId: string, holder: string, id: string): Promise<VaultLease | null> {
    return this.prisma.vaultLease.findFirst({ where: { tenantId, holder, id } });
  }

  /** Ends an active lease now; false when it had already ended (conditional update, race-free). */
  async revoke(tenantId: string, holder: string, id: string, now = new Date()): Promise<boolean> {
    const { count } = await this.prisma.vaultLease.updateMany({
      where: { tenantId, holder, id, ...active(now) },
      data: { revokedAt: now },
    });
    return count > 0;
  }
}
