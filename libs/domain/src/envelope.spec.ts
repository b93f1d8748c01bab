import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EnvelopeCipher, LocalKeyProvider, SealError, openWithKey, parseKey, sealWithKey } from './envelope.js';

describe('sealWithKey', () => {
  const key = randomBytes(32);
  it('round-trips and hides the plaintext', () => {
    const sealed = sealWithKey(key, 'sk-live-secret', 'tenant-1');
    expect(sealed).not.toContain('sk-live-secret');
    expect(openWithKey(key, sealed, 'tenant-1')).toBe('sk-live-secret');
  });
  it('fails under another key, another context, or after tampering', () => {
    const sealed = sealWithKey(key, 'v', 'a');
    expect(() => openWithKey(randomBytes(32), sealed, 'a')).toThrow(SealError);
    expect(() => openWithKey(key, sealed, 'b')).toThrow(SealError);
    const raw = Buffer.from(sealed.slice(3), 'base64url');
    raw[14]! ^= 1;
    expect(() => openWithKey(key, 'k1.' + raw.toString('base64url'), 'a')).toThrow(SealError);
    expect(() => openWithKey(key, 'garbage', 'a')).toThrow(SealError);
  });
});

describe('EnvelopeCipher', () => {
  const master = randomBytes(32);
  const cipher = new EnvelopeCipher(new LocalKeyProvider(master));
  it('uses a fresh data key per record', async () => {
    const a = await cipher.seal('same');
    const b = await cipher.seal('same');
    expect(a).not.toBe(b);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
    expect(await cipher.open(a)).toBe('same');
  });
  it('refuses another master key and another context', async () => {
    const sealed = await cipher.seal('value', 'tenant-a');
    await expect(new EnvelopeCipher(new LocalKeyProvider(randomBytes(32))).open(sealed, 'tenant-a')).rejects.toThrow(SealError);
    await expect(cipher.open(sealed, 'tenant-b')).rejects.toThrow(SealError);
    await expect(cipher.open('e1.other.x.y', 'tenant-a')).rejects.toThrow(SealError);
  });
});

describe('parseKey', () => {
  it('accepts hex and base64 32-byte keys only', () => {
    const k = randomBytes(32);
    expect(parseKey(k.toString('hex')).equals(k)).toBe(true);
    expect(parseKey(k.toString('base64')).equals(k)).toBe(true);
    expect(() => parseKey('short')).toThrow();
  });
});
