import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { CurrentPrincipal, RequireRole } from '../common/auth/decorators.js';
import type { TenantPrincipal } from '../common/auth/principal.js';
import { TenantAuthGuard } from '../common/auth/tenant-auth.guard.js';
import { IdPipe } from '../common/id.pipe.js';
import { PageQueryDto } from '../common/pagination.js';
import { AgentCreateDto, AgentCreatedDto, AgentResponseDto, AgentUpdateDto } from './agents.dto.js';
import { AgentsService } from './agents.service.js';

export class AgentListQueryDto extends PageQueryDto {
  @IsOptional() @IsIn(['active', 'disabled']) status?: 'active' | 'disabled';
}

@ApiTags('agents')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@RequireRole('creator')
@Controller('api/v1/admin/agents')
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @Post()
  @ApiCreatedResponse({ type: AgentCreatedDto })
  create(@CurrentPrincipal() p: TenantPrincipal, @Body() dto: AgentCreateDto) {
    return this.agents.create(p, dto);
  }

  @Get()
  @RequireRole('member')
  list(@CurrentPrincipal() p: TenantPrincipal, @Query() q: AgentListQueryDto) {
    return this.agents.list(p.tenantId, q, q.status);
  }

  @Get(':id')
  @RequireRole('member')
  @ApiOkResponse({ type: AgentResponseDto })
  get(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string) {
    return this.agents.get(p.tenantId, id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: AgentResponseDto })
  update(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string, @Body() dto: AgentUpdateDto) {
    return this.agents.update(p, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string): Promise<void> {
    await this.agents.delete(p, id);
  }

  @Post(':id/disable')
  @HttpCode(200)
  disable(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string) {
    return this.agents.setStatus(p, id, 'disabled');
  }

  @Post(':id/enable')
  @HttpCode(200)
  enable(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string) {
    return this.agents.setStatus(p, id, 'active');
  }

  @Post(':id/regenerate-token')
  @HttpCode(200)
  regenerateToken(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string) {
    return this.agents.regenerateToken(p, id);
  }
}
