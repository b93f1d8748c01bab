import { describe, expect, it } from 'vitest';
import { generateToken } from './tokens.js';
import { scrub } from './scrub.js';

const body = (n: number, alphabet = 'aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xYz'): string =>
  Array.from({ length: n }, (_, i) => alphabet[(i * 7) % alphabet.length]).join('');

describe('scrub', () => {
  const shapes: [string, string, string][] = [
    ['openai', `sk-proj-${body(48)}`, 'sk-proj-[REDACTED:openai]'],
    ['openai', `sk-${body(48)}`, 'sk-[REDACTED:openai]'],
    ['anthropic', `sk-ant-api03-${body(90)}`, 'sk-ant-api03-[REDACTED:anthropic]'],
    ['aws_access_key', 'AKIAIOSFODNN7EXAMPLE', 'AKIA[REDACTED:aws_access_key]'],
    [
      'aws_secret_key',
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'aws_secret_access_key = [REDACTED:aws_secret_key]',
    ],
    ['github', `ghp_${body(36)}`, 'ghp_[REDACTED:github]'],
    ['github', `github_pat_${body(82)}`, 'github_pat_[REDACTED:github]'],
    ['slack', `xoxb-123456789012-123456789012-${body(24)}`, 'xoxb-[REDACTED:slack]'],
    ['jwt', `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.${body(43)}`, 'eyJ[REDACTED:jwt]'],
    [
      'private_key',
      `-----BEGIN RSA PRIVATE KEY-----\nMIIEow${body(60)}\n${body(60)}\n-----END RSA PRIVATE KEY-----`,
      '[REDACTED:private_key]',
    ],
    ['private_key', `-----BEGIN PRIVATE KEY-----\n${body(64)}\n-----END PRIVATE KEY-----`, '[REDACTED:private_key]'],
    ['portcullis', generateToken('secretId'), 'sid_[REDACTED:portcullis]'],
  ];
  it.each(shapes)('redacts a %s key keeping only its public prefix', (type, key, expected) => {
    const r = scrub(`before ${key} after`);
    expect(r.scrubbed).toBe(`before ${expected} after`);
    expect(r.redactions).toEqual([{ type, count: 1 }]);
  });

  it('leaves ordinary text alone', () => {
    const text = 'sk-short, the skeleton key, AKIA lowercase akiaiosfodnn7example, eyJ alone, ghp_ too short';
    expect(scrub(text)).toEqual({ scrubbed: text, redactions: [] });
  });

  it('redacts exact vault values, longest first, and counts each occurrence', () => {
    const r = scrub('pw=hunter2-long and hunter2-long-and-longer and again hunter2-long', [
      { label: 'db/pw', value: 'hunter2-long' },
      { label: 'db/pw2', value: 'hunter2-long-and-longer' },
    ]);
    expect(r.scrubbed).toBe('pw=[REDACTED:vault:db/pw] and [REDACTED:vault:db/pw2] and again [REDACTED:vault:db/pw]');
    expect(r.redactions).toEqual([{ type: 'vault', count: 3 }]);
  });

  it('counts a vault value that also has a known shape once, as vault', () => {
    const key = `sk-proj-${body(48)}`;
    const r = scrub(`a ${key} b sk-${body(30, 'Zx9')}`, [{ label: 'api-keys/openai', value: key }]);
    expect(r.scrubbed).toBe('a [REDACTED:vault:api-keys/openai] b sk-[REDACTED:openai]');
    expect(r.redactions).toEqual([
      { type: 'vault', count: 1 },
      { type: 'openai', count: 1 },
    ]);
  });

  it('skips values too short to redact meaningfully', () => {
    expect(scrub('a b c', [{ label: 'x', value: 'a' }]).scrubbed).toBe('a b c');
  });
});
