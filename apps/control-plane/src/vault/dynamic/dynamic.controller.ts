import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Req, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { DomainError } from '@portcullis/domain';
import { CurrentPrincipal, RequireRole } from '../../common/auth/decorators.js';
import type { TenantPrincipal } from '../../common/auth/principal.js';
import { TenantAuthGuard } from '../../common/auth/tenant-auth.guard.js';
import { IdPipe } from '../../common/id.pipe.js';
import { VaultAuthGuard } from '../auth/vault-auth.guard.js';
import { Caller, type TenantVaultPrincipal } from '../auth/vault-principal.js';
import { VaultAction, VaultStampInterceptor } from '../stamps/vault-stamp.interceptor.js';
import { DynamicSecretCreateDto } from './dynamic.dto.js';
import { DynamicSecretsService } from './dynamic.service.js';

@ApiTags('vault admin')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@RequireRole('admin')
@Controller('api/v1/admin/dynamic-secrets')
export class DynamicSecretsAdminController {
  constructor(private readonly dynamic: DynamicSecretsService) {}

  @Post()
  create(@CurrentPrincipal() p: TenantPrincipal, @Body() dto: DynamicSecretCreateDto) {
    return this.dynamic.create(p.tenantId, dto);
  }

  @Get()
  list(@CurrentPrincipal() p: TenantPrincipal) {
    return this.dynamic.list(p.tenantId);
  }

  @Get(':id')
  get(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string) {
    return this.dynamic.get(p.tenantId, id);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string): Promise<void> {
    await this.dynamic.delete(p.tenantId, id);
  }
}

@ApiTags('vault')
@ApiBearerAuth()
@UseGuards(VaultAuthGuard)
@UseInterceptors(VaultStampInterceptor)
@Controller('v1/dynamic')
export class DynamicController {
  constructor(private readonly dynamic: DynamicSecretsService) {}

  // The body is checked by the service (it may be absent), not by the DTO pipe.
  @Post('*path')
  @HttpCode(201)
  @Header('cache-control', 'no-store')
  @VaultAction('dynamic.checkout')
  checkout(@Caller() p: TenantVaultPrincipal, @Param('path') segments: string[], @Body() body: unknown, @Req() req: Request) {
    if (segments.length < 2 || segments[segments.length - 1] !== 'checkout') {
      throw new DomainError('bad_request', 'check out a dynamic credential with POST /v1/dynamic/<path>/checkout');
    }
    const path = segments.slice(0, -1).join('/');
    req.vaultStamp = { action: 'dynamic.checkout', path };
    return this.dynamic.checkout(p, path, body);
  }

  @Delete('lease/:id')
  @HttpCode(204)
  @VaultAction('dynamic.revoke')
  async revoke(@Caller() p: TenantVaultPrincipal, @Param('id', IdPipe) id: string, @Req() req: Request): Promise<void> {
    req.vaultStamp = { action: 'dynamic.revoke', path: null };
    const { path } = await this.dynamic.revoke(p, id);
    req.vaultStamp = { action: 'dynamic.revoke', path };
  }
}
