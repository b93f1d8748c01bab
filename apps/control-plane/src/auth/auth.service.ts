import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { DUMMY_PASSWORD_HASH, DomainError, verifyPassword } from '@portcullis/domain';
import { InjectConfig, type Config } from '../common/config.js';
import { USER_JWT_AUDIENCE, USER_JWT_ISSUER } from '../common/auth/jwt.strategy.js';
import { TenantsRepository } from '../platform/tenants.repository.js';
import { UsersRepository } from '../users/users.repository.js';
import { UserResponseDto } from '../users/users.dto.js';
import type { LoginDto, LoginResponseDto } from './auth.dto.js';

@Injectable()
export class AuthService {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly users: UsersRepository,
    private readonly jwt: JwtService,
    @InjectConfig() private readonly config: Config,
  ) {}

  /** One answer for every failure (unknown tenant, unknown user, wrong password), in the same time. */
  async login(dto: LoginDto): Promise<LoginResponseDto> {
    const tenant = await this.tenants.findBySlug(dto.tenant);
    const user = tenant && tenant.status === 'active' ? await this.users.findByEmail(tenant.id, dto.email.toLowerCase()) : null;
    const ok = await verifyPassword(dto.password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (!user || !ok) throw new DomainError('unauthenticated', 'invalid tenant, email or password');
    const accessToken = await this.jwt.signAsync(
      { sub: user.id, tid: user.tenantId, role: user.role, typ: 'user' },
      {
        secret: this.config.jwtSecret,
        algorithm: 'HS256',
        expiresIn: this.config.jwtTtlSeconds,
        audience: USER_JWT_AUDIENCE,
        issuer: USER_JWT_ISSUER,
      },
    );
    return { accessToken, tokenType: 'Bearer', expiresIn: this.config.jwtTtlSeconds, user: UserResponseDto.from(user) };
  }
}
