import { Injectable } from '@nestjs/common';
import type { PrismaClient, VaultDynamicLease, VaultDynamicSecret } from '@portcullis/db';
import { InjectPrisma } from '../../infra/tokens.js';

@Injectable()
export class DynamicSecretsRepository {
  constructor(@InjectPrisma() private readonly prisma: PrismaClient) {}

  create(tenantId: string, data: Omit<VaultDynamicSecret, 'id' | 'tenantId' | 'createdAt' | 'updatedAt'>): Promise<VaultDynamicSecret> {
    return this.prisma.vaultDynamicSecret.create({ data: { tenantId, ...data } });
  }

  list(tenantId: string): Promise<VaultDynamicSecret[]> {
    return this.prisma.vaultDynamicSecret.findMany({ where: { tenantId }, orderBy: { path: 'asc' }, take: 1000 });
  }

  find(tenantId: string, id: string): Promise<VaultDynamicSecret | null> {
    return this.prisma.vaultDynamicSecret.findFirst({ where: { tenantId, id } });
  }

  findByPath(tenantId: string, path: string): Promise<VaultDynamicSecret | null> {
    return this.prisma.vaultDynamicSecret.findUnique({ where: { tenantId_path: { tenantId, path } } });
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const { count } = await this.prisma.vaultDynamicSecret.deleteMany({ where: { tenantId, id } });
    return count > 0;
  }

  createLease(
    tenantId: string,
    data: Omit<VaultDynamicLease, 'id' | 'tenantId' | 'createdAt' | 'revokedAt' | 'expiredAt'>,
  ): Promise<VaultDynamicLease> {
    return this.prisma.vaultDynamicLease.create({ data: { tenantId, ...data } });
  }

  deleteLease(tenantId: string, id: string): Promise<unknown> {
    return this.prisma.vaultDynamicLease.deleteMany({ where: { tenantId, id } });
  }

  findLease(tenantId: string, holder: string, id: string): Promise<VaultDynamicLease | null> {
    return this.prisma.vaultDynamicLease.findFirst({ where: { tenantId, holder, id } });
  }

  /** Leases of a path that have not been ended (time may have passed: the provider still holds them). */
  unended(tenantId: string, path: string): Promise<VaultDynamicLease[]> {
    return this.prisma.vaultDynamicLease.findMany({ where: { tenantId, path, revokedAt: null, expiredAt: null } });
  }

  isActive(l: VaultDynamicLease, now = new Date()): boolean {
    return !l.revokedAt && !l.expiredAt && l.expiresAt > now;
  }

  /** Marks a lease revoked unless it already ended; false when someone else ended it first. */
  async markRevoked(tenantId: string, id: string, now = new Date()): Promise<boolean> {
    const { count } = await this.prisma.vaultDynamicLease.updateMany({
      where: { tenantId, id, revokedAt: null, expiredAt: null },
      data: { revokedAt: now },
    });
    return count > 0;
  }
}
