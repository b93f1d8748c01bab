/**
 * Flexible auth on invoke, tried in this order:
 *   1. `Authorization: Bearer art_…`            the agent's own runtime token;
 *   2. a tenant API key (`X-API-Key: pk_…`, or `Authorization: Bearer pk_…`) plus the end user as a
 *      JWT (`Authorization: Bearer <jwt>` next to X-API-Key) or as `X-User-Id`;
 *   3. `Authorization: Bearer <jwt>` from one of the agent's tenant's trusted issuers.
 * A runtime token counts only while the agent snapshot names its hash (rotation replaces it at once).
 * Every failure is the same 401 with no hint of which part was wrong.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { DomainError, constantTimeEqual, hashToken, isUserId, parseToken, type EndUser, type UserJwtVerifier } from '@portcullis/domain';
import { HEADERS, type AuthKind } from '@portcullis/contracts';
import type { CompiledAgent, ConfigCache } from '../config-cache/config-cache.js';

export interface Principal {
  kind: AuthKind;
  tenantId: string;
  user: EndUser | null;
}

const denied = (): DomainError =>
  new DomainError(
    'unauthenticated',
    'missing or invalid credentials: send a user JWT, a tenant API key with a user, or the agent runtime token',
  );
const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

export async function authenticate(
  headers: IncomingHttpHeaders,
  agentId: string,
  cache: ConfigCache,
  jwt: UserJwtVerifier,
): Promise<{ principal: Principal; agent: CompiledAgent | null }> {
  const auth = headers.authorization;
  const bearer = auth ? BEARER.exec(auth)?.[1] : undefined;
  const headerKey = headers[HEADERS.apiKey];
  const apiKey = typeof headerKey === 'string' ? headerKey : bearer?.startsWith('pk_') ? bearer : undefined;

  if (bearer?.startsWith('art_') && apiKey === undefined) {
    if (parseToken(bearer) !== 'runtime') throw denied();
    const hash = hashToken(bearer);
    let entry = await cache.token(hash);
    if (!entry) {
      // Redis may have restarted empty: loading the agent asks the control plane to republish it
      // (with its token index entry) when its snapshot is missing too; then look again.
      if (await cache.agent(agentId)) entry = await cache.token(hash);
    }
    if (entry?.kind !== 'runtime') throw denied();
    const agent = await cache.agent(entry.agentId);
    if (!agent || !constantTimeEqual(agent.snapshot.tokenHash, hash)) throw denied();
    if (entry.agentId !== agentId) throw new DomainError('forbidden', 'a runtime token may only invoke its own agent');
    return { principal: { kind: 'runtime_token', tenantId: agent.snapshot.tenantId, user: null }, agent };
  }

  if (apiKey !== undefined) {
    if (parseToken(apiKey) !== 'apiKey') throw denied();
    const entry = await cache.token(hashToken(apiKey));
    if (entry?.kind !== 'apiKey') throw denied();
    const userJwt = bearer !== undefined && bearer !== apiKey ? bearer : undefined;
    if (userJwt !== undefined) {
      const tenant = await cache.tenant(entry.tenantId);
      const user = tenant ? await jwt.verify(userJwt, tenant.issuers) : null;
      if (!user) throw denied();
      return { principal: { kind: 'api_key_jwt', tenantId: entry.tenantId, user }, agent: null };
    }
    const userId = headers[HEADERS.userId];
    if (typeof userId !== 'string' || !isUserId(userId)) {
      throw new DomainError('unauthenticated', 'an API key must come with the end user: a user JWT in Authorization or X-User-Id');
    }
    return { principal: { kind: 'api_key_user_id', tenantId: entry.tenantId, user: { id: userId, email: null, roles: [] } }, agent: null };
  }

  if (bearer !== undefined) {
    // The agent names the tenant whose issuers may vouch for this user; an unknown agent is a 401
    // here, so an unauthenticated caller learns nothing about which agents exist.
    const agent = await cache.agent(agentId);
    const tenant = agent ? await cache.tenant(agent.snapshot.tenantId) : null;
    const user = tenant ? await jwt.verify(bearer, tenant.issuers) : null;
    if (!agent || !user) throw denied();
    return { principal: { kind: 'user_jwt', tenantId: agent.snapshot.tenantId, user }, agent };
  }
  throw denied();
}
