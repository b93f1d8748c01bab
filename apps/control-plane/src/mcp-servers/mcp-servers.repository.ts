import { Injectable } from '@nestjs/common';
import { Prisma, type McpServer, type PrismaClient } from '@portcullis/db';
import { InjectPrisma } from '../infra/tokens.js';
import { keyset, type PageQueryDto } from '../common/pagination.js';
import { rethrowConflict } from '../common/prisma-errors.js';

export interface McpServerWrite {
  name: string;
  description: string | null;
  url: string;
  requiredCredentials: { serviceType: string }[];
  allAgents: boolean;
  agentIds: string[];
  allowedTools: string[] | null;
}
export type McpServerChange = Partial<McpServerWrite>;

const CONFLICT = 'an MCP server with this name';

/** Work that must commit with a change (its audit stamps): runs inside its transaction, given before/after. */
export type WithinMcpServerChange = (tx: Prisma.TransactionClient, before: McpServer | null, after: McpServer | null) => Promise<void>;

/** JSON null for a cleared allow-list (Prisma needs its marker for a nullable Json column). */
function toData(w: McpServerChange): Prisma.McpServerUncheckedUpdateInput {
  const { allowedTools, ...rest } = w;
  return allowedTools === undefined ? rest : { ...rest, allowedTools: allowedTools ?? Prisma.DbNull };
}

@Injectable()
export class McpServersRepository {
  constructor(@InjectPrisma() private readonly prisma: PrismaClient) {}

  async create(tenantId: string, data: McpServerWrite, within: WithinMcpServerChange): Promise<McpServer> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const server = await tx.mcpServer.create({
          data: { ...data, allowedTools: data.allowedTools ?? Prisma.DbNull, tenantId },
        });
        await within(tx, null, server);
        return server;
      });
    } catch (e) {
      rethrowConflict(e, CONFLICT);
    }
  }

  findById(tenantId: string, id: string): Promise<McpServer | null> {
    return this.prisma.mcpServer.findFirst({ where: { tenantId, id } });
  }

  async list(tenantId: string, page: PageQueryDto, agentId?: string): Promise<{ rows: McpServer[]; limit: number }> {
    const k = keyset(page);
    const rows = await this.prisma.mcpServer.findMany({
      where: { tenantId, ...(agentId ? { OR: [{ allAgents: true }, { agentIds: { has: agentId } }] } : {}), ...k.where },
      orderBy: k.orderBy,
      take: k.take,
    });
    return { rows, limit: k.limit };
  }

  /** Which of `ids` are agents of this tenant. */
  async existingAgentIds(tenantId: string, ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows = await this.prisma.agent.findMany({ where: { tenantId, id: { in: ids } }, select: { id: true } });
    return new Set(rows.map((r) => r.id));
  }

  /** Every agent of the tenant (for stamping a change to a server open to all of them). */
  async allAgentIds(tx: Prisma.TransactionClient, tenantId: string): Promise<string[]> {
    const rows = await tx.agent.findMany({ where: { tenantId }, select: { id: true }, orderBy: { id: 'asc' } });
    return rows.map((r) => r.id);
  }

  /** Changes one server under a row lock and bumps its version, as AgentsRepository.update does. */
  async update(
    tenantId: string,
    id: string,
    change: McpServerChange,
    within: WithinMcpServerChange,
  ): Promise<{ before: McpServer; after: McpServer } | null> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const locked = await tx.$queryRaw<
          { id: string }[]
        >`SELECT id FROM mcp_servers WHERE id = ${id}::uuid AND tenant_id = ${tenantId}::uuid FOR UPDATE`;
        if (locked.length === 0) return null;
        const before = await tx.mcpServer.findUniqueOrThrow({ where: { id } });
        const after = await tx.mcpServer.update({ where: { id }, data: { ...toData(change), version: { increment: 1 } } });
        await within(tx, before, after);
        return { before, after };
      });
    } catch (e) {
      rethrowConflict(e, CONFLICT);
    }
  }

  async delete(tenantId: string, id: string, within: WithinMcpServerChange): Promise<McpServer | null> {
    return this.prisma.$transaction(async (tx) => {
      const row = await tx.mcpServer.findFirst({ where: { tenantId, id } });
      if (!row) return null;
      await tx.mcpServer.delete({ where: { id } });
      await within(tx, row, null);
      return row;
    });
  }
}
