/**
 * Vault identities: AppRole login and the checks every vault request repeats.
 *
 * Vault JWTs are HS256 under PORTCULLIS_JWT_SECRET with audience `portcullis:vault`, so they are
 * never accepted where an admin user JWT (`portcullis:admin`) is expected, and the other way round
 * only on the /v1 vault routes, where tenant admins act with every capability.
 *
 * Every request re-reads the AppRole, its tenant, its bound agent and its policies: suspension, the
 * agent's kill switch, the IP allowlist and policy changes apply at once. Failures are 401 with the
 * next step in the message (log in again, ask an admin to unsuspend, ...).
 */
import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { DomainError, constantTimeEqual, hashToken, isRole, isTokenOfKind, type PolicyRule } from '@portcullis/domain';
import { InjectConfig, type Config } from '../../common/config.js';
import { USER_JWT_AUDIENCE, USER_JWT_ISSUER } from '../../common/auth/jwt.strategy.js';
import { ApiKeysRepository } from '../../api-keys/api-keys.repository.js';
import { UsersRepository } from '../../users/users.repository.js';
import { AppRolesRepository, type AppRoleWithTenant } from '../approles/approles.repository.js';
import { ipAllowed } from '../approles/ip-allowlist.js';
import { PoliciesRepository, rulesOf } from '../policies/policies.repository.js';
import { TENANT_ADMIN_POLICY, TENANT_ADMIN_RULES, type AppRoleVaultPrincipal, type VaultPrincipal } from './vault-principal.js';

export const VAULT_JWT_AUDIENCE = 'portcullis:vault';
/** Compared against when the role_id is unknown; no token hashes to it. */
const NO_SECRET_HASH = '0'.repeat(64);
const RELOGIN = 'log in again with POST /v1/auth/approle/login {role_id, secret_id}';

interface VaultJwtPayload {
  sub?: unknown;
  tid?: unknown;
  typ?: unknown;
  aud?: unknown;
  exp?: unknown;
}

export interface IssuedToken {
  token: string;
  identity: string;
  policies: string[];
  expires_in: number;
}

@Injectable()
export class VaultIdentityService {
  constructor(
    private readonly approles: AppRolesRepository,
    private readonly policies: PoliciesRepository,
    private readonly apiKeys: ApiKeysRepository,
    private readonly users: UsersRepository,
    private readonly jwt: JwtService,
    @InjectConfig() private readonly config: Config,
  ) {}

  /** `{role_id, secret_id}` → a vault JWT. One answer for unknown role and wrong secret. */
  async login(roleId: string, secretId: string, ip: string): Promise<{ principal: AppRoleVaultPrincipal; issued: IssuedToken }> {
    const approle = await this.approles.findByRoleId(roleId);
    // Same work whether or not the role_id exists, so timing does not tell which part was wrong.
    const given = hashToken(isTokenOfKind(secretId, 'secretId') ? secretId : `invalid:${secretId}`);
    const matches = constantTimeEqual(given, approle?.secretIdHash ?? NO_SECRET_HASH);
    if (!approle || !matches) {
      throw new DomainError(
        'unauthenticated',
        'invalid role_id or secret_id: check both values, or ask an admin for a new onboarding link',
      );
    }
    return this.issue(approle, ip);
  }

  /** A fresh token for a still-valid AppRole JWT, after every check login makes except the secret. */
  async refresh(p: AppRoleVaultPrincipal, ip: string): Promise<{ principal: AppRoleVaultPrincipal; issued: IssuedToken }> {
    const approle = await this.approles.findForAuth(p.tenantId, p.approleId);
    if (!approle) throw new DomainError('unauthenticated', `this AppRole no longer exists: ${RELOGIN} with new credentials from an admin`);
    return this.issue(approle, ip);
  }

  /** Runs every check login makes (except the secret) and signs a token. */
  async issue(approle: AppRoleWithTenant, ip: string): Promise<{ principal: AppRoleVaultPrincipal; issued: IssuedToken }> {
    const expiresAt = new Date(Math.floor(Date.now() / 1000) * 1000 + approle.tokenTtlSeconds * 1000);
    const principal = await this.check(approle, ip, expiresAt);
    const token = await this.jwt.signAsync(
      { sub: approle.id, tid: approle.tenantId, typ: 'approle' },
      {
        secret: this.config.jwtSecret,
        algorithm: 'HS256',
        expiresIn: approle.tokenTtlSeconds,
        audience: VAULT_JWT_AUDIENCE,
        issuer: USER_JWT_ISSUER,
      },
    );
    return {
      principal,
      issued: { token, identity: principal.identity, policies: principal.policies, expires_in: approle.tokenTtlSeconds },
    };
  }

