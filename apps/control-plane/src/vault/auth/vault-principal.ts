import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import type { PolicyRule } from '@portcullis/domain';

/**
 * Who is calling a /v1 vault route, resolved by VaultAuthGuard on every request from Postgres (so a
 * suspension, a disabled agent or a policy change takes effect at once, not when a JWT expires).
 *
 * - `approle`: a vault JWT from /v1/auth/approle/login; rules are the union of its policies' rules.
 * - `user`: a tenant admin (user JWT or admin API key); every capability on its own tenant's vault.
 * - `root`: the platform root token. It belongs to no tenant, so it only answers whoami; tenant
 *   routes refuse it with 403 and say to use a tenant admin API key instead.
 */
export interface AppRoleVaultPrincipal {
  source: 'approle';
  tenantId: string;
  approleId: string;
  agentId: string | null;
  identity: string;
  /** lease ownership key */
  holder: string;
  policies: string[];
  rules: PolicyRule[];
  expiresAt: Date;
}

export interface AdminVaultPrincipal {
  source: 'user';
  tenantId: string;
  identity: string;
  holder: string;
  policies: string[];
  rules: PolicyRule[];
  /** null for API keys, which do not expire */
  expiresAt: Date | null;
}

export interface RootVaultPrincipal {
  source: 'root';
  identity: 'root';
}

export type TenantVaultPrincipal = AppRoleVaultPrincipal | AdminVaultPrincipal;
export type VaultPrincipal = TenantVaultPrincipal | RootVaultPrincipal;

/** Tenant admins hold this built-in policy: admin on every path. */
export const TENANT_ADMIN_POLICY = 'tenant-admin';
export const TENANT_ADMIN_RULES: PolicyRule[] = [{ path: '**', capabilities: ['admin'] }];

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by VaultAuthGuard (or by login) on /v1 vault routes. */
    vault?: VaultPrincipal;
  }
}

export const VAULT_AUTH_KEY = 'portcullis:vault-auth';
/** `optional`: no token is fine (principal absent); `root`: the root token is accepted too. */
export type VaultAuthMode = 'required' | 'optional' | 'root';
export const VaultAuth = (mode: VaultAuthMode): MethodDecorator & ClassDecorator => SetMetadata(VAULT_AUTH_KEY, mode);

/** The tenant-scoped caller; VaultAuthGuard guarantees one on routes without an `optional`/`root` mode. */
export const Caller = createParamDecorator((_: unknown, ctx: ExecutionContext): TenantVaultPrincipal => {
  const p = ctx.switchToHttp().getRequest<Request>().vault;
  if (!p || p.source === 'root') throw new Error('Caller used on a route that does not guarantee a tenant principal');
  return p;
});

export const MaybeCaller = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): VaultPrincipal | undefined => ctx.switchToHttp().getRequest<Request>().vault,
);

export function clientIp(req: Request): string {
  const ip = req.socket.remoteAddress ?? '';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
