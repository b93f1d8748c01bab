import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireRole } from '../../common/auth/decorators.js';
import type { TenantPrincipal } from '../../common/auth/principal.js';
import { TenantAuthGuard } from '../../common/auth/tenant-auth.guard.js';
import { IdPipe } from '../../common/id.pipe.js';
import { PageQueryDto } from '../../common/pagination.js';
import { PolicyCreateDto, PolicyUpdateDto } from './policies.dto.js';
import { PoliciesService } from './policies.service.js';

@ApiTags('vault admin')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@RequireRole('admin')
@Controller('api/v1/admin/policies')
export class PoliciesController {
  constructor(private readonly policies: PoliciesService) {}

  @Post()
  create(@CurrentPrincipal() p: TenantPrincipal, @Body() dto: PolicyCreateDto) {
    return this.policies.create(p.tenantId, dto.name, dto.rules);
  }

  @Get()
  list(@CurrentPrincipal() p: TenantPrincipal, @Query() q: PageQueryDto) {
    return this.policies.list(p.tenantId, q);
  }

  @Get(':id')
  get(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string) {
    return this.policies.get(p.tenantId, id);
  }

  @Put(':id')
  update(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string, @Body() dto: PolicyUpdateDto) {
    return this.policies.update(p.tenantId, id, dto.rules);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string): Promise<void> {
    await this.policies.delete(p.tenantId, id);
  }
}
