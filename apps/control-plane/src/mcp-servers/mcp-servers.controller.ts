import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { CurrentPrincipal, RequireRole } from '../common/auth/decorators.js';
import type { TenantPrincipal } from '../common/auth/principal.js';
import { TenantAuthGuard } from '../common/auth/tenant-auth.guard.js';
import { IdPipe } from '../common/id.pipe.js';
import { PageQueryDto } from '../common/pagination.js';
import { McpServerCreateDto, McpServerUpdateDto } from './mcp-servers.dto.js';
import { McpServersService } from './mcp-servers.service.js';

export class McpServerListQueryDto extends PageQueryDto {
  /** Only the servers this agent may use. */
  @IsOptional() @IsUUID('all', { message: 'agentId must be an agent id' }) agentId?: string;
}

/**
 * Registering a server decides where the tenant's credentials are sent and which agents get them, so
 * writes need the admin role (as credentials do); members may read.
 */
@ApiTags('mcp-servers')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@RequireRole('admin')
@Controller('api/v1/admin/mcp-servers')
export class McpServersController {
  constructor(private readonly servers: McpServersService) {}

  @Post()
  create(@CurrentPrincipal() p: TenantPrincipal, @Body() dto: McpServerCreateDto) {
    return this.servers.create(p, dto);
  }

  @Get()
  @RequireRole('member')
  list(@CurrentPrincipal() p: TenantPrincipal, @Query() q: McpServerListQueryDto) {
    return this.servers.list(p.tenantId, q, q.agentId?.toLowerCase());
  }

  @Get(':id')
  @RequireRole('member')
  get(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string) {
    return this.servers.get(p.tenantId, id);
  }

  @Patch(':id')
  update(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string, @Body() dto: McpServerUpdateDto) {
    return this.servers.update(p, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string): Promise<void> {
    await this.servers.delete(p, id);
  }
}
