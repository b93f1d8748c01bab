/**
 * Where a missing-credential 401 sends the end user: they authenticate as themselves (a JWT from one
 * of the tenant's trusted issuers, or a tenant API key plus X-User-Id, the same modes as invoke) and
 * store their own credential for one service. The user id always comes from the authentication,
 * never from the body, so a user can only write their own credential.
 */
import { Injectable } from '@nestjs/common';
import { createRemoteJWKSet } from 'jose';
import { DomainError, isTokenOfKind, isUserId, UserJwtVerifier, type EndUser } from '@portcullis/domain';
import { ApiKeysRepository } from '../api-keys/api-keys.repository.js';
import { CredentialsService } from '../credentials/credentials.service.js';
import type { CredentialResponseDto } from '../credentials/credentials.dto.js';
import { ConnectRepository } from './connect.repository.js';

export interface ConnectCaller {
  tenantId: string;
  user: EndUser;
}

const denied = (): DomainError =>
  new DomainError(
    'unauthenticated',
    'authenticate as the end user: a user JWT from a trusted issuer (with ?tenant=), or a tenant API key with X-User-Id',
  );

@Injectable()
export class ConnectService {
  private readonly jwt = new UserJwtVerifier((uri) =>
    createRemoteJWKSet(new URL(uri), { timeoutDuration: 3000, cooldownDuration: 10_000 }),
  );

  constructor(
    private readonly apiKeys: ApiKeysRepository,
    private readonly repo: ConnectRepository,
    private readonly credentials: CredentialsService,
  ) {}

  async authenticate(
    bearer: string | undefined,
    userIdHeader: string | undefined,
    tenantQuery: string | undefined,
  ): Promise<ConnectCaller> {
    if (!bearer) throw denied();
    if (bearer.startsWith('pk_')) {
      const key = isTokenOfKind(bearer, 'apiKey') ? await this.apiKeys.findActiveByToken(bearer) : null;
      if (!key || !userIdHeader || !isUserId(userIdHeader)) throw denied();
      return { tenantId: key.tenantId, user: { id: userIdHeader, email: null, roles: [] } };
    }
    if (!tenantQuery) throw new DomainError('bad_request', 'tenant is required with a user JWT (the authUrl carries it)');
    const user = await this.jwt.verify(bearer, await this.repo.issuers(tenantQuery));
    if (!user) throw denied();
    return { tenantId: tenantQuery, user };
  }

  describe(caller: ConnectCaller, serviceType: string) {
    return {
      serviceType,
      tenantId: caller.tenantId,
      userId: caller.user.id,
      connected: false as boolean,
      howToConnect: { method: 'POST', body: { value: '<your credential for this service>' } },
    };
  }

  async status(caller: ConnectCaller, serviceType: string) {
    return {
      ...this.describe(caller, serviceType),
      connected: await this.repo.hasCredential(caller.tenantId, caller.user.id, serviceType),
    };
  }

  store(caller: ConnectCaller, serviceType: string, value: string): Promise<{ credential: CredentialResponseDto; created: boolean }> {
    return this.credentials.put(
      { tenantId: caller.tenantId, label: `end-user:${caller.user.id}` },
      { serviceType, value, userId: caller.user.id },
    );
  }
}
