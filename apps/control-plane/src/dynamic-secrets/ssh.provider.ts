/**
 * The `ssh` dynamic-secret provider: a fresh Ed25519 key pair per checkout and a user certificate
 * for it, signed by the configured CA, valid for the lease only. Servers that trust the CA
 * (`TrustedUserCAKeys`) accept the key until `valid_before`; nothing needs revoking server-side.
 */
import { createPublicKey } from 'node:crypto';
import {
  DomainError,
  generateEd25519,
  opensshPrivateKey,
  parseEd25519PrivateKey,
  signSshUserCertificate,
  sshPublicKeyLine,
} from '@portcullis/domain';

export interface SshProviderConfig {
  /** The CA's Ed25519 private key, PKCS#8 PEM. */
  caPrivateKey: string;
  principals: string[];
  extensions?: string[];
}

export interface SshCredential {
  certificate: string;
  private_key: string;
  public_key: string;
  principals: string[];
  valid_before: string;
}

/** Certificates are back-dated this much so a server whose clock runs slightly behind accepts them. */
const CLOCK_SKEW_MS = 60_000;

export class SshProvider {
  private readonly ca;

  constructor(private readonly config: SshProviderConfig) {
    try {
      this.ca = parseEd25519PrivateKey(config.caPrivateKey);
    } catch {
      throw new DomainError('bad_request', 'ssh provider: caPrivateKey must be an Ed25519 private key in PKCS#8 PEM form');
    }
    if (config.principals.length === 0) throw new DomainError('bad_request', 'ssh provider: principals must name at least one login');
  }

  /** The line to put in the servers' TrustedUserCAKeys file. */
  caPublicKey(): string {
    return sshPublicKeyLine(createPublicKey(this.ca), 'portcullis-ca');
  }

  checkout(ttlSeconds: number, keyId: string, now = new Date()): { credential: SshCredential; expiresAt: Date } {
    const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
    const pair = generateEd25519();
    const certificate = signSshUserCertificate({
      ca: this.ca,
      subject: pair.publicKey,
      keyId,
      principals: this.config.principals,
      validAfter: new Date(now.getTime() - CLOCK_SKEW_MS),
      validBefore: expiresAt,
      ...(this.config.extensions ? { extensions: this.config.extensions } : {}),
    });
    return {
      credential: {
        certificate,
        private_key: opensshPrivateKey(pair.privateKey, keyId),
        public_key: sshPublicKeyLine(pair.publicKey, keyId),
        principals: [...this.config.principals],
        valid_before: expiresAt.toISOString(),
      },
      expiresAt,
    };
  }
}
