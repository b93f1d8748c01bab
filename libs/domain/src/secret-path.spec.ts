import { describe, expect, it } from 'vitest';
import { isSecretPath, secretPrefixProblem } from './secret-path.js';

describe('secret paths', () => {
  it.each(['api-keys/openai', 'a', 'db.prod/pg_password', 'A1/b-2/c.3', 'x/value-2', `${'a/'.repeat(15)}b`])('accepts %j', (p) => {
    expect(isSecretPath(p)).toBe(true);
  });
  it.each([
    '',
    '/api-keys/openai',
    'api-keys/',
    'a//b',
    '../etc/passwd',
    'a/../b',
    'a/./b',
    '.hidden',
    'a/b c',
    'a/b%2f',
    'a/ü',
    'a\\b',
    'value',
    'a/value',
    'a/versions',
    'x'.repeat(257),
    `${'a/'.repeat(16)}b`,
  ])('rejects %j', (p) => {
    expect(isSecretPath(p)).toBe(false);
  });
  it('checks listing prefixes', () => {
    expect(secretPrefixProblem('')).toBeNull();
    expect(secretPrefixProblem('api-keys/')).toBeNull();
    expect(secretPrefixProblem('/x')).not.toBeNull();
    expect(secretPrefixProblem('../x')).not.toBeNull();
    expect(secretPrefixProblem('a b')).not.toBeNull();
  });
});
