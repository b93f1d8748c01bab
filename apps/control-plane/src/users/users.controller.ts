import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireRole } from '../common/auth/decorators.js';
import type { TenantPrincipal } from '../common/auth/principal.js';
import { TenantAuthGuard } from '../common/auth/tenant-auth.guard.js';
import { IdPipe } from '../common/id.pipe.js';
import { PageQueryDto } from '../common/pagination.js';
import { UserCreateDto, UserUpdateDto } from './users.dto.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@RequireRole('admin')
@Controller('api/v1/admin/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  create(@CurrentPrincipal() p: TenantPrincipal, @Body() dto: UserCreateDto) {
    return this.users.create(p.tenantId, dto);
  }

  @Get()
  @RequireRole('member')
  list(@CurrentPrincipal() p: TenantPrincipal, @Query() page: PageQueryDto) {
    return this.users.list(p.tenantId, page);
  }

  @Get(':id')
  @RequireRole('member')
  get(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string) {
    return this.users.get(p.tenantId, id);
  }

  @Patch(':id')
  update(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string, @Body() dto: UserUpdateDto) {
    return this.users.update(p.tenantId, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string): Promise<void> {
    await this.users.delete(p.tenantId, id);
  }
}
