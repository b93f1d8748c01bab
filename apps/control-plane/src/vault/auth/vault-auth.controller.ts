import { Body, Controller, Get, HttpCode, Post, Req, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { IsString, Length } from 'class-validator';
import { DomainError } from '@portcullis/domain';
import { VaultAction, VaultStampInterceptor } from '../stamps/vault-stamp.interceptor.js';
import { VaultAuthGuard } from './vault-auth.guard.js';
import { VaultIdentityService, type IssuedToken } from './vault-identity.service.js';
import { whoamiOf, type WhoAmI } from './whoami.js';
import { MaybeCaller, VaultAuth, clientIp, type VaultPrincipal } from './vault-principal.js';

export class AppRoleLoginDto {
  @ApiProperty() @IsString() @Length(1, 200) role_id!: string;
  @ApiProperty() @IsString() @Length(1, 200) secret_id!: string;
}

@ApiTags('vault')
@UseInterceptors(VaultStampInterceptor)
@Controller('v1/auth')
export class VaultAuthController {
  constructor(private readonly identity: VaultIdentityService) {}

  @Post('approle/login')
  @HttpCode(200)
  @VaultAction('auth.login')
  async login(@Body() dto: AppRoleLoginDto, @Req() req: Request): Promise<IssuedToken> {
    const { principal, issued } = await this.identity.login(dto.role_id, dto.secret_id, clientIp(req));
    req.vault = principal;
    return issued;
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiBearerAuth()
  @UseGuards(VaultAuthGuard)
  @VaultAuth('root')
  @VaultAction('auth.refresh')
  async refresh(@MaybeCaller() p: VaultPrincipal | undefined, @Req() req: Request): Promise<IssuedToken> {
    if (p?.source !== 'approle') {
      throw new DomainError(
        'bad_request',
        'only AppRole tokens refresh; admins log in again with POST /api/v1/auth/login or use an API key',
      );
    }
    const { principal, issued } = await this.identity.refresh(p, clientIp(req));
    req.vault = principal;
    return issued;
  }

  @Get('whoami')
  @ApiBearerAuth()
  @UseGuards(VaultAuthGuard)
  @VaultAuth('root')
  @VaultAction('auth.whoami')
  whoami(@MaybeCaller() p: VaultPrincipal | undefined): WhoAmI {
    return whoamiOf(p);
  }
}
