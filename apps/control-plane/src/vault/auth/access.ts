import { DomainError, capabilitiesFor, grantsByCapability, type Capability } from '@portcullis/domain';
import type { TenantVaultPrincipal } from './vault-principal.js';

/**
 * 403 `Forbidden` with what an agent needs to act on it: the capability and path it lacked, what
 * its policies grant, and who can change that.
 */
export function forbidden(p: TenantVaultPrincipal, capability: Capability, path: string | null): DomainError {
  const granted = grantsByCapability(p.rules).get(capability) ?? [];
  return new DomainError('forbidden', 'Forbidden', {
    required_capability: capability,
    path,
    policies: p.policies,
    granted_on: granted,
    hint: path
      ? `your policies (${p.policies.join(', ') || 'none'}) do not grant "${capability}" on ${path}; ask a tenant admin to add it to one of them`
      : `your policies (${p.policies.join(', ') || 'none'}) do not grant "${capability}"; ask a tenant admin to add it`,
  });
}

export function requireCapability(p: TenantVaultPrincipal, path: string, capability: Capability): void {
  if (!capabilitiesFor(p.rules, path).has(capability)) throw forbidden(p, capability, path);
}

/** Any capability at all on the path (what metadata and listings need). */
export function requireAny(p: TenantVaultPrincipal, path: string): Set<Capability> {
  const caps = capabilitiesFor(p.rules, path);
  if (caps.size === 0) throw forbidden(p, 'list', path);
  return caps;
}
