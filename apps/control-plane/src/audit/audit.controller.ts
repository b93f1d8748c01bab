import { Controller, Get, Inject, Param, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RedisKeys } from '@portcullis/contracts';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DomainError } from '@portcullis/domain';
import { CurrentPrincipal, RequireRole } from '../common/auth/decorators.js';
import type { TenantPrincipal } from '../common/auth/principal.js';
import { TenantAuthGuard } from '../common/auth/tenant-auth.guard.js';
import { IdPipe } from '../common/id.pipe.js';
import { InjectConfig, type Config } from '../common/config.js';
import { LOGGER } from '../common/logger.provider.js';
import { KEYS, REDIS } from '../infra/tokens.js';
import { PageQueryDto } from '../common/pagination.js';
import { StampListQueryDto, VerifyQueryDto } from './audit.dto.js';
import { AuditService } from './audit.service.js';

@ApiTags('audit')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@RequireRole('member')
@Controller('v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('agents/:id/stamps')
  stamps(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string, @Query() q: StampListQueryDto) {
    return this.audit.stamps(p.tenantId, id, q);
  }

  @Get('agents/:id/verify')
  verify(@CurrentPrincipal() p: TenantPrincipal, @Param('id', IdPipe) id: string) {
    return this.audit.verifyAgent(p.tenantId, id);
  }

  @Get('requests/:requestId')
  byRequest(@CurrentPrincipal() p: TenantPrincipal, @Param('requestId') requestId: string) {
    if (requestId.length > 200) throw new DomainError('not_found', 'stamp not found');
    return this.audit.byRequest(p.tenantId, requestId);
  }

  @Get('checkpoints')
  checkpoints(@CurrentPrincipal() p: TenantPrincipal, @Query() q: PageQueryDto) {
    return this.audit.checkpoints(p.tenantId, q);
  }
}

/**
 * Public by design: answers only whether a state hash is on a chain, and publishes the signing keys.
 * A verify recomputes the chain up to the hash, so each client address gets a budget of them per
 * minute, counted in Redis across all control-plane pods (`PORTCULLIS_PUBLIC_VERIFY_PER_MINUTE`).
 */
@ApiTags('audit')
@Controller('v1')
export class PublicAuditController {
  constructor(
    private readonly audit: AuditService,
    @InjectConfig() private readonly config: Config,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(KEYS) private readonly redisKeys: RedisKeys,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get('verify/:agentId')
  async verify(
    @Param('agentId') agentId: string,
    @Query() q: VerifyQueryDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    await this.admit(req.socket.remoteAddress ?? 'unknown', res);
    return this.audit.verifyHash(agentId, q.hash);
  }

  /** Fixed one-minute windows. If Redis cannot count, the call is let through: verify only reads. */
  private async admit(client: string, res: Response): Promise<void> {
    const limit = this.config.publicVerifyPerMinute;
    if (!limit) return;
    const now = Date.now();
    const minute = Math.floor(now / 60_000);
    const key = this.redisKeys.publicVerifyLimit(client, minute);
    let used: number;
    try {
      const [[, n]] = (await this.redis.multi().incr(key).pexpire(key, 61_000).exec()) as [[Error | null, number]];
      used = n;
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'public verify limit not counted');
      return;
    }
    if (used > limit) {
      res.setHeader('Retry-After', String(Math.ceil(((minute + 1) * 60_000 - now) / 1000)));
      throw new DomainError('rate_limited', `too many verify calls from this address: at most ${limit} per minute`);
    }
  }

  @Get('audit/checkpoint-keys')
  keys() {
    return this.audit.keys();
  }
}
