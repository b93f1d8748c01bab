import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireRole } from '../common/auth/decorators.js';
import type { TenantPrincipal } from '../common/auth/principal.js';
import { TenantAuthGuard } from '../common/auth/tenant-auth.guard.js';
import { IdPipe } from '../common/id.pipe.js';
import { PageQueryDto } from '../common/pagination.js';
import { ApiKeyCreateDto } from './api-keys.dto.js';
import { ApiKeysService } from './api-keys.service.js';

@ApiTags('api-keys')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@RequireRole('admin')
@Controller('api/v1/admin/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  create(@CurrentPrincipal() p: TenantPrincipal, @Body() dto: ApiKeyCreateDto) {
    return this.keys.create(p, dto);
  }

  @Get()
  @RequireRole('member')
  list(@CurrentPrincipal() p: TenantPrincipal, @Query() page: PageQueryDto) {
    return this.keys.list(p.tenantId, page);
  }

  @Get(':id')
  @RequireRole('member')
  get(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string) {
    return this.keys.get(p.tenantId, id);
  }

  /** Revokes the key: it stops working at once on the control plane and on every proxy. */
  @Delete(':id')
  @HttpCode(204)
  async revoke(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string): Promise<void> {
    await this.keys.revoke(p.tenantId, id);
  }
}
