import { Injectable } from '@nestjs/common';
import type { PrismaClient } from '@portcullis/db';
import type { TrustedIssuerRef } from '@portcullis/domain';
import { InjectPrisma } from '../infra/tokens.js';

@Injectable()
export class ConnectRepository {
  constructor(@InjectPrisma() private readonly prisma: PrismaClient) {}

  /** The tenant's trusted issuers (none for an unknown or suspended tenant). */
  issuers(tenantId: string): Promise<TrustedIssuerRef[]> {
    return this.prisma.trustedIssuer.findMany({
      where: { tenantId, tenant: { status: 'active' } },
      select: { issuer: true, jwksUri: true, audience: true },
    });
  }

  async hasCredential(tenantId: string, subject: string, serviceType: string): Promise<boolean> {
    return (await this.prisma.credential.count({ where: { tenantId, subject, serviceType } })) > 0;
  }
}
