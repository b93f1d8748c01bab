import { describe, expect, it } from 'vitest';
import { ipAllowed, parseCidr } from './ip-allowlist.js';

describe('IP allowlist', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['127.0.0.1', '127.0.0.1/32'],
    [' 192.168.1.0/24 ', '192.168.1.0/24'],
    ['2001:db8::/32', '2001:db8::/32'],
    ['::1', '::1/128'],
  ])('parses %j as %s', (text, cidr) => {
    expect(parseCidr(text)).toBe(cidr);
  });

  it.each(['', '10.0.0.0/33', '300.1.1.1', '10.0.0.0/8/1', 'example.com', '::1/129', '10.0.0.0/x', '10.0.0.0/-1'])('rejects %j', (text) => {
    expect(parseCidr(text)).toBeNull();
  });

  it('allows everything when empty, and only the listed ranges otherwise', () => {
    expect(ipAllowed([], '203.0.113.9')).toBe(true);
    const list = ['10.0.0.0/8', '127.0.0.1/32', '2001:db8::/32'];
    expect(ipAllowed(list, '10.200.3.4')).toBe(true);
    expect(ipAllowed(list, '127.0.0.1')).toBe(true);
    expect(ipAllowed(list, '127.0.0.2')).toBe(false);
    expect(ipAllowed(list, '11.0.0.1')).toBe(false);
    expect(ipAllowed(list, '2001:db8:1::5')).toBe(true);
    expect(ipAllowed(list, '2001:db9::5')).toBe(false);
    expect(ipAllowed(list, 'not-an-ip')).toBe(false);
  });
});