  /** Suspension, tenant, bound agent, IP allowlist; then the current policies. */
  private async check(approle: AppRoleWithTenant, ip: string, expiresAt: Date): Promise<AppRoleVaultPrincipal> {
    if (approle.tenant.status !== 'active') {
      throw new DomainError(
        'unauthenticated',
        'this tenant is suspended: nothing in its vault can be used until the platform operator reactivates it',
      );
    }
    if (approle.suspended) {
      throw new DomainError(
        'unauthenticated',
        `AppRole ${approle.name} is suspended: a tenant admin must unsuspend it (POST /api/v1/admin/approles/${approle.id}/unsuspend), then ${RELOGIN}`,
      );
    }
    if (approle.agentId) {
      const status = await this.approles.agentStatus(approle.tenantId, approle.agentId);
      if (status !== 'active') {
        throw new DomainError(
          'unauthenticated',
          `the agent bound to AppRole ${approle.name} is ${status ?? 'deleted'}: its vault access is suspended until a tenant admin enables the agent`,
        );
      }
    }
    if (!ipAllowed(approle.ipAllowlist, ip)) {
      throw new DomainError(
        'unauthenticated',
        `requests from ${ip} are outside AppRole ${approle.name}'s IP allowlist: call from an allowed address or ask a tenant admin to add this one`,
      );
    }
    const found = await this.policies.findByNames(approle.tenantId, approle.policies);
    const rules: PolicyRule[] = found.flatMap(rulesOf);
    return {
      source: 'approle',
      tenantId: approle.tenantId,
      approleId: approle.id,
      agentId: approle.agentId,
      identity: `approle:${approle.name}`,
      holder: `approle:${approle.id}`,
      policies: found.map((p) => p.name).sort(),
      rules,
      expiresAt,
    };
  }

  /** Any bearer token a /v1 route accepts: root, a tenant admin API key, an admin user JWT, a vault JWT. */
  async authenticate(token: string, ip: string): Promise<VaultPrincipal> {
    if (constantTimeEqual(token, this.config.rootToken)) return { source: 'root', identity: 'root' };
    if (token.startsWith('pk_')) {
      const key = isTokenOfKind(token, 'apiKey') ? await this.apiKeys.findActiveByToken(token) : null;
      if (!key) throw new DomainError('unauthenticated', 'invalid or revoked API key: use an active tenant admin API key');
      if (key.role !== 'admin')
        throw new DomainError('forbidden', 'the vault accepts only admin API keys; AppRoles log in with POST /v1/auth/approle/login');
      return this.admin(key.tenantId, `api-key:${key.name}`, `api-key:${key.id}`, null);
    }
    let payload: VaultJwtPayload;
    try {
      payload = await this.jwt.verifyAsync<VaultJwtPayload>(token, {
        secret: this.config.jwtSecret,
        algorithms: ['HS256'],
        issuer: USER_JWT_ISSUER,
        audience: [VAULT_JWT_AUDIENCE, USER_JWT_AUDIENCE],
      });
    } catch (e) {
      const expired = (e as Error).name === 'TokenExpiredError';
      throw new DomainError('unauthenticated', expired ? `token expired: ${RELOGIN}` : `invalid token: ${RELOGIN}`);
    }
    if (typeof payload.sub !== 'string' || typeof payload.tid !== 'string' || typeof payload.exp !== 'number') {
      throw new DomainError('unauthenticated', `invalid token: ${RELOGIN}`);
    }
    const expiresAt = new Date(payload.exp * 1000);
    if (payload.aud === VAULT_JWT_AUDIENCE && payload.typ === 'approle') {
      const approle = await this.approles.findForAuth(payload.tid, payload.sub);
      if (!approle)
        throw new DomainError('unauthenticated', `this AppRole no longer exists: ${RELOGIN} with new credentials from an admin`);
      return this.check(approle, ip, expiresAt);
    }
    if (payload.aud === USER_JWT_AUDIENCE && payload.typ === 'user') {
      const user = await this.users.findById(payload.tid, payload.sub);
      if (!user || !isRole(user.role))
        throw new DomainError('unauthenticated', 'this user no longer exists: log in again with POST /api/v1/auth/login');
      if (user.role !== 'admin')
        throw new DomainError('forbidden', 'the vault accepts only tenant admins and AppRoles; ask an admin for an AppRole');
      return this.admin(user.tenantId, `user:${user.email}`, `user:${user.id}`, expiresAt);
    }
    throw new DomainError('unauthenticated', `invalid token: ${RELOGIN}`);
  }

  private admin(tenantId: string, identity: string, holder: string, expiresAt: Date | null): VaultPrincipal {
    return { source: 'user', tenantId, identity, holder, policies: [TENANT_ADMIN_POLICY], rules: TENANT_ADMIN_RULES, expiresAt };
  }
}
