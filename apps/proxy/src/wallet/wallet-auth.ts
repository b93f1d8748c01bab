/**
 * Who is calling the wallet. Two ways in, as on `/mcp/*` in DESIGN.md:
 *   1. `Authorization: Bearer art_…` — the agent's runtime token; `X-Agent-Id` is optional and, when
 *      sent, must name the token's agent;
 *   2. `X-Agent-Id` + `X-Gateway-Session-Token` — a runtime acting inside an invocation: the session JWT
 *      the proxy minted for it, so the calls act for that invocation's end user.
 * Both are `authenticateRuntime` (shared with MCP routing).
 * Then the kill switch exactly as on invoke: a disabled agent or suspended tenant is refused, and an
 * agent whose state cannot be confirmed fails closed (the cache throws 503).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { DomainError, type EndUser } from '@portcullis/domain';
import type { AuthKind } from '@portcullis/contracts';
import { authenticateRuntime } from '../auth/runtime-auth.js';
import type { CompiledAgent, ConfigCache } from '../config-cache/config-cache.js';

export interface WalletPrincipal {
  agent: CompiledAgent;
  tenantId: string;
  user: EndUser | null;
  authKind: AuthKind;
}

export async function authenticateWallet(headers: IncomingHttpHeaders, cache: ConfigCache): Promise<WalletPrincipal> {
  const { principal, agent } = await authenticateRuntime(headers, cache);
  await checkStanding(agent, cache);
  return { agent, tenantId: principal.tenantId, user: principal.user, authKind: principal.kind };
}

/** The kill switch: refused unless the agent is active and its tenant is not suspended. */
export async function checkStanding(agent: CompiledAgent, cache: ConfigCache): Promise<void> {
  if (agent.snapshot.status !== 'active') throw new DomainError('forbidden', 'agent is disabled');
  const tenant = await cache.tenant(agent.snapshot.tenantId);
  if (tenant?.status === 'suspended') throw new DomainError('forbidden', 'tenant is suspended');
}
