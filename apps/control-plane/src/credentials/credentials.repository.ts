import { Injectable } from '@nestjs/common';
import type { Credential, Prisma, PrismaClient } from '@portcullis/db';
import { InjectPrisma } from '../infra/tokens.js';
import { keyset, type PageQueryDto } from '../common/pagination.js';

/** Work that must commit with a credential change: runs inside its transaction. */
export type WithinCredentialChange = (tx: Prisma.TransactionClient, row: Credential) => Promise<void>;

@Injectable()
export class CredentialsRepository {
  constructor(@InjectPrisma() private readonly prisma: PrismaClient) {}

  /**
   * Insert or replace the sealed value for (tenant, subject, service); `created` tells which. `within`
   * commits with it (the change's audit stamp).
   */
  async upsert(
    tenantId: string,
    subject: string,
    serviceType: string,
    sealedValue: string,
    within: WithinCredentialChange,
  ): Promise<{ row: Credential; created: boolean }> {
    const where = { tenantId_subject_serviceType: { tenantId, subject, serviceType } };
    return this.prisma.$transaction(async (tx) => {
      const existing = await tx.credential.findUnique({ where, select: { id: true } });
      const row = await tx.credential.upsert({ where, create: { tenantId, subject, serviceType, sealedValue }, update: { sealedValue } });
      await within(tx, row);
      return { row, created: !existing };
    });
  }

  /** Ids of the tenant's agents whose requiredCredentials name this service type. */
  async agentsRequiring(tx: Prisma.TransactionClient, tenantId: string, serviceType: string): Promise<string[]> {
    const agents = await tx.agent.findMany({ where: { tenantId }, select: { id: true, requiredCredentials: true } });
    return agents
      .filter(
        (a) =>
          Array.isArray(a.requiredCredentials) &&
          a.requiredCredentials.some((c) => (c as { serviceType?: unknown } | null)?.serviceType === serviceType),
      )
      .map((a) => a.id);
  }

  findById(tenantId: string, id: string): Promise<Credential | null> {
    return this.prisma.credential.findFirst({ where: { tenantId, id } });
  }

  async list(
    tenantId: string,
    page: PageQueryDto,
    filter: { subject?: string; serviceType?: string },
  ): Promise<{ rows: Credential[]; limit: number }> {
    const k = keyset(page);
    const rows = await this.prisma.credential.findMany({
      where: {
        tenantId,
        ...(filter.subject ? { subject: filter.subject } : {}),
        ...(filter.serviceType ? { serviceType: filter.serviceType } : {}),
        ...k.where,
      },
      orderBy: k.orderBy,
      take: k.take,
    });
    return { rows, limit: k.limit };
  }

  async delete(tenantId: string, id: string, within: WithinCredentialChange): Promise<Credential | null> {
    return this.prisma.$transaction(async (tx) => {
      const row = await tx.credential.findFirst({ where: { tenantId, id } });
      if (!row) return null;
      await tx.credential.delete({ where: { id } });
      await within(tx, row);
      return row;
    });
  }
}
