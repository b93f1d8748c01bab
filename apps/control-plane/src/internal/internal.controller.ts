import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { DomainError } from '@portcullis/domain';
import { REPUBLISH_PATH } from '@portcullis/contracts';
import { InternalGuard } from '../common/auth/root.guard.js';
import { SnapshotPublisher } from '../infra/snapshot-publisher.js';

export class RepublishDto {
  @IsIn(['agent', 'mcp-server', 'all']) kind!: 'agent' | 'mcp-server' | 'all';
  @IsOptional() @IsUUID() id?: string;
}

/** Process-to-process: a proxy that finds a snapshot missing (Redis restarted empty) asks for it here. */
@ApiExcludeController()
@UseGuards(InternalGuard)
@Controller()
export class InternalController {
  constructor(private readonly publisher: SnapshotPublisher) {}

  @Post(REPUBLISH_PATH.slice(1))
  @HttpCode(200)
  async republish(@Body() dto: RepublishDto) {
    if (dto.kind === 'all') return { republished: await this.publisher.republishAll() };
    if (!dto.id) throw new DomainError('bad_request', `id is required for kind ${dto.kind}`);
    if (dto.kind === 'mcp-server') {
      if (!(await this.publisher.republishMcpServer(dto.id))) throw new DomainError('not_found', 'MCP server not found');
      return { republished: { mcpServers: 1 } };
    }
    if (!(await this.publisher.republishAgent(dto.id))) throw new DomainError('not_found', 'agent not found');
    return { republished: { agents: 1 } };
  }
}
