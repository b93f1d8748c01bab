/**
 * The gateway's session-token signing keys (Ed25519, JWS alg EdDSA).
 *
 * - At start, and on a timer, a key older than the rotation interval is retired and a fresh one made
 *   (the decision is taken under a Postgres advisory lock, so any number of replicas agree);
 * - a retired key stays in the JWKS for the longest session-token lifetime (plus a minute of clock
 *   skew), so every token it signed still verifies; then it is deleted;
 * - private keys are envelope-sealed in Postgres (aad = kid) and reach proxies only re-sealed under
 *   the data-plane key, through SnapshotPublisher.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import type { SessionSigningKey } from '@portcullis/db';
import { EnvelopeCipher } from '@portcullis/domain';
import { InjectConfig, type Config } from '../common/config.js';
import { LOGGER } from '../common/logger.provider.js';
import { CIPHER } from '../infra/tokens.js';
import { SnapshotPublisher } from '../infra/snapshot-publisher.js';
import { SessionKeysRepository } from './session-keys.repository.js';

const SKEW_SECONDS = 60;

@Injectable()
export class SessionKeysService implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly repo: SessionKeysRepository,
    private readonly publisher: SnapshotPublisher,
    @Inject(CIPHER) private readonly cipher: EnvelopeCipher,
    @InjectConfig() private readonly config: Config,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.tick();
    const every = Math.min(this.config.sessionKeyRotationSeconds, 60) * 1000;
    this.timer = setInterval(() => {
      this.tick().catch((err: Error) => this.logger.error({ err: err.message }, 'session key maintenance failed'));
    }, every);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Makes a key when none is active or the active one is due, prunes expired ones, publishes on change. */
  async tick(): Promise<void> {
    const rotationMs = this.config.sessionKeyRotationSeconds * 1000;
    const rotated = await this.repo.rotateIf(
      (active) => !active || Date.now() - active.createdAt.getTime() >= rotationMs,
      () => this.generate(),
    );
    const pruned = await this.repo.deleteRetiredBefore(
      new Date(Date.now() - (this.config.sessionTokenMaxTtlSeconds + SKEW_SECONDS) * 1000),
    );
    if (rotated || pruned) {
      if (rotated) this.logger.info('session signing key rotated');
      await this.publisher.publishSessionKeys();
    }
  }

  /** Platform route: retire the active key now. */
  async rotateNow(): Promise<{ kid: string }> {
    await this.repo.rotateIf(
      () => true,
      () => this.generate(),
    );
    await this.publisher.publishSessionKeys();
    const keys = await this.repo.listPublished();
    return { kid: keys.filter((k) => k.retiredAt === null).at(-1)!.kid };
  }

  async jwks(): Promise<{ keys: Record<string, string>[] }> {
    return { keys: (await this.repo.listPublished()).map(publicJwk) };
  }

  private async generate(): Promise<Pick<SessionSigningKey, 'kid' | 'alg' | 'sealedPrivateKey' | 'publicJwk'>> {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' }) as { kty: string; crv: string; x: string };
    const publicJwk = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
    // RFC 7638 thumbprint: SHA-256 of the required members in lexicographic order.
    const kid = createHash('sha256').update(publicJwk).digest('base64url');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    return { kid, alg: 'EdDSA', sealedPrivateKey: await this.cipher.seal(pem, kid), publicJwk };
  }
}

function publicJwk(k: SessionSigningKey): Record<string, string> {
  return { ...(JSON.parse(k.publicJwk) as Record<string, string>), kid: k.kid, alg: k.alg, use: 'sig' };
}
