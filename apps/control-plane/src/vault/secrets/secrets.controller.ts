import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { DomainError } from '@portcullis/domain';
import { VaultAuthGuard } from '../auth/vault-auth.guard.js';
import { Caller, type TenantVaultPrincipal } from '../auth/vault-principal.js';
import { VaultAction, VaultStampInterceptor } from '../stamps/vault-stamp.interceptor.js';
import { SecretPutDto } from './secrets.dto.js';
import { SecretsService } from './secrets.service.js';

/**
 * Secret paths contain slashes, so each verb has one `*path` route (path-to-regexp v8 gives the
 * segments as an array) and the last segment picks the sub-resource: `<path>/value` and
 * `<path>/versions`. Secret paths never end in those words (secretPathProblem), so this is unambiguous.
 */
function split(segments: string[]): { path: string; sub: 'value' | 'versions' | null } {
  const last = segments[segments.length - 1];
  if (segments.length > 1 && (last === 'value' || last === 'versions')) return { path: segments.slice(0, -1).join('/'), sub: last };
  return { path: segments.join('/'), sub: null };
}

function versionOf(q: string | undefined): number | undefined {
  if (q === undefined) return undefined;
  if (!/^[1-9]\d{0,8}$/.test(q)) throw new DomainError('bad_request', 'version must be a positive integer');
  return Number(q);
}

@ApiTags('vault')
@ApiBearerAuth()
@UseGuards(VaultAuthGuard)
@UseInterceptors(VaultStampInterceptor)
@Controller('v1/secrets')
export class SecretsController {
  constructor(private readonly secrets: SecretsService) {}

  @Get()
  @VaultAction('secret.list')
  list(@Caller() p: TenantVaultPrincipal, @Query('prefix') prefix?: string) {
    if (prefix !== undefined && typeof prefix !== 'string') throw new DomainError('bad_request', 'prefix must be given once');
    return this.secrets.list(p, prefix ?? '');
  }

  @Get('*path')
  @VaultAction('secret.get')
  async get(
    @Caller() p: TenantVaultPrincipal,
    @Param('path') segments: string[],
    @Query('version') version: string | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { path, sub } = split(segments);
    req.vaultStamp = { action: sub === 'value' ? 'secret.read' : sub === 'versions' ? 'secret.versions' : 'secret.metadata', path };
    if (sub === 'versions') return this.secrets.versions(p, path);
    if (sub === null) return this.secrets.metadata(p, path);
    const result = await this.secrets.value(p, path, versionOf(version));
    res.setHeader('cache-control', 'no-store');
    // Bare value for `Accept: text/plain` (shell use: `$(curl …)`); JSON otherwise.
    if (req.accepts(['application/json', 'text/plain']) === 'text/plain') {
      res.type('text/plain');
      return result.value;
    }
    return result;
  }

  @Put('*path')
  @VaultAction('secret.write')
  put(@Caller() p: TenantVaultPrincipal, @Param('path') segments: string[], @Body() dto: SecretPutDto, @Req() req: Request) {
    const { path, sub } = split(segments);
    req.vaultStamp = { action: 'secret.write', path };
    if (sub) throw new DomainError('bad_request', `PUT the secret itself (/v1/secrets/${path}), not its /${sub}`);
    return this.secrets.put(p, path, dto);
  }

  @Delete('*path')
  @HttpCode(204)
  @VaultAction('secret.delete')
  async delete(@Caller() p: TenantVaultPrincipal, @Param('path') segments: string[], @Req() req: Request): Promise<void> {
    const { path, sub } = split(segments);
    req.vaultStamp = { action: 'secret.delete', path };
    if (sub) throw new DomainError('bad_request', `DELETE the secret itself (/v1/secrets/${path}), not its /${sub}`);
    await this.secrets.delete(p, path);
  }
}
