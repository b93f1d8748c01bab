import { describe, expect, it } from 'vitest';
import { parseAllowedDomains, proxySettings } from './proxy-settings.js';

describe('proxy settings from secret metadata', () => {
  it('reads allowed_domains as a comma list or a JSON array, and refuses entries that are not hosts', () => {
    expect(parseAllowedDomains('a', ' API.github.com, uploads.github.com:443 ,')).toEqual(['api.github.com', 'uploads.github.com:443']);
    expect(parseAllowedDomains('a', '["api.github.com", "[::1]:8080"]')).toEqual(['api.github.com', '[::1]:8080']);
    expect(() => parseAllowedDomains('a', '["x", 1]')).toThrow(/JSON array of strings/);
    expect(() => parseAllowedDomains('a', 'https://api.github.com/')).toThrow(/not a host/);
  });

  it('holds a call to the strictest of its secrets', () => {
    const s = (path: string, metadata: Record<string, string>) => ({ path, metadata });
    expect(proxySettings([s('a', {})], false)).toMatchObject({ allowPrivate: false, allowedHosts: undefined, tlsInsecure: false });
    expect(proxySettings([s('a', {})], true).allowPrivate).toBe(true);
    expect(proxySettings([s('a', { allow_private: 'true' }), s('b', { allow_private: 'TRUE' })], false).allowPrivate).toBe(true);
    const mixed = proxySettings([s('a', { allow_private: 'true', tls_allow_insecure: 'true' }), s('b', {})], false);
    expect(mixed).toMatchObject({ allowPrivate: false, tlsInsecure: false });
    expect(mixed.privateHint).toContain('PORTCULLIS_PROXY_ALLOW_PRIVATE=true');
    expect(mixed.privateHint).toContain('allow_private: "true" on b');
    const hosts = proxySettings(
      [s('a', { allowed_domains: 'x.com, y.com:8443, z.com' }), s('b', { allowed_domains: 'y.com, z.com:443, w.com' }), s('c', {})],
      false,
    );
    expect(hosts.allowedHosts?.sort()).toEqual(['y.com:8443', 'z.com:443']);
    expect(() => proxySettings([s('a', { allowed_domains: 'x.com' }), s('b', { allowed_domains: 'y.com' })], false)).toThrow(
      /no host in common/,
    );
  });
});
