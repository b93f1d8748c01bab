import { Injectable } from '@nestjs/common';
import type { Prisma, PrismaClient, VaultLink } from '@portcullis/db';
import { hashToken } from '@portcullis/domain';
import { InjectPrisma } from '../../infra/tokens.js';
import { keyset, type PageQueryDto } from '../../common/pagination.js';

type Tx = Prisma.TransactionClient;
export type LinkKind = 'onboard' | 'rotate';
export type LinkWithAppRole = VaultLink & { approle: { name: string; policies: string[]; tenantId: string } };

@Injectable()
export class LinksRepository {
  constructor(@InjectPrisma() private readonly prisma: PrismaClient) {}

  create(
    tenantId: string,
    data: { approleId: string; kind: LinkKind; tokenHash: string; expiresAt: Date; createdBy: string },
  ): Promise<VaultLink> {
    return this.prisma.vaultLink.create({ data: { tenantId, ...data } });
  }

  /** For link holders: the token names the tenant. */
  findByToken(token: string, kind: LinkKind): Promise<LinkWithAppRole | null> {
    return this.prisma.vaultLink.findFirst({
      where: { tokenHash: hashToken(token), kind },
      include: { approle: { select: { name: true, policies: true, tenantId: true } } },
    });
  }

  async list(tenantId: string, kind: LinkKind, page: PageQueryDto): Promise<{ rows: VaultLink[]; limit: number }> {
    const k = keyset(page);
    const rows = await this.prisma.vaultLink.findMany({ where: { tenantId, kind, ...k.where }, orderBy: k.orderBy, take: k.take });
    return { rows, limit: k.limit };
  }

  async delete(tenantId: string, kind: LinkKind, id: string): Promise<boolean> {
    const { count } = await this.prisma.vaultLink.deleteMany({ where: { tenantId, kind, id } });
    return count > 0;
  }

  /**
   * Consumes the link if it is still open: one conditional UPDATE. Of two concurrent exchanges the
   * second waits on the row lock, re-evaluates `consumed_at IS NULL` after the first commits, and
   * updates nothing; so exactly one succeeds.
   */
  async consume(id: string, tx: Tx): Promise<boolean> {
    const now = new Date();
    const { count } = await tx.vaultLink.updateMany({ where: { id, consumedAt: null, expiresAt: { gt: now } }, data: { consumedAt: now } });
    return count === 1;
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(fn);
  }
}
