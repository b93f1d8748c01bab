import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { WALLET_INTERNAL_PATH } from '@portcullis/contracts';
import { InternalGuard } from '../common/auth/root.guard.js';
import { IdPipe } from '../common/id.pipe.js';
import {
  ArtifactQueryDto,
  WalletStampsQueryDto,
  WalletVerifyHashQueryDto,
  WorkroomNameDto,
  WorkroomPostDto,
  WorkroomReadQueryDto,
} from './wallet.dto.js';
import { WalletService } from './wallet.service.js';

/**
 * Process-to-process, for the proxy's wallet: the proxy authenticated the agent (its runtime token or
 * a session token) and names it in the path; the internal token proves the caller is a proxy.
 */
@ApiExcludeController()
@UseGuards(InternalGuard)
@Controller(`${WALLET_INTERNAL_PATH.slice(1)}/tenants/:tenantId/agents/:agentId`)
export class WalletController {
  constructor(private readonly wallet: WalletService) {}

  @Get('head')
  head(@Param('tenantId', IdPipe) tenantId: string, @Param('agentId', IdPipe) agentId: string) {
    return this.wallet.head(tenantId, agentId);
  }

  @Get('stamps')
  stamps(@Param('tenantId', IdPipe) tenantId: string, @Param('agentId', IdPipe) agentId: string, @Query() q: WalletStampsQueryDto) {
    return this.wallet.stamps(tenantId, agentId, q.limit ?? 10, q.type);
  }

  @Get('verify')
  verify(@Param('tenantId', IdPipe) tenantId: string, @Param('agentId', IdPipe) agentId: string) {
    return this.wallet.verify(tenantId, agentId);
  }

  @Get('verify-hash')
  verifyHash(@Param('tenantId', IdPipe) tenantId: string, @Param('agentId', IdPipe) agentId: string, @Query() q: WalletVerifyHashQueryDto) {
    return this.wallet.verifyHash(tenantId, agentId, q.hash, q.of);
  }

  @Get('artifacts')
  artifacts(@Param('tenantId', IdPipe) tenantId: string, @Param('agentId', IdPipe) agentId: string, @Query() q: ArtifactQueryDto) {
    return this.wallet.artifacts(tenantId, agentId, q.sha256, q.name);
  }

  @Get('workrooms')
  workrooms(@Param('tenantId', IdPipe) tenantId: string, @Param('agentId', IdPipe) agentId: string) {
    return this.wallet.workrooms(tenantId, agentId);
  }

  @Post('workrooms/join')
  @HttpCode(200)
  join(@Param('tenantId', IdPipe) tenantId: string, @Param('agentId', IdPipe) agentId: string, @Body() dto: WorkroomNameDto) {
    return this.wallet.join(tenantId, agentId, dto.name);
  }

  @Post('workrooms/leave')
  @HttpCode(200)
  leave(@Param('tenantId', IdPipe) tenantId: string, @Param('agentId', IdPipe) agentId: string, @Body() dto: WorkroomNameDto) {
    return this.wallet.leave(tenantId, agentId, dto.name);
  }

  @Post('workrooms/messages')
  @HttpCode(201)
  post(@Param('tenantId', IdPipe) tenantId: string, @Param('agentId', IdPipe) agentId: string, @Body() dto: WorkroomPostDto) {
    return this.wallet.post(tenantId, agentId, dto);
  }

  @Get('workrooms/messages')
  read(@Param('tenantId', IdPipe) tenantId: string, @Param('agentId', IdPipe) agentId: string, @Query() q: WorkroomReadQueryDto) {
    return this.wallet.read(tenantId, agentId, q);
  }
}
