import { Injectable } from '@nestjs/common';
import type { PrismaClient, SessionSigningKey } from '@portcullis/db';
import { InjectPrisma } from '../infra/tokens.js';

type NewKey = Pick<SessionSigningKey, 'kid' | 'alg' | 'sealedPrivateKey' | 'publicJwk'>;

/** Session signing keys are platform-wide (not per tenant): the gateway signs every session token. */
@Injectable()
export class SessionKeysRepository {
  constructor(@InjectPrisma() private readonly prisma: PrismaClient) {}

  listPublished(): Promise<SessionSigningKey[]> {
    return this.prisma.sessionSigningKey.findMany({ orderBy: { createdAt: 'asc' } });
  }

  /**
   * Under a transaction-scoped advisory lock (so replicas starting or ticking together agree): when
   * `due(active)` says so, retires the active key and inserts `next()`. Returns whether it rotated.
   */
  async rotateIf(due: (active: SessionSigningKey | null) => boolean, next: () => Promise<NewKey>): Promise<boolean> {
    const candidate = await next();
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('portcullis:session-keys'))`;
      const active = await tx.sessionSigningKey.findFirst({ where: { retiredAt: null }, orderBy: { createdAt: 'desc' } });
      if (!due(active)) return false;
      await tx.sessionSigningKey.updateMany({ where: { retiredAt: null }, data: { retiredAt: new Date() } });
      await tx.sessionSigningKey.create({ data: candidate });
      return true;
    });
  }

  /** Drops retired keys whose every token has expired; returns how many. */
  async deleteRetiredBefore(cutoff: Date): Promise<number> {
    const { count } = await this.prisma.sessionSigningKey.deleteMany({ where: { retiredAt: { lt: cutoff } } });
    return count;
  }
}
