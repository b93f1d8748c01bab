import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { DomainError, constantTimeEqual } from '@portcullis/domain';
import { InjectConfig, type Config } from '../config.js';
import { bearerToken } from './decorators.js';

/** A guard that admits one configured static token, compared in constant time. */
abstract class StaticTokenGuard implements CanActivate {
  protected abstract readonly expected: string;
  protected abstract readonly refusal: string;

  canActivate(ctx: ExecutionContext): boolean {
    const token = bearerToken(ctx.switchToHttp().getRequest<Request>());
    if (!token || !constantTimeEqual(token, this.expected)) throw new DomainError('unauthenticated', this.refusal);
    return true;
  }
}

/** The platform operator: `PORTCULLIS_ROOT_TOKEN`. */
@Injectable()
export class RootGuard extends StaticTokenGuard {
  protected readonly expected: string;
  protected readonly refusal = 'platform routes need the root token';
  constructor(@InjectConfig() config: Config) {
    super();
    this.expected = config.rootToken;
  }
}

/** Process-to-process calls (a proxy asking for a republish): `PORTCULLIS_INTERNAL_TOKEN`. */
@Injectable()
export class InternalGuard extends StaticTokenGuard {
  protected readonly expected: string;
  protected readonly refusal = 'internal routes need the internal token';
  constructor(@InjectConfig() config: Config) {
    super();
    this.expected = config.internalToken;
  }
}
