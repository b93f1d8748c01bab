import { describe, expect, it } from 'vitest';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './password.js';

describe('password hashing', () => {
  it('verifies the right password only, with a fresh salt per hash', async () => {
    const h = await hashPassword('correct horse battery staple');
    expect(h.startsWith('scrypt$32768$8$1$')).toBe(true);
    expect(h).not.toContain('correct horse');
    expect(await verifyPassword('correct horse battery staple', h)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', h)).toBe(false);
    expect(await hashPassword('x-password')).not.toBe(await hashPassword('x-password'));
  });
  it('rejects malformed hashes and the dummy hash', async () => {
    expect(await verifyPassword('a', 'bcrypt$whatever')).toBe(false);
    expect(await verifyPassword('', DUMMY_PASSWORD_HASH)).toBe(false);
  });
});
