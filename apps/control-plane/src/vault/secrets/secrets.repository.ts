import { Injectable } from '@nestjs/common';
import type { PrismaClient, VaultSecret, VaultSecretVersion } from '@portcullis/db';
import { InjectPrisma } from '../../infra/tokens.js';

export type SecretWithCount = VaultSecret & { _count: { versions: number } };

@Injectable()
export class SecretsRepository {
  constructor(@InjectPrisma() private readonly prisma: PrismaClient) {}

  /** Secrets under a prefix, ordered by path, after `after` when given; the caller filters by capability. */
  list(tenantId: string, prefix: string, take: number, after?: string): Promise<VaultSecret[]> {
    return this.prisma.vaultSecret.findMany({
      where: { tenantId, path: { startsWith: prefix, ...(after ? { gt: after } : {}) } },
      orderBy: { path: 'asc' },
      take,
    });
  }

  find(tenantId: string, path: string): Promise<SecretWithCount | null> {
    return this.prisma.vaultSecret.findUnique({
      where: { tenantId_path: { tenantId, path } },
      include: { _count: { select: { versions: true } } },
    });
  }

  version(secretId: string, version: number): Promise<VaultSecretVersion | null> {
    return this.prisma.vaultSecretVersion.findUnique({ where: { secretId_version: { secretId, version } } });
  }

  versions(secretId: string): Promise<Pick<VaultSecretVersion, 'version' | 'createdAt' | 'createdBy'>[]> {
    return this.prisma.vaultSecretVersion.findMany({
      where: { secretId },
      orderBy: { version: 'desc' },
      select: { version: true, createdAt: true, createdBy: true },
    });
  }

  /** Every sealed version of every secret in the tenant (for scrubbing). */
  allVersions(tenantId: string): Promise<(Pick<VaultSecretVersion, 'version' | 'sealedValue'> & { secret: { path: string } })[]> {
    return this.prisma.vaultSecretVersion.findMany({
      where: { secret: { tenantId } },
      select: { version: true, sealedValue: true, secret: { select: { path: true } } },
    });
  }

  /**
   * Writes the next version under a row lock, so concurrent writers get consecutive versions.
   * `seal` receives the version number, which is part of the sealed value's associated data.
   */
  async put(
    tenantId: string,
    path: string,
    metadata: string,
    createdBy: string,
    seal: (version: number) => Promise<string>,
  ): Promise<{ secret: VaultSecret; version: VaultSecretVersion }> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`INSERT INTO vault_secrets (id, tenant_id, path, current_version, metadata, created_at, updated_at)
        VALUES (gen_random_uuid(), ${tenantId}::uuid, ${path}, 0, '{}', now(), now())
        ON CONFLICT (tenant_id, path) DO NOTHING`;
      const [row] = await tx.$queryRaw<{ id: string; current_version: number }[]>`
        SELECT id, current_version FROM vault_secrets WHERE tenant_id = ${tenantId}::uuid AND path = ${path} FOR UPDATE`;
      const next = row!.current_version + 1;
      const sealedValue = await seal(next);
      const version = await tx.vaultSecretVersion.create({ data: { secretId: row!.id, version: next, sealedValue, createdBy } });
      const secret = await tx.vaultSecret.update({ where: { id: row!.id }, data: { currentVersion: next, metadata } });
      return { secret, version };
    });
  }

  /** Deletes the secret with every version, and ends its active leases. */
  async delete(tenantId: string, path: string): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const { count } = await tx.vaultSecret.deleteMany({ where: { tenantId, path } });
      if (count) {
        await tx.vaultLease.updateMany({ where: { tenantId, path, revokedAt: null, expiredAt: null }, data: { revokedAt: new Date() } });
      }
      return count > 0;
    });
  }
}
