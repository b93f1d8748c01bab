import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireRole } from '../common/auth/decorators.js';
import type { TenantPrincipal } from '../common/auth/principal.js';
import { TenantAuthGuard } from '../common/auth/tenant-auth.guard.js';
import { IdPipe } from '../common/id.pipe.js';
import { PageQueryDto } from '../common/pagination.js';
import { IssuerCreateDto, IssuerUpdateDto } from './issuers.dto.js';
import { IssuersService } from './issuers.service.js';

@ApiTags('issuers')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@RequireRole('admin')
@Controller('api/v1/admin/issuers')
export class IssuersController {
  constructor(private readonly issuers: IssuersService) {}

  @Post()
  create(@CurrentPrincipal() p: TenantPrincipal, @Body() dto: IssuerCreateDto) {
    return this.issuers.create(p.tenantId, dto);
  }

  @Get()
  @RequireRole('member')
  list(@CurrentPrincipal() p: TenantPrincipal, @Query() page: PageQueryDto) {
    return this.issuers.list(p.tenantId, page);
  }

  @Get(':id')
  @RequireRole('member')
  get(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string) {
    return this.issuers.get(p.tenantId, id);
  }

  @Patch(':id')
  update(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string, @Body() dto: IssuerUpdateDto) {
    return this.issuers.update(p.tenantId, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string): Promise<void> {
    await this.issuers.delete(p.tenantId, id);
  }
}
