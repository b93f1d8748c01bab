import { Controller, Get, Header, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { JWKS_PATH } from '@portcullis/contracts';
import { RootGuard } from '../common/auth/root.guard.js';
import { SessionKeysService } from './session-keys.service.js';

@ApiTags('session-keys')
@Controller()
export class SessionKeysController {
  constructor(private readonly keys: SessionKeysService) {}

  /** Public keys that verify X-Gateway-Session-Token (the proxy serves the same set). */
  @Get(JWKS_PATH.slice(1))
  @Header('cache-control', 'public, max-age=60')
  jwks() {
    return this.keys.jwks();
  }

  @Post('api/v1/platform/session-keys/rotate')
  @HttpCode(200)
  @ApiBearerAuth()
  @UseGuards(RootGuard)
  rotate() {
    return this.keys.rotateNow();
  }
}
