import { Injectable } from '@nestjs/common';
import type { Checkpoint, CheckpointKey, PrismaClient, Stamp } from '@portcullis/db';
import { InjectPrisma } from '../infra/tokens.js';
import { keyset, type PageQueryDto } from '../common/pagination.js';

export interface StampFilter {
  type?: string;
  from?: Date;
  to?: Date;
}

export type ChainRow = Pick<Stamp, 'seq' | 'event' | 'prevHash' | 'stateHash'>;

/** Every read is scoped by tenant, except the public verify path, which reveals only validity. */
@Injectable()
export class AuditRepository {
  constructor(@InjectPrisma() private readonly prisma: PrismaClient) {}

  /** The agent's chain is this tenant's: its head says so, or the agent exists and has no stamp yet. */
  async ownsChain(tenantId: string, agentId: string): Promise<boolean> {
    const head = await this.prisma.chainHead.findUnique({ where: { agentId }, select: { tenantId: true } });
    if (head) return head.tenantId === tenantId;
    return (await this.prisma.agent.count({ where: { tenantId, id: agentId } })) > 0;
  }

  head(agentId: string): Promise<{ seq: number; stateHash: string } | null> {
    return this.prisma.chainHead.findUnique({ where: { agentId }, select: { seq: true, stateHash: true } });
  }

  /** Keyset by seq (unique within a chain): `after` is exclusive in the direction of travel. */
  stamps(
    tenantId: string,
    agentId: string,
    limit: number,
    order: 'asc' | 'desc',
    after: number | undefined,
    f: StampFilter,
  ): Promise<Stamp[]> {
    return this.prisma.stamp.findMany({
      where: {
        agentId,
        tenantId,
        ...(f.type ? { eventType: f.type } : {}),
        ...(f.from || f.to ? { createdAt: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lt: f.to } : {}) } } : {}),
        ...(after !== undefined ? { seq: order === 'desc' ? { lt: after } : { gt: after } } : {}),
      },
      orderBy: { seq: order },
      take: limit + 1,
    });
  }

  byRequestId(tenantId: string, requestId: string): Promise<Stamp | null> {
    return this.prisma.stamp.findFirst({ where: { tenantId, requestId }, orderBy: { createdAt: 'asc' } });
  }

  byStateHash(agentId: string, stateHash: string): Promise<{ seq: number } | null> {
    return this.prisma.stamp.findFirst({ where: { agentId, stateHash }, select: { seq: true } });
  }

  /** Chain entries seq > after, up to `upTo`, oldest first, for verification in bounded batches. */
  chainSlice(agentId: string, after: number, take: number, upTo?: number): Promise<ChainRow[]> {
    return this.prisma.stamp.findMany({
      where: { agentId, seq: { gt: after, ...(upTo !== undefined ? { lte: upTo } : {}) } },
      orderBy: { seq: 'asc' },
      take,
      select: { seq: true, event: true, prevHash: true, stateHash: true },
    });
  }

  async checkpoints(tenantId: string, page: PageQueryDto): Promise<{ rows: Checkpoint[]; limit: number }> {
    const k = keyset(page);
    const rows = await this.prisma.checkpoint.findMany({ where: { tenantId, ...k.where }, orderBy: k.orderBy, take: k.take });
    return { rows, limit: k.limit };
  }

  keys(): Promise<CheckpointKey[]> {
    return this.prisma.checkpointKey.findMany({ orderBy: { createdAt: 'asc' } });
  }
}
