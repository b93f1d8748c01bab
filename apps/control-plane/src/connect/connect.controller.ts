import { Body, Controller, Get, Headers, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { DomainError, isServiceType } from '@portcullis/domain';
import { CONNECT_PATH } from '@portcullis/contracts';
import { bearerToken } from '../common/auth/decorators.js';
import { ConnectBodyDto, ConnectQueryDto } from './connect.dto.js';
import { ConnectService } from './connect.service.js';

function serviceTypeOf(value: string): string {
  if (!isServiceType(value)) throw new DomainError('bad_request', 'serviceType must be lowercase letters, digits, _ or -, at most 63');
  return value;
}

@ApiTags('credentials')
@ApiBearerAuth()
@Controller(CONNECT_PATH.slice(1))
export class ConnectController {
  constructor(private readonly connect: ConnectService) {}

  /** What to send to connect this service, and whether the caller already has. */
  @Get(':serviceType')
  async describe(
    @Req() req: Request,
    @Param('serviceType') serviceType: string,
    @Query() q: ConnectQueryDto,
    @Headers('x-user-id') userId?: string,
  ) {
    const type = serviceTypeOf(serviceType);
    const caller = await this.connect.authenticate(bearerToken(req), userId, q.tenant);
    return this.connect.status(caller, type);
  }

  /** Stores the caller's own credential: 201 when new, 200 when it replaced theirs. */
  @Post(':serviceType')
  async store(
    @Req() req: Request,
    @Param('serviceType') serviceType: string,
    @Query() q: ConnectQueryDto,
    @Body() body: ConnectBodyDto,
    @Res({ passthrough: true }) res: Response,
    @Headers('x-user-id') userId?: string,
  ) {
    const type = serviceTypeOf(serviceType);
    const caller = await this.connect.authenticate(bearerToken(req), userId, q.tenant);
    const { credential, created } = await this.connect.store(caller, type, body.value);
    res.status(created ? 201 : 200);
    return credential;
  }
}
