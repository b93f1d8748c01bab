/**
 * How an agent runtime proves who it is when it calls out through the gateway (MCP routing, the
 * wallet):
 *   1. `Authorization: Bearer art_…` — the agent's runtime token (an `X-Agent-Id`, if sent, must name
 *      the same agent); the LLM routes pass the token from whichever slot the provider SDK used;
 *   2. `X-Agent-Id` + `X-Gateway-Session-Token` — the session token the gateway minted when it invoked
 *      the runtime; the call then acts for that invocation's end user (their own credentials first).
 * Every failure is the same 401, as on invoke.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { DomainError, constantTimeEqual, hashToken, parseToken } from '@portcullis/domain';
import { HEADERS } from '@portcullis/contracts';
import type { CompiledAgent, ConfigCache } from '../config-cache/config-cache.js';
import type { Principal } from './authenticate.js';
import { verifySessionToken } from './session-token.js';

const denied = (): DomainError =>
  new DomainError(
    'unauthenticated',
    'missing or invalid credentials: send the agent runtime token, or X-Agent-Id with X-Gateway-Session-Token',
  );
const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;
const AGENT_ID = /^[0-9a-fA-F-]{36}$/;

export async function authenticateRuntime(
  headers: IncomingHttpHeaders,
  cache: ConfigCache,
  bearer: string | undefined = bearerOf(headers),
): Promise<{ principal: Principal; agent: CompiledAgent }> {
  const named = headers[HEADERS.agentId];
  const agentId = typeof named === 'string' && AGENT_ID.test(named) ? named.toLowerCase() : undefined;
  if (named !== undefined && agentId === undefined) throw denied();

  if (bearer?.startsWith('art_')) {
    if (parseToken(bearer) !== 'runtime') throw denied();
    const hash = hashToken(bearer);
    let entry = await cache.token(hash);
    // Redis may have restarted empty: loading the named agent has the control plane republish it.
    if (!entry && agentId && (await cache.agent(agentId))) entry = await cache.token(hash);
    if (entry?.kind !== 'runtime') throw denied();
    const agent = await cache.agent(entry.agentId);
    if (!agent || !constantTimeEqual(agent.snapshot.tokenHash, hash)) throw denied();
    if (agentId !== undefined && agentId !== entry.agentId)
      throw new DomainError('forbidden', 'X-Agent-Id names another agent than the runtime token');
    return { principal: { kind: 'runtime_token', tenantId: agent.snapshot.tenantId, user: null }, agent };
  }

  const token = headers[HEADERS.gatewaySessionToken];
  if (typeof token === 'string' && agentId !== undefined) {
    const keys = await cache.sessionKeys();
    // Fail closed, but say it is ours: the token may be fine once the keys are back.
    if (!keys) throw new DomainError('unavailable', 'session keys not yet available; try again shortly');
    const claims = verifySessionToken(token, keys, agentId);
    if (!claims) throw denied();
    const agent = await cache.agent(agentId);
    if (!agent || agent.snapshot.tenantId !== claims.tenant_id) throw denied();
    const user = claims.user_id === null ? null : { id: claims.user_id, email: claims.email, roles: claims.roles };
    return { principal: { kind: 'session_token', tenantId: claims.tenant_id, user }, agent };
  }
  throw denied();
}

function bearerOf(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  return auth ? BEARER.exec(auth)?.[1] : undefined;
}
