import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import type { Role } from '@portcullis/domain';
import type { TenantPrincipal } from './principal.js';

export const ROLE_KEY = 'portcullis:role';

/** The weakest role allowed to call the route (admin > creator > member). */
export const RequireRole = (role: Role): MethodDecorator & ClassDecorator => SetMetadata(ROLE_KEY, role);

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): TenantPrincipal => {
  const p = ctx.switchToHttp().getRequest<Request>().principal;
  if (!p) throw new Error('CurrentPrincipal used on a route without TenantAuthGuard');
  return p;
});

export function bearerToken(req: Request): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}
