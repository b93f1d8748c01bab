import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { DomainError, constantTimeEqual } from '@portcullis/domain';
import { InjectConfig, type Config } from '../config.js';
import { bearerToken } from './decorators.js';

/** The platform operator: `PORTCULLIS_ROOT_TOKEN`, compared in constant time. */
@Injectable()
export class RootGuard implements CanActivate {
  constructor(@InjectConfig() private readonly config: Config) {}

  canActivate(ctx: ExecutionContext): boolean {
    const token = bearerToken(ctx.switchToHttp().getRequest<Request>());
    if (!token || !constantTimeEqual(token, this.config.rootToken)) {
      throw new DomainError('unauthenticated', 'platform routes need the root token');
    }
    return true;
  }
}

/** Process-to-process calls (a proxy asking for a republish): `PORTCULLIS_INTERNAL_TOKEN`. */
@Injectable()
export class InternalGuard implements CanActivate {
  constructor(@InjectConfig() private readonly config: Config) {}

  canActivate(ctx: ExecutionContext): boolean {
    const token = bearerToken(ctx.switchToHttp().getRequest<Request>());
    if (!token || !constantTimeEqual(token, this.config.internalToken)) {
      throw new DomainError('unauthenticated', 'internal routes need the internal token');
    }
    return true;
  }
}
