import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Query, Req, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { isVaultAdmin } from '@portcullis/domain';
import { CurrentPrincipal, RequireRole } from '../../common/auth/decorators.js';
import type { TenantPrincipal } from '../../common/auth/principal.js';
import { TenantAuthGuard } from '../../common/auth/tenant-auth.guard.js';
import { IdPipe } from '../../common/id.pipe.js';
import { PageQueryDto } from '../../common/pagination.js';
import { forbidden } from '../auth/access.js';
import { VaultAuthGuard } from '../auth/vault-auth.guard.js';
import { Caller, clientIp, type TenantVaultPrincipal } from '../auth/vault-principal.js';
import { VaultAction, VaultStampInterceptor } from '../stamps/vault-stamp.interceptor.js';
import { OnboardingLinkCreateDto, RotateLinkCreateDto } from './links.dto.js';
import { LinksService } from './links.service.js';

const MARKDOWN = 'text/markdown; charset=utf-8';

@ApiTags('vault admin')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@RequireRole('admin')
@Controller('api/v1/admin/onboarding-links')
export class OnboardingLinksAdminController {
  constructor(private readonly links: LinksService) {}

  @Post()
  create(@CurrentPrincipal() p: TenantPrincipal, @Body() dto: OnboardingLinkCreateDto) {
    return this.links.create(p.tenantId, 'onboard', dto.approleId.toLowerCase(), dto.ttlSeconds, p.label);
  }

  @Get()
  list(@CurrentPrincipal() p: TenantPrincipal, @Query() q: PageQueryDto) {
    return this.links.list(p.tenantId, 'onboard', q);
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string): Promise<void> {
    await this.links.delete(p.tenantId, 'onboard', id);
  }
}

/** The link itself is the credential here: no bearer token. */
@ApiTags('vault')
@UseInterceptors(VaultStampInterceptor)
@Controller('v1/onboard')
export class OnboardController {
  constructor(private readonly links: LinksService) {}

  @Get(':token')
  @Header('content-type', MARKDOWN)
  @Header('cache-control', 'no-store')
  page(@Param('token') token: string): Promise<string> {
    return this.links.markdown(token, 'onboard');
  }

  @Post(':token/exchange')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @VaultAction('onboard.exchange')
  async exchange(@Param('token') token: string, @Req() req: Request) {
    const { principal, body } = await this.links.exchangeOnboard(token, clientIp(req));
    req.vault = principal;
    return body;
  }
}

@ApiTags('vault')
@UseInterceptors(VaultStampInterceptor)
@Controller('v1/rotate')
export class RotateController {
  constructor(private readonly links: LinksService) {}

  /** Vault admins only: tenant admins, or AppRoles holding `admin` on `**`. */
  @Post()
  @ApiBearerAuth()
  @UseGuards(VaultAuthGuard)
  @VaultAction('rotate.create')
  create(@Caller() p: TenantVaultPrincipal, @Body() dto: RotateLinkCreateDto) {
    if (!isVaultAdmin(p.rules)) throw forbidden(p, 'admin', '**');
    return this.links.create(p.tenantId, 'rotate', dto.approle_id.toLowerCase(), dto.ttl_seconds, p.identity);
  }

  @Get(':token')
  @Header('content-type', MARKDOWN)
  @Header('cache-control', 'no-store')
  page(@Param('token') token: string): Promise<string> {
    return this.links.markdown(token, 'rotate');
  }

  @Post(':token/exchange')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @VaultAction('rotate.exchange')
  async exchange(@Param('token') token: string, @Req() req: Request) {
    const { principal, body } = await this.links.exchangeRotate(token, clientIp(req));
    req.vault = principal;
    return body;
  }
}
