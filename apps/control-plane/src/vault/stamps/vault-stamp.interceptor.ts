import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { type Observable, from, lastValueFrom } from 'rxjs';
import { VaultQueues } from './vault-queues.js';

const ACTION_KEY = 'portcullis:vault-action';
/** Names the vault action a route performs; VaultStampInterceptor stamps it (and policy denials). */
export const VaultAction = (action: string): MethodDecorator => SetMetadata(ACTION_KEY, action);

declare module 'express-serve-static-core' {
  interface Request {
    /** A handler may refine what is stamped (e.g. `secret.read` of `a/b` for GET /v1/secrets/a/b/value). */
    vaultStamp?: { action: string; path: string | null };
  }
}

function pathOf(req: Request): string | null {
  if (req.vaultStamp) return req.vaultStamp.path;
  const p = (req.params as Record<string, string | string[] | undefined>).path;
  if (Array.isArray(p)) return p.join('/');
  return typeof p === 'string' ? p : null;
}

/**
 * Stamps every vault action of an agent-bound AppRole after it succeeds (before the response is
 * written), and every policy denial as `<action>.denied`. Values never enter a stamp.
 */
@Injectable()
export class VaultStampInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly queues: VaultQueues,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const action = this.reflector.get<string | undefined>(ACTION_KEY, ctx.getHandler());
    if (!action) return next.handle();
    const req = ctx.switchToHttp().getRequest<Request>();
    return from(
      this.queues.audited(
        () => ({ p: req.vault, action: req.vaultStamp?.action ?? action, path: pathOf(req) }),
        req.requestId,
        () => lastValueFrom(next.handle(), { defaultValue: undefined }),
      ),
    );
  }
}
