import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DomainError } from '@portcullis/domain';
import { CurrentPrincipal, RequireRole } from '../common/auth/decorators.js';
import type { TenantPrincipal } from '../common/auth/principal.js';
import { TenantAuthGuard } from '../common/auth/tenant-auth.guard.js';
import { IdPipe } from '../common/id.pipe.js';
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

/** Public by design: answers only whether a state hash is on a chain, and publishes the signing keys. */
@ApiTags('audit')
@Controller('v1')
export class PublicAuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('verify/:agentId')
  verify(@Param('agentId') agentId: string, @Query() q: VerifyQueryDto) {
    return this.audit.verifyHash(agentId, q.hash);
  }

  @Get('audit/checkpoint-keys')
  keys() {
    return this.audit.keys();
  }
}
