/**
 * Who is calling the wallet. Two ways in, as on `/mcp/*` in DESIGN.md:
 *   1. `Authorization: Bearer art_…` — the agent's runtime token (checked by the invoke path's own
 *      `authenticate`); `X-Agent-Id` is optional and, when sent, must name the token's agent;
 *   2. `X-Agent-Id` + `X-Gateway-Session-Token` — a runtime acting inside an invocation: the session JWT
 *      the proxy minted for it, so the calls act for that invocation's end user.
 * Then the kill switch exactly as on invoke: a disabled agent or suspended tenant is refused, and an
 * agent whose state cannot be confirmed fails closed (the cache throws 503).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { DomainError, hashToken, type EndUser, type UserJwtVerifier } from '@portcullis/domain';
import { HEADERS, type AuthKind } from '@portcullis/contracts';
import { authenticate } from '../auth/authenticate.js';
import { verifySessionToken } from '../auth/session-token-verify.js';
import type { CompiledAgent, ConfigCache } from '../config-cache/config-cache.js';

export interface WalletPrincipal {
  agent: CompiledAgent;
  tenantId: string;
  user: EndUser | null;
  authKind: AuthKind;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

const denied = (): DomainError =>
  new DomainError(
    'unauthenticated',
    'missing or invalid credentials: send the agent runtime token (Authorization: Bearer art_…) or X-Agent-Id with X-Gateway-Session-Token',
  );

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return typeof v === 'string' && v.length ? v : undefined;
}

export async function authenticateWallet(headers: IncomingHttpHeaders, cache: ConfigCache, jwt: UserJwtVerifier): Promise<WalletPrincipal> {
  const named = header(headers, HEADERS.agentId);
  if (named !== undefined && !UUID.test(named)) throw denied();
  const agentHint = named?.toLowerCase();
  const bearer = headers.authorization ? BEARER.exec(headers.authorization)?.[1] : undefined;
  const sessionToken = header(headers, HEADERS.gatewaySessionToken);

  let principal: WalletPrincipal;
  if (bearer?.startsWith('art_')) {
    let agentId = agentHint;
    if (agentId === undefined) {
      const entry = await cache.token(hashToken(bearer));
      if (entry?.kind !== 'runtime') throw denied();
      agentId = entry.agentId;
    }
    try {
      const { agent } = await authenticate({ authorization: `Bearer ${bearer}` }, agentId, cache, jwt);
      if (!agent) throw denied();
      principal = { agent, tenantId: agent.snapshot.tenantId, user: null, authKind: 'runtime_token' };
    } catch (err) {
      if (err instanceof DomainError && err.code === 'forbidden')
        throw new DomainError('forbidden', 'X-Agent-Id names another agent than the runtime token');
      throw err;
    }
  } else if (sessionToken !== undefined && agentHint !== undefined) {
    const keys = await cache.sessionKeys();
    if (!keys) throw new DomainError('unavailable', 'session keys not yet available; try again shortly');
    const claims = await verifySessionToken(sessionToken, agentHint, keys);
    if (!claims) throw denied();
    const agent = await cache.agent(agentHint);
    if (!agent || agent.snapshot.tenantId !== claims.tenant_id) throw denied();
    const user = claims.user_id === null ? null : { id: claims.user_id, email: claims.email, roles: claims.roles };
    principal = { agent, tenantId: claims.tenant_id, user, authKind: 'session_token' };
  } else {
    throw denied();
  }
  await checkStanding(principal.agent, cache);
  return principal;
}

/** The kill switch: refused unless the agent is active and its tenant is not suspended. */
export async function checkStanding(agent: CompiledAgent, cache: ConfigCache): Promise<void> {
  if (agent.snapshot.status !== 'active') throw new DomainError('forbidden', 'agent is disabled');
  const tenant = await cache.tenant(agent.snapshot.tenantId);
  if (tenant?.status === 'suspended') throw new DomainError('forbidden', 'tenant is suspended');
}
