import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { isRole } from '@portcullis/domain';
import { InjectConfig, type Config } from '../config.js';
import { UsersRepository } from '../../users/users.repository.js';
import type { TenantPrincipal } from './principal.js';

interface UserJwtPayload {
  sub: string;
  tid: string;
  typ: string;
}

export const USER_JWT_AUDIENCE = 'portcullis:admin';
export const USER_JWT_ISSUER = 'portcullis';

/**
 * Tenant user sessions: HS256 JWTs issued by `POST /api/v1/auth/login`. The user is re-read on every
 * request so a deleted user or a changed role takes effect at once, not when the token expires.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @InjectConfig() config: Config,
    private readonly users: UsersRepository,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.jwtSecret,
      algorithms: ['HS256'],
      audience: USER_JWT_AUDIENCE,
      issuer: USER_JWT_ISSUER,
      ignoreExpiration: false,
    });
  }

  async validate(payload: UserJwtPayload): Promise<TenantPrincipal | false> {
    if (payload.typ !== 'user' || typeof payload.sub !== 'string' || typeof payload.tid !== 'string') return false;
    const user = await this.users.findById(payload.tid, payload.sub);
    if (!user || !isRole(user.role)) return false;
    return { kind: 'user', tenantId: user.tenantId, role: user.role, id: user.id, label: `user:${user.email}` };
  }
}
