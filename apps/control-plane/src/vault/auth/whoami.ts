import type { VaultPrincipal } from './vault-principal.js';

export interface WhoAmI {
  identity: string;
  policies: string[];
  source: 'approle' | 'user' | 'root';
  expires_at?: string;
  expires_in?: number;
}

/** `GET /v1/auth/whoami` and the `gatehouse_status` tool: who the caller is and until when (no expiry for root and API keys). */
export function whoamiOf(p: VaultPrincipal | undefined): WhoAmI {
  if (!p || p.source === 'root') return { identity: 'root', policies: [], source: 'root' };
  const base: WhoAmI = { identity: p.identity, policies: p.policies, source: p.source };
  if (!p.expiresAt) return base;
  return {
    ...base,
    expires_at: p.expiresAt.toISOString(),
    expires_in: Math.max(0, Math.floor((p.expiresAt.getTime() - Date.now()) / 1000)),
  };
}
