import { describe, expect, it } from 'vitest';
import { constantTimeEqual, generateToken, hashToken, isTokenOfKind, parseToken, tokenHint } from './tokens.js';

describe('tokens', () => {
  it('carries its typed prefix, a fixed length and a valid checksum', () => {
    const t = generateToken('runtime');
    expect(t).toMatch(/^art_[0-9A-Za-z]{49}$/);
    expect(parseToken(t)).toBe('runtime');
    expect(parseToken(generateToken('apiKey'))).toBe('apiKey');
  });

  it('is unique per call', () => {
    const seen = new Set(Array.from({ length: 200 }, () => generateToken('runtime')));
    expect(seen.size).toBe(200);
  });

  it('rejects a token whose body or checksum was altered', () => {
    const t = generateToken('runtime');
    const flip = (s: string, i: number): string => s.slice(0, i) + (s[i] === 'a' ? 'b' : 'a') + s.slice(i + 1);
    expect(parseToken(flip(t, 10))).toBeNull();
    expect(parseToken(flip(t, t.length - 1))).toBeNull();
    expect(parseToken('art_short')).toBeNull();
    expect(parseToken('xyz_' + t.slice(4))).toBeNull();
    expect(isTokenOfKind(t, 'apiKey')).toBe(false);
  });

  it('hashes to hex SHA-256 and never to the token itself', () => {
    const t = generateToken('apiKey');
    expect(hashToken(t)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(t)).not.toContain(t.slice(4, 20));
    expect(hashToken(t)).toBe(hashToken(t));
  });

  it('compares in constant time and by value', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });

  it('hints without revealing the secret body', () => {
    const t = generateToken('apiKey');
    expect(tokenHint(t)).toBe(t.slice(0, 7) + '…');
  });
});
