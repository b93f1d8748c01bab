import { describe, expect, it } from 'vitest';
import {
  CAPABILITIES,
  allows,
  capabilitiesFor,
  globMatches,
  grantsByCapability,
  isVaultAdmin,
  normaliseRules,
  policyPathProblem,
  usable,
  type Capability,
  type PolicyRule,
} from './policy.js';

describe('policy globs', () => {
  const cases: [string, string, boolean][] = [
    ['api-keys/openai', 'api-keys/openai', true],
    ['api-keys/openai', 'api-keys/openai2', false],
    ['api-keys/openai', 'api-keys', false],
    ['api-keys/*', 'api-keys/openai', true],
    ['api-keys/*', 'api-keys/a/b', false],
    ['api-keys/*', 'api-keys', false],
    ['api-keys/open*', 'api-keys/openai', true],
    ['api-keys/open*', 'api-keys/anthropic', false],
    ['*/openai', 'api-keys/openai', true],
    ['*/openai', 'a/b/openai', false],
    ['api-keys/**', 'api-keys/openai', true],
    ['api-keys/**', 'api-keys/a/b/c', true],
    ['api-keys/**', 'api-keys', false],
    ['api-keys/**', 'api-keysx/a', false],
    ['**', 'anything', true],
    ['**', 'a/b/c', true],
    ['**/openai', 'openai', true],
    ['**/openai', 'x/y/openai', true],
    ['**/openai', 'x/y/openai-2', false],
    ['a/**/z', 'a/z', true],
    ['a/**/z', 'a/b/c/z', true],
    ['a/**/z', 'a/b/c/zz', false],
    ['db.prod/*', 'db.prod/pw', true],
    ['db.prod/*', 'dbxprod/pw', false],
  ];
  it.each(cases)('%s vs %s → %s', (glob, path, expected) => {
    expect(policyPathProblem(glob)).toBeNull();
    expect(globMatches(glob, path)).toBe(expected);
  });

  it.each(['', '/a', 'a//b', 'a/../b', 'a/./b', 'a/b**', 'a/[x]', 'a/b c', 'a/(x)', 'x'.repeat(257)])('rejects the policy path %j', (g) => {
    expect(policyPathProblem(g)).not.toBeNull();
  });
});

describe('capability evaluation', () => {
  const only = (c: Capability): PolicyRule[] => [{ path: 'p/*', capabilities: [c] }];

  it('grants nothing without a matching rule (default deny)', () => {
    for (const c of CAPABILITIES) expect(allows([], 'p/x', c)).toBe(false);
    expect(usable([], 'p/x')).toBe(false);
    expect(usable(only('read'), 'q/x')).toBe(false);
  });

  // Exhaustive: every granted capability against every asked one.
  const implied: Record<Capability, Capability[]> = {
    read: ['read', 'list'],
    list: ['list'],
    write: ['write'],
    delete: ['delete'],
    lease: ['lease'],
    proxy: ['proxy'],
    admin: [...CAPABILITIES],
  };
  for (const granted of CAPABILITIES) {
    for (const asked of CAPABILITIES) {
      const expected = implied[granted].includes(asked);
      it(`${granted} ${expected ? 'allows' : 'denies'} ${asked}`, () => {
        expect(allows(only(granted), 'p/x', asked)).toBe(expected);
        expect(allows(only(granted), 'other/x', asked)).toBe(false);
      });
    }
  }

  it('takes the union of rules from several policies', () => {
    const rules: PolicyRule[] = [
      { path: 'api-keys/*', capabilities: ['list'] },
      { path: 'api-keys/openai', capabilities: ['lease'] },
      { path: 'db/**', capabilities: ['write', 'delete'] },
    ];
    expect([...capabilitiesFor(rules, 'api-keys/openai')].sort()).toEqual(['lease', 'list']);
    expect([...capabilitiesFor(rules, 'api-keys/anthropic')]).toEqual(['list']);
    expect([...capabilitiesFor(rules, 'db/prod/pw')].sort()).toEqual(['delete', 'write']);
    expect(usable(rules, 'db/prod/pw')).toBe(true);
  });

  it('vault admin means admin on **', () => {
    expect(isVaultAdmin([{ path: '**', capabilities: ['admin'] }])).toBe(true);
    expect(isVaultAdmin([{ path: 'a/**', capabilities: ['admin'] }])).toBe(false);
    expect(isVaultAdmin([{ path: '**', capabilities: ['read', 'write', 'delete', 'lease', 'proxy', 'list'] }])).toBe(false);
  });

  it('explains grants per capability with implications applied', () => {
    const g = grantsByCapability([
      { path: 'a/*', capabilities: ['read'] },
      { path: 'b/**', capabilities: ['admin'] },
    ]);
    expect(g.get('list')).toEqual(['a/*', 'b/**']);
    expect(g.get('read')).toEqual(['a/*', 'b/**']);
    expect(g.get('write')).toEqual(['b/**']);
  });

  it('normalises capabilities to a canonical order without duplicates', () => {
    expect(normaliseRules([{ path: 'x', capabilities: ['write', 'read', 'write'] }])).toEqual([
      { path: 'x', capabilities: ['read', 'write'] },
    ]);
  });
});
