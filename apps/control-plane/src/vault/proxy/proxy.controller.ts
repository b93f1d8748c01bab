import { Body, Controller, Get, HttpCode, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { DomainError } from '@portcullis/domain';
import { VaultAuthGuard } from '../auth/vault-auth.guard.js';
import { Caller, type TenantVaultPrincipal } from '../auth/vault-principal.js';
import { PatternsService } from '../patterns/patterns.service.js';
import { ProxyRequestDto } from './proxy.dto.js';
import { ProxyService } from './proxy.service.js';

/**
 * `POST /v1/proxy` answers with the upstream's own status, headers (scrubbed, hop-by-hop removed) and
 * body (streamed, scrubbed), plus `X-Portcullis-Upstream` and `X-Portcullis-Secrets`; a Portcullis
 * refusal is the usual `{error, request_id}` body without those headers. Stamps (agent-bound
 * AppRoles): `proxy` with method, host and status; `proxy.denied` for refusals.
 */
@ApiTags('vault')
@ApiBearerAuth()
@UseGuards(VaultAuthGuard)
@Controller('v1/proxy')
export class ProxyController {
  constructor(
    private readonly proxy: ProxyService,
    private readonly patterns: PatternsService,
  ) {}

  @Get('patterns')
  patternsOf(@Caller() p: TenantVaultPrincipal, @Query('secret') secret: unknown) {
    if (typeof secret !== 'string' || secret === '')
      throw new DomainError('bad_request', 'give the secret path once: GET /v1/proxy/patterns?secret=<path>');
    return this.patterns.list(p, secret);
  }

  @Post()
  @HttpCode(200)
  async call(@Caller() p: TenantVaultPrincipal, @Body() dto: ProxyRequestDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    const answer = await this.proxy.callAudited(p, dto, req.requestId);
    res.status(answer.status);
    // Ours win: an upstream's X-Request-Id must not replace the id this request is logged under.
    for (const [k, v] of Object.entries(answer.headers)) if (!res.hasHeader(k)) res.setHeader(k, v);
    res.setHeader('cache-control', 'no-store');
    await pipeline(answer.body, res).then(
      () => answer.done(true),
      () => answer.done(false),
    );
  }
}
