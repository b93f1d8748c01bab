import { Body, Controller, Header, HttpCode, Post, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { scrub, type ScrubResult } from '@portcullis/domain';
import { VaultAuthGuard } from '../auth/vault-auth.guard.js';
import { Caller, type TenantVaultPrincipal } from '../auth/vault-principal.js';
import { SecretsService } from '../secrets/secrets.service.js';
import { VaultAction, VaultStampInterceptor } from '../stamps/vault-stamp.interceptor.js';

export class ScrubDto {
  @ApiProperty() @IsString() @MaxLength(1_000_000) text!: string;
}

/**
 * Redacts the exact values (every version) of the secrets the caller may use (read, lease or proxy)
 * and well-known key shapes. Limited to usable secrets so scrub cannot confirm guesses about values
 * the caller could not read anyway.
 */
@ApiTags('vault')
@ApiBearerAuth()
@UseGuards(VaultAuthGuard)
@UseInterceptors(VaultStampInterceptor)
@Controller('v1/scrub')
export class ScrubController {
  constructor(private readonly secrets: SecretsService) {}

  @Post()
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @VaultAction('scrub')
  async scrub(@Caller() p: TenantVaultPrincipal, @Body() dto: ScrubDto): Promise<ScrubResult> {
    return scrub(dto.text, await this.secrets.usableValues(p));
  }
}
