import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { IdPipe } from '../../common/id.pipe.js';
import { VaultAuthGuard } from '../auth/vault-auth.guard.js';
import { Caller, type TenantVaultPrincipal } from '../auth/vault-principal.js';
import { VaultAction, VaultStampInterceptor } from '../stamps/vault-stamp.interceptor.js';
import { LeasesService } from './leases.service.js';

@ApiTags('vault')
@ApiBearerAuth()
@UseGuards(VaultAuthGuard)
@UseInterceptors(VaultStampInterceptor)
@Controller('v1/lease')
export class LeasesController {
  constructor(private readonly leases: LeasesService) {}

  @Get()
  @VaultAction('lease.list')
  list(@Caller() p: TenantVaultPrincipal) {
    return this.leases.list(p);
  }

  // The body is checked by leaseTtl (it may be absent), not by the DTO pipe.
  @Post('*path')
  @HttpCode(201)
  @Header('cache-control', 'no-store')
  @VaultAction('lease.create')
  create(@Caller() p: TenantVaultPrincipal, @Param('path') segments: string[], @Body() body: unknown) {
    return this.leases.create(p, segments.join('/'), body);
  }

  @Delete(':id')
  @HttpCode(204)
  @VaultAction('lease.revoke')
  async revoke(@Caller() p: TenantVaultPrincipal, @Param('id', IdPipe) id: string): Promise<void> {
    await this.leases.revoke(p, id);
  }
}
