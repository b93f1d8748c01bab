import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, RequireRole } from '../common/auth/decorators.js';
import type { TenantPrincipal } from '../common/auth/principal.js';
import { TenantAuthGuard } from '../common/auth/tenant-auth.guard.js';
import { IdPipe } from '../common/id.pipe.js';
import { CredentialCreateDto, CredentialListQueryDto } from './credentials.dto.js';
import { CredentialsService } from './credentials.service.js';

@ApiTags('credentials')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@RequireRole('admin')
@Controller('api/v1/admin/credentials')
export class CredentialsController {
  constructor(private readonly credentials: CredentialsService) {}

  /** 201 when new, 200 when it replaced the value for the same user and service. */
  @Post()
  async put(@CurrentPrincipal() p: TenantPrincipal, @Body() dto: CredentialCreateDto, @Res({ passthrough: true }) res: Response) {
    const { credential, created } = await this.credentials.put(p, dto);
    res.status(created ? 201 : 200);
    return credential;
  }

  @Get()
  @RequireRole('member')
  list(@CurrentPrincipal() p: TenantPrincipal, @Query() q: CredentialListQueryDto) {
    return this.credentials.list(p.tenantId, q);
  }

  @Get(':id')
  @RequireRole('member')
  get(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string) {
    return this.credentials.get(p.tenantId, id);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string): Promise<void> {
    await this.credentials.delete(p, id);
  }
}
