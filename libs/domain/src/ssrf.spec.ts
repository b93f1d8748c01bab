import { describe, expect, it } from 'vitest';
import { classifyAddress, parseIpv4Literal } from './ssrf.js';

const refused = [
  '0.0.0.0',
  '0.1.2.3',
  '10.0.0.1',
  '10.255.255.255',
  '100.64.0.1',
  '100.127.255.254',
  '127.0.0.1',
  '127.255.255.254',
  '169.254.169.254',
  '172.16.0.1',
  '172.31.255.255',
  '192.0.0.8',
  '192.0.2.1',
  '192.88.99.1',
  '192.168.1.1',
  '198.18.0.1',
  '198.51.100.7',
  '203.0.113.9',
  '224.0.0.251',
  '239.255.255.250',
  '240.0.0.1',
  '255.255.255.255',
  '::',
  '[::]',
  '::1',
  '[::1]',
  '0:0:0:0:0:0:0:1',
  '::ffff:127.0.0.1',
  '::ffff:7f00:1',
  '::ffff:10.1.2.3',
  '::ffff:169.254.169.254',
  '::127.0.0.1',
  '64:ff9b::7f00:1',
  '64:ff9b::a9fe:a9fe',
  '2002:7f00:1::',
  '2002:c0a8:101::1',
  '2001:0:4136:e378:8000:63bf:80ff:fffe',
  'fc00::1',
  'fd12:3456:789a::1',
  'fe80::1',
  'fe80::1%eth0',
  'fec0::1',
  'ff02::1',
  '100::1',
  '2001:db8::1',
  '2001:10::1',
  'localhost',
  'example.com',
  '',
];

const allowed = [
  '1.1.1.1',
  '8.8.8.8',
  '93.184.216.34',
  '172.15.255.255',
  '172.32.0.1',
  '100.63.255.255',
  '100.128.0.1',
  '2606:4700:4700::1111',
  '2a00:1450:4001::200e',
  '::ffff:8.8.8.8',
  '64:ff9b::808:808',
  '2002:808:808::1',
];

describe('classifyAddress', () => {
  it.each(refused)('refuses %s', (a) => {
    const v = classifyAddress(a);
    expect(v.allowed).toBe(false);
    if (!v.allowed) expect(v.reason).toEqual(expect.any(String));
  });
  it.each(allowed)('allows %s', (a) => {
    expect(classifyAddress(a).allowed).toBe(true);
  });
  it('says why, naming the IPv4 address hidden in an IPv6 form', () => {
    expect(classifyAddress('::ffff:169.254.169.254')).toMatchObject({ reason: expect.stringContaining('169.254.169.254') });
    expect(classifyAddress('169.254.169.254')).toMatchObject({ reason: expect.stringContaining('metadata') });
  });
});

describe('parseIpv4Literal', () => {
  it.each([
    ['2130706433', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['10.1', '10.0.0.1'],
    ['0', '0.0.0.0'],
    ['0x0', '0.0.0.0'],
    ['0x', '0.0.0.0'],
    ['169.254.43518', '169.254.169.254'],
    ['8.8.8.8.', '8.8.8.8'],
  ])('reads %s as %s', (host, quad) => {
    expect(parseIpv4Literal(host)).toBe(quad);
    expect(classifyAddress(parseIpv4Literal(host)!).allowed).toBe(host === '8.8.8.8.');
  });
  it.each(['example.com', '256.1.1.1', '1.2.3.4.5', '09.1.1.1', '::1', '4294967296'])('does not read %s as an IPv4 number', (host) => {
    expect(parseIpv4Literal(host)).toBeNull();
  });
});
