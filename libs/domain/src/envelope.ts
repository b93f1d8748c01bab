/**
 * Sealing of secrets.
 *
 * - `sealWithKey` / `openWithKey`: AES-256-GCM under one 32-byte key. Used for what reaches Redis
 *   (sealed under the data-plane key, which only proxies and the control plane hold).
 * - `EnvelopeCipher`: envelope encryption for what Postgres stores. Each record gets a fresh data
 *   key; the data key is wrapped by a `KeyProvider` (the master key locally, a KMS elsewhere).
 *
 * Both bind optional associated data (e.g. the owning tenant) so a sealed value moved to another
 * record fails to open. Sealed strings are versioned so the format can change.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

function b64u(buf: Buffer): string {
  return buf.toString('base64url');
}
function fromB64u(s: string): Buffer {
  return Buffer.from(s, 'base64url');
}

function assertKey(key: Buffer): void {
  if (key.length !== 32) throw new Error('encryption key must be 32 bytes');
}

function gcmSeal(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([c.update(plaintext), c.final()]);
  return Buffer.concat([iv, ct, c.getAuthTag()]);
}

function gcmOpen(key: Buffer, sealed: Buffer, aad: string): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new SealError();
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const ct = sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES);
  try {
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(tag);
    return Buffer.concat([d.update(ct), d.final()]);
  } catch {
    throw new SealError();
  }
}

/** Raised when a sealed value is malformed, tampered with, or sealed under another key or context. */
export class SealError extends Error {
  constructor() {
    super('sealed value cannot be opened');
    this.name = 'SealError';
  }
}

/** Parses a 32-byte key given as 64 hex characters or base64/base64url. */
export function parseKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  assertKey(key);
  return key;
}

export function sealWithKey(key: Buffer, plaintext: string, aad = ''): string {
  assertKey(key);
  return 'k1.' + b64u(gcmSeal(key, Buffer.from(plaintext, 'utf8'), aad));
}

export function openWithKey(key: Buffer, sealed: string, aad = ''): string {
  assertKey(key);
  if (!sealed.startsWith('k1.')) throw new SealError();
  return gcmOpen(key, fromB64u(sealed.slice(3)), aad).toString('utf8');
}

/** Wraps and unwraps data keys. A KMS-backed provider implements the same two calls. */
export interface KeyProvider {
  readonly keyId: string;
  wrapKey(dataKey: Buffer): Promise<Buffer>;
  unwrapKey(wrapped: Buffer, keyId: string): Promise<Buffer>;
}

/** The default provider: data keys wrapped by the master key with AES-256-GCM. */
export class LocalKeyProvider implements KeyProvider {
  constructor(
    private readonly masterKey: Buffer,
    readonly keyId = 'local',
  ) {
    assertKey(masterKey);
  }
  wrapKey(dataKey: Buffer): Promise<Buffer> {
    return Promise.resolve(gcmSeal(this.masterKey, dataKey, 'portcullis:dek'));
  }
  unwrapKey(wrapped: Buffer, keyId: string): Promise<Buffer> {
    if (keyId !== this.keyId) return Promise.reject(new SealError());
    try {
      return Promise.resolve(gcmOpen(this.masterKey, wrapped, 'portcullis:dek'));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new SealError());
    }
  }
}

/** Envelope encryption: `e1.<keyId>.<wrapped data key>.<sealed payload>`. */
export class EnvelopeCipher {
  constructor(private readonly provider: KeyProvider) {}

  async seal(plaintext: string, aad = ''): Promise<string> {
    const dataKey = randomBytes(32);
    const wrapped = await this.provider.wrapKey(dataKey);
    const body = gcmSeal(dataKey, Buffer.from(plaintext, 'utf8'), aad);
    dataKey.fill(0);
    return `e1.${this.provider.keyId}.${b64u(wrapped)}.${b64u(body)}`;
  }

  async open(sealed: string, aad = ''): Promise<string> {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== 'e1') throw new SealError();
    const dataKey = await this.provider.unwrapKey(fromB64u(parts[2]!), parts[1]!);
    try {
      return gcmOpen(dataKey, fromB64u(parts[3]!), aad).toString('utf8');
    } finally {
      dataKey.fill(0);
    }
  }
}
