import { describe, expect, it } from 'vitest';
import { endUserFromClaims, issuersFor, unverifiedIssuer } from './user-jwt.js';

const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('user JWT claim checks', () => {
  it('reads iss without verifying and rejects non-JWS text', () => {
    expect(unverifiedIssuer(`${b64({ alg: 'ES256' })}.${b64({ iss: 'https://idp' })}.sig`)).toBe('https://idp');
    expect(unverifiedIssuer('not-a-jwt')).toBeNull();
    expect(unverifiedIssuer(`a.${b64([1])}.c`)).toBeNull();
  });

  it('matches issuers exactly', () => {
    const list = [
      { issuer: 'https://a', jwksUri: 'x', audience: 'one' },
      { issuer: 'https://a', jwksUri: 'x', audience: 'two' },
      { issuer: 'https://b', jwksUri: 'y', audience: 'one' },
    ];
    expect(issuersFor(list, 'https://a').map((i) => i.audience)).toEqual(['one', 'two']);
    expect(issuersFor(list, 'https://a/')).toEqual([]);
    expect(issuersFor(list, null)).toEqual([]);
  });

  it('takes the end user from sub, email and roles, dropping unusable values', () => {
    expect(endUserFromClaims({ sub: 'u-1', email: 'u@x.io', roles: ['reader', 7, 'bad role'] })).toEqual({
      id: 'u-1',
      email: 'u@x.io',
      roles: ['reader'],
    });
    expect(endUserFromClaims({ sub: 'u 1' })).toBeNull();
    expect(endUserFromClaims({})).toBeNull();
  });
});
