/**
 * Every /api/v1/admin route: a tenant API key (`pk_…`) or a tenant user's JWT, then the route's role.
 * Failures are 401 (who are you?) or 403 (you may not), never a hint about which part was wrong.
 */
import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { DomainError, isTokenOfKind, roleAllows, type Role } from '@portcullis/domain';
import { ApiKeysRepository } from '../../api-keys/api-keys.repository.js';
import { ROLE_KEY, bearerToken } from './decorators.js';
import type { TenantPrincipal } from './principal.js';

@Injectable()
export class TenantAuthGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysRepository,
  ) {
    super();
  }

  override async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<Request>();
    const token = bearerToken(req);
    if (!token) throw new DomainError('unauthenticated', 'missing bearer token: send a tenant API key or a user JWT');
    if (token.startsWith('pk_')) {
      req.principal = await this.fromApiKey(token);
    } else {
      await super.canActivate(ctx);
      req.principal = req.user as TenantPrincipal;
    }
    const required = this.reflector.getAllAndOverride<Role | undefined>(ROLE_KEY, [ctx.getHandler(), ctx.getClass()]) ?? 'admin';
    if (!roleAllows(req.principal.role, required)) {
      throw new DomainError('forbidden', `this action needs the ${required} role`);
    }
    return true;
  }

  override handleRequest<T>(err: unknown, user: T): T {
    if (err || !user) throw new DomainError('unauthenticated', 'invalid or expired token');
    return user;
  }

  private async fromApiKey(token: string): Promise<TenantPrincipal> {
    const key = isTokenOfKind(token, 'apiKey') ? await this.apiKeys.findActiveByToken(token) : null;
    if (!key) throw new DomainError('unauthenticated', 'invalid or revoked API key');
    return { kind: 'apiKey', tenantId: key.tenantId, role: key.role, id: key.id, label: `api-key:${key.name}` };
  }
}
