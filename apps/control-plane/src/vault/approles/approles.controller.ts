import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireRole } from '../../common/auth/decorators.js';
import type { TenantPrincipal } from '../../common/auth/principal.js';
import { TenantAuthGuard } from '../../common/auth/tenant-auth.guard.js';
import { IdPipe } from '../../common/id.pipe.js';
import { PageQueryDto } from '../../common/pagination.js';
import { AppRoleCreateDto } from './approles.dto.js';
import { AppRolesService } from './approles.service.js';

@ApiTags('vault admin')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@RequireRole('admin')
@Controller('api/v1/admin/approles')
export class AppRolesController {
  constructor(private readonly approles: AppRolesService) {}

  @Post()
  create(@CurrentPrincipal() p: TenantPrincipal, @Body() dto: AppRoleCreateDto) {
    return this.approles.create(p.tenantId, dto);
  }

  @Get()
  list(@CurrentPrincipal() p: TenantPrincipal, @Query() q: PageQueryDto) {
    return this.approles.list(p.tenantId, q);
  }

  @Get(':id')
  get(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string) {
    return this.approles.get(p.tenantId, id);
  }

  @Post(':id/suspend')
  @HttpCode(200)
  suspend(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string) {
    return this.approles.setSuspended(p.tenantId, id, true);
  }

  @Post(':id/unsuspend')
  @HttpCode(200)
  unsuspend(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string) {
    return this.approles.setSuspended(p.tenantId, id, false);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string): Promise<void> {
    await this.approles.delete(p.tenantId, id);
  }
}
