import { Injectable } from '@nestjs/common';
import type { PrismaClient, Stamp, Workroom, WorkroomMember, WorkroomMessage, WorkroomMessageKind } from '@portcullis/db';
import { InjectPrisma } from '../infra/tokens.js';

export type WorkroomWithMembers = Workroom & { members: WorkroomMember[] };

/** Workrooms and the wallet's chain lookups. Every query is scoped by tenant. */
@Injectable()
export class WalletRepository {
  constructor(@InjectPrisma() private readonly prisma: PrismaClient) {}

  async agentNames(tenantId: string, ids: readonly string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows = await this.prisma.agent.findMany({ where: { tenantId, id: { in: [...new Set(ids)] } }, select: { id: true, name: true } });
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /** The tenant's rooms, those the agent belongs to first, then by name. */
  workrooms(tenantId: string): Promise<WorkroomWithMembers[]> {
    return this.prisma.workroom.findMany({
      where: { tenantId },
      include: { members: { orderBy: { joinedAt: 'asc' } } },
      orderBy: { name: 'asc' },
      take: 500,
    });
  }

  workroom(tenantId: string, name: string): Promise<WorkroomWithMembers | null> {
    return this.prisma.workroom.findUnique({
      where: { tenantId_name: { tenantId, name } },
      include: { members: { orderBy: { joinedAt: 'asc' } } },
    });
  }

  /** Creates the room if it does not exist yet (concurrent joins agree on one row), then joins it. */
  async join(tenantId: string, name: string, agentId: string): Promise<WorkroomWithMembers> {
    await this.prisma.workroom.createMany({ data: [{ tenantId, name, createdBy: agentId }], skipDuplicates: true });
    const room = await this.prisma.workroom.findUniqueOrThrow({ where: { tenantId_name: { tenantId, name } } });
    await this.prisma.workroomMember.createMany({ data: [{ workroomId: room.id, agentId, tenantId }], skipDuplicates: true });
    return (await this.workroom(tenantId, name))!;
  }

  async leave(tenantId: string, workroomId: string, agentId: string): Promise<boolean> {
    const { count } = await this.prisma.workroomMember.deleteMany({ where: { tenantId, workroomId, agentId } });
    return count > 0;
  }

  /** Appends a message with the room's next seq, taken under the room's row lock (no gaps, no reordering). */
  post(
    tenantId: string,
    workroomId: string,
    m: { agentId: string; userId: string | null; kind: WorkroomMessageKind; body: string; requestId: string },
  ): Promise<WorkroomMessage> {
    return this.prisma.$transaction(async (tx) => {
      const room = await tx.workroom.update({ where: { id: workroomId, tenantId }, data: { lastSeq: { increment: 1 } } });
      return tx.workroomMessage.create({ data: { workroomId, tenantId, seq: room.lastSeq, ...m } });
    });
  }

  messages(tenantId: string, workroomId: string, after: number, take: number): Promise<WorkroomMessage[]> {
    return this.prisma.workroomMessage.findMany({
      where: { tenantId, workroomId, seq: { gt: after } },
      orderBy: { seq: 'asc' },
      take,
    });
  }

  /** Register-artifact stamps in the tenant whose event names this SHA-256 (canonical JSON: `"sha256":"<hex>"`). */
  artifactStamps(tenantId: string, sha256: string): Promise<Stamp[]> {
    return this.prisma.stamp.findMany({
      where: {
        tenantId,
        eventType: 'mcp',
        AND: [{ event: { contains: `"sha256":"${sha256}"` } }, { event: { contains: '"tool":"portcullis_register_artifact"' } }],
      },
      orderBy: { createdAt: 'asc' },
      take: 50,
    });
  }
}
