import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DomainError } from '@portcullis/domain';
import { bearerToken } from '../../common/auth/decorators.js';
import { VaultIdentityService } from './vault-identity.service.js';
import { VAULT_AUTH_KEY, clientIp, type VaultAuthMode } from './vault-principal.js';

/** Every /v1 vault route. Root is refused on tenant routes: it names no tenant (see vault-principal). */
@Injectable()
export class VaultAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly identity: VaultIdentityService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<Request>();
    const mode =
      this.reflector.getAllAndOverride<VaultAuthMode | undefined>(VAULT_AUTH_KEY, [ctx.getHandler(), ctx.getClass()]) ?? 'required';
    const token = bearerToken(req);
    if (!token) {
      if (mode === 'optional') return true;
      throw new DomainError(
        'unauthenticated',
        'missing bearer token: log in with POST /v1/auth/approle/login {role_id, secret_id} and send Authorization: Bearer <token>',
      );
    }
    const p = await this.identity.authenticate(token, clientIp(req));
    if (p.source === 'root' && mode === 'required') {
      throw new DomainError('forbidden', 'the root token belongs to no tenant: use a tenant admin API key (pk_...) on vault routes');
    }
    req.vault = p;
    return true;
  }
}
