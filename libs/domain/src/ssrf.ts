/**
 * SSRF guard: which resolved addresses an outbound call on an agent's behalf may reach.
 *
 * Rule: only globally routable unicast addresses pass. Refused, for IPv4: "this network" 0/8
 * (0.0.0.0 included), private 10/8, 172.16/12, 192.168/16, CGNAT 100.64/10, loopback 127/8,
 * link-local 169.254/16 (cloud metadata), IETF protocol 192.0.0/24, the documentation nets,
 * benchmarking 198.18/15, 6to4 relay 192.88.99/24, multicast 224/4, reserved 240/4 and broadcast.
 * For IPv6: unspecified ::, loopback ::1, unique-local fc00::/7, link-local fe80::/10, site-local
 * fec0::/10, multicast ff00::/8, discard 100::/64, documentation 2001:db8::/32, ORCHID, and every
 * form that embeds an IPv4 address (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, NAT64
 * 64:ff9b::/96, 6to4 2002::/16, Teredo 2001::/32) is judged by the IPv4 address inside it.
 *
 * Callers resolve a host once, judge every address with `classifyAddress`, then connect to the
 * address they judged (never a second lookup: DNS rebinding), and judge again on every redirect hop.
 * Odd spellings of IPv4 literals (decimal `2130706433`, octal `0177.0.0.1`, hex `0x7f.1`, short
 * `127.1`) are turned into dotted quads by `parseIpv4Literal` so they cannot slip past.
 */
import { isIP } from 'node:net';

export type AddressVerdict = { allowed: true; address: string; family: 4 | 6 } | { allowed: false; address: string; reason: string };

interface V4Range {
  base: number;
  bits: number;
  reason: string;
}

const v4 = (cidr: string, reason: string): V4Range => {
  const [ip, bits] = cidr.split('/') as [string, string];
  return { base: ipv4ToInt(ip), bits: Number(bits), reason };
};

const BLOCKED_V4: V4Range[] = [
  v4('0.0.0.0/8', 'unspecified or "this network" address'),
  v4('10.0.0.0/8', 'private address'),
  v4('100.64.0.0/10', 'carrier-grade NAT address'),
  v4('127.0.0.0/8', 'loopback address'),
  v4('169.254.0.0/16', 'link-local address (cloud metadata lives here)'),
  v4('172.16.0.0/12', 'private address'),
  v4('192.0.0.0/24', 'IETF protocol assignment'),
  v4('192.0.2.0/24', 'documentation address'),
  v4('192.88.99.0/24', '6to4 relay anycast address'),
  v4('192.168.0.0/16', 'private address'),
  v4('198.18.0.0/15', 'benchmarking address'),
  v4('198.51.100.0/24', 'documentation address'),
  v4('203.0.113.0/24', 'documentation address'),
  v4('224.0.0.0/4', 'multicast address'),
  v4('240.0.0.0/4', 'reserved address'),
];

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

function inV4(n: number, r: V4Range): boolean {
  const size = 2 ** (32 - r.bits);
  return n >= r.base && n < r.base + size;
}

function classifyV4(address: string): AddressVerdict {
  const n = ipv4ToInt(address);
  if (n === 0xffffffff) return { allowed: false, address, reason: 'broadcast address' };
  const hit = BLOCKED_V4.find((r) => inV4(n, r));
  return hit ? { allowed: false, address, reason: hit.reason } : { allowed: true, address, family: 4 };
}

/** The 8 16-bit groups of an IPv6 address (any valid spelling, including an embedded dotted quad). */
function ipv6Groups(address: string): number[] {
  let a = address.toLowerCase();
  const zone = a.indexOf('%');
  if (zone >= 0) a = a.slice(0, zone);
  const tail: number[] = [];
  const lastColon = a.lastIndexOf(':');
  const last = a.slice(lastColon + 1);
  if (last.includes('.')) {
    const n = ipv4ToInt(last);
    tail.push(Math.floor(n / 65536), n % 65536);
    a = a.slice(0, lastColon + 1) + (a.endsWith('::' + last) ? '' : '0');
    if (a.endsWith(':0')) a = a.slice(0, -2);
  }
  const [head, rest] = a.includes('::') ? (a.split('::') as [string, string]) : [a, undefined];
  const parse = (s: string): number[] =>
    s
      ? s
          .split(':')
          .filter((x) => x !== '')
          .map((g) => parseInt(g, 16))
      : [];
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const fill = 8 - tail.length - left.length - right.length;
  const groups = rest === undefined ? [...left, ...tail] : [...left, ...Array<number>(Math.max(fill, 0)).fill(0), ...right, ...tail];
  return groups.slice(0, 8);
}

