import { Body, Controller, Get, HttpCode, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { DomainError, httpStatusOf } from '@portcullis/domain';
import { VaultAuthGuard } from '../auth/vault-auth.guard.js';
import { Caller, type TenantVaultPrincipal } from '../auth/vault-principal.js';
import { PatternsService } from '../patterns/patterns.service.js';
import { VaultQueues } from '../stamps/vault-queues.js';
import { ProxyRequestDto } from './proxy.dto.js';
import { ProxyService, type ProxyAnswer, type ProxyAttempt } from './proxy.service.js';

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
    private readonly queues: VaultQueues,
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
    const attempt: ProxyAttempt = { paths: [], method: dto.method.toUpperCase(), host: null };
    let answer: ProxyAnswer;
    try {
      answer = await this.proxy.call(p, dto, attempt);
    } catch (e) {
      throw await this.refused(p, dto, attempt, req.requestId, e);
    }
    const paths = attempt.paths.join(',');
    try {
      await this.queues.stamp(p, 'proxy', paths, req.requestId, { method: attempt.method, host: attempt.host!, status: answer.status });
    } catch (e) {
      answer.body.destroy();
      throw e;
    }
    res.status(answer.status);
    // Ours win: an upstream's X-Request-Id must not replace the id this request is logged under.
    for (const [k, v] of Object.entries(answer.headers)) if (!res.hasHeader(k)) res.setHeader(k, v);
    res.setHeader('cache-control', 'no-store');
    await pipeline(answer.body, res).then(
      () => answer.done(true),
      () => answer.done(false),
    );
  }

  /** Stamps the refusal or failure, counts an upstream failure against the pattern, adds suggestions. */
  private async refused(
    p: TenantVaultPrincipal,
    dto: ProxyRequestDto,
    attempt: ProxyAttempt,
    requestId: string,
    e: unknown,
  ): Promise<unknown> {
    if (!(e instanceof DomainError)) return e;
    const paths = attempt.paths.length ? attempt.paths.join(',') : null;
    const status = httpStatusOf(e.code);
    if (e.code === 'forbidden') await this.queues.stamp(p, 'proxy.denied', paths, requestId);
    else if (status >= 500 && e.code !== 'unavailable') {
      await this.queues.stamp(p, 'proxy', paths, requestId, { method: attempt.method, host: attempt.host ?? 'unknown', status });
      this.proxy.recordFailure(p, dto, attempt, status);
    }
    if (attempt.paths.length === 0 || status === 401) return e;
    const suggestions = await this.proxy.suggestions(p, attempt.paths);
    return suggestions.length ? new DomainError(e.code, e.message, { ...e.details, suggestions }) : e;
  }
}
