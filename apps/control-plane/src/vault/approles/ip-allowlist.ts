import { BlockList, isIP } from 'node:net';

/** Canonical CIDR (`10.0.0.0/8`, `2001:db8::/32`; a bare address gets /32 or /128), or null if invalid. */
export function parseCidr(text: string): string | null {
  const [addr, bits, extra] = text.trim().split('/');
  if (extra !== undefined || !addr) return null;
  const family = isIP(addr);
  if (family === 0) return null;
  const max = family === 4 ? 32 : 128;
  if (bits === undefined) return `${addr}/${max}`;
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return null;
  return `${addr}/${Number(bits)}`;
}

/** True when the list is empty (no restriction) or `ip` falls in one of its CIDRs. */
export function ipAllowed(cidrs: readonly string[], ip: string): boolean {
  if (cidrs.length === 0) return true;
  const family = isIP(ip);
  if (family === 0) return false;
  const list = new BlockList();
  for (const c of cidrs) {
    const [addr, bits] = c.split('/');
    list.addSubnet(addr!, Number(bits), isIP(addr!) === 4 ? 'ipv4' : 'ipv6');
  }
  return list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}
