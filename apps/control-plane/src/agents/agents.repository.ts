import { Injectable } from '@nestjs/common';
import type { Agent, Prisma, PrismaClient } from '@portcullis/db';
import { InjectPrisma } from '../infra/tokens.js';
import { keyset, type PageQueryDto } from '../common/pagination.js';
import { rethrowConflict } from '../common/prisma-errors.js';

export type AgentWrite = Omit<Prisma.AgentUncheckedCreateInput, 'tenantId' | 'id' | 'version' | 'createdAt' | 'updatedAt'>;
export type AgentChange = Partial<AgentWrite>;
/** Work that must commit with the change (its audit stamp): runs inside the change's transaction. */
export type WithinChange = (tx: Prisma.TransactionClient, agent: Agent) => Promise<void>;

@Injectable()
export class AgentsRepository {
  constructor(@InjectPrisma() private readonly prisma: PrismaClient) {}

  async create(tenantId: string, data: AgentWrite, within: WithinChange): Promise<Agent> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const agent = await tx.agent.create({ data: { ...data, tenantId } });
        await within(tx, agent);
        return agent;
      });
    } catch (e) {
      rethrowConflict(e, 'an agent with this name');
    }
  }

  findById(tenantId: string, id: string): Promise<Agent | null> {
    return this.prisma.agent.findFirst({ where: { tenantId, id } });
  }

  async list(tenantId: string, page: PageQueryDto, status?: 'active' | 'disabled'): Promise<{ rows: Agent[]; limit: number }> {
    const k = keyset(page);
    const rows = await this.prisma.agent.findMany({
      where: { tenantId, ...(status ? { status } : {}), ...k.where },
      orderBy: k.orderBy,
      take: k.take,
    });
    return { rows, limit: k.limit };
  }

  /**
   * Changes one agent under a row lock and bumps its version, so concurrent changes serialise and
   * each one sees the state the previous one left. `change` may inspect the current row; `within`
   * commits with it.
   */
  async update(
    tenantId: string,
    id: string,
    change: (current: Agent) => AgentChange | Promise<AgentChange>,
    within: WithinChange,
  ): Promise<{ before: Agent; after: Agent } | null> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const locked = await tx.$queryRaw<
          { id: string }[]
        >`SELECT id FROM agents WHERE id = ${id}::uuid AND tenant_id = ${tenantId}::uuid FOR UPDATE`;
        if (locked.length === 0) return null;
        const before = await tx.agent.findUniqueOrThrow({ where: { id } });
        const data = await change(before);
        const after = await tx.agent.update({ where: { id }, data: { ...data, version: { increment: 1 } } });
        await within(tx, after);
        return { before, after };
      });
    } catch (e) {
      rethrowConflict(e, 'an agent with this name');
    }
  }

  async delete(tenantId: string, id: string, within: WithinChange): Promise<Agent | null> {
    return this.prisma.$transaction(async (tx) => {
      const row = await tx.agent.findFirst({ where: { tenantId, id } });
      if (!row) return null;
      await tx.agent.delete({ where: { id } });
      await within(tx, row);
      return row;
    });
  }
}
