import { Controller, Get, Header, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { InjectConfig, type Config } from '../../common/config.js';
import { VaultAuthGuard } from '../auth/vault-auth.guard.js';
import { MaybeCaller, VaultAuth, type VaultPrincipal } from '../auth/vault-principal.js';
import { VaultAction, VaultStampInterceptor } from '../stamps/vault-stamp.interceptor.js';
import { skillMarkdown } from './skill.markdown.js';

/** Works without a token too (an agent may fetch the skill before logging in). */
@ApiTags('vault')
@ApiBearerAuth()
@UseGuards(VaultAuthGuard)
@UseInterceptors(VaultStampInterceptor)
@Controller('v1/skill')
export class SkillController {
  constructor(@InjectConfig() private readonly config: Config) {}

  @Get()
  @VaultAuth('optional')
  @Header('content-type', 'text/markdown; charset=utf-8')
  @VaultAction('skill')
  skill(@MaybeCaller() p: VaultPrincipal | undefined): string {
    return skillMarkdown(this.config.publicUrl, p && p.source !== 'root' ? p : null);
  }
}