function embeddedV4(g: number[], from: number): string {
  return intToIpv4(g[from]! * 65536 + g[from + 1]!);
}

function classifyV6(address: string): AddressVerdict {
  const g = ipv6Groups(address);
  const no = (reason: string): AddressVerdict => ({ allowed: false, address, reason });
  const zeros = (n: number): boolean => g.slice(0, n).every((x) => x === 0);
  if (g.every((x) => x === 0)) return no('unspecified address');
  if (zeros(7) && g[7] === 1) return no('loopback address');
  if (zeros(5) && g[5] === 0xffff) return judgeEmbedded(address, embeddedV4(g, 6), 'IPv4-mapped');
  if (zeros(6)) return judgeEmbedded(address, embeddedV4(g, 6), 'IPv4-compatible');
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return judgeEmbedded(address, embeddedV4(g, 6), 'NAT64');
  if (g[0] === 0x2002) return judgeEmbedded(address, embeddedV4(g, 1), '6to4');
  if (g[0] === 0x2001 && g[1] === 0) {
    // Teredo: the client's IPv4 address is stored inverted in the last 32 bits.
    const n = (0xffff - g[6]!) * 65536 + (0xffff - g[7]!);
    return judgeEmbedded(address, intToIpv4(n), 'Teredo');
  }
  if ((g[0]! & 0xfe00) === 0xfc00) return no('unique-local address');
  if ((g[0]! & 0xffc0) === 0xfe80) return no('link-local address');
  if ((g[0]! & 0xffc0) === 0xfec0) return no('site-local address');
  if ((g[0]! & 0xff00) === 0xff00) return no('multicast address');
  if (g[0] === 0x100 && g.slice(1, 4).every((x) => x === 0)) return no('discard-only address');
  if (g[0] === 0x2001 && g[1] === 0xdb8) return no('documentation address');
  if (g[0] === 0x2001 && (g[1]! & 0xfff0) === 0x10) return no('ORCHID address');
  return { allowed: true, address, family: 6 };
}

function judgeEmbedded(address: string, inner: string, kind: string): AddressVerdict {
  const v = classifyV4(inner);
  return v.allowed
    ? { allowed: true, address, family: 6 }
    : { allowed: false, address, reason: `${kind} form of a ${v.reason} (${inner})` };
}

/** Judges one resolved address. Anything that is not an IP address is refused. */
export function classifyAddress(address: string): AddressVerdict {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  switch (isIP(bare)) {
    case 4:
      return classifyV4(bare);
    case 6:
      return classifyV6(bare);
    default:
      return { allowed: false, address, reason: 'not an IP address' };
  }
}

/**
 * Reads a host written as an IPv4 number the way inet_aton and the WHATWG URL parser do: one to four
 * parts, each decimal, octal (leading 0) or hex (0x). Returns the dotted quad, or null if the host is
 * not such a number (a name to resolve, or an IPv6 literal).
 */
export function parseIpv4Literal(host: string): string | null {
  const parts = host.split('.');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length === 0 || parts.length > 4) return null;
  const nums: number[] = [];
  for (const p of parts) {
    let n: number;
    if (/^0x[0-9a-f]*$/i.test(p)) n = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
    else if (/^0[0-7]+$/.test(p)) n = parseInt(p.slice(1), 8);
    else if (/^(0|[1-9][0-9]*)$/.test(p)) n = Number(p);
    else return null;
    nums.push(n);
  }
  const last = nums.pop()!;
  if (nums.some((n) => n > 255)) return null;
  if (last >= 256 ** (4 - nums.length)) return null;
  const value = nums.reduce((acc, n, i) => acc + n * 256 ** (3 - i), 0) + last;
  return intToIpv4(value);
}
