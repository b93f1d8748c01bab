import { Injectable } from '@nestjs/common';
import type { PrismaClient, VaultProxyPattern } from '@portcullis/db';
import { InjectPrisma } from '../../infra/tokens.js';

/** Read side of learned call patterns; the worker's patterns processor is the only writer. */
@Injectable()
export class PatternsRepository {
  constructor(@InjectPrisma() private readonly prisma: PrismaClient) {}

  forSecret(tenantId: string, secretPath: string, take = 500): Promise<VaultProxyPattern[]> {
    return this.prisma.vaultProxyPattern.findMany({ where: { tenantId, secretPath }, orderBy: { lastUsedAt: 'desc' }, take });
  }

  /** What listings need to rank: per pattern, its path, method, template and the confidence inputs. */
  forSecrets(
    tenantId: string,
    secretPaths: string[],
  ): Promise<Pick<VaultProxyPattern, 'secretPath' | 'method' | 'urlTemplate' | 'successes' | 'failures' | 'verifiers' | 'lastUsedAt'>[]> {
    if (secretPaths.length === 0) return Promise.resolve([]);
    return this.prisma.vaultProxyPattern.findMany({
      where: { tenantId, secretPath: { in: secretPaths } },
      select: { secretPath: true, method: true, urlTemplate: true, successes: true, failures: true, verifiers: true, lastUsedAt: true },
    });
  }
}
