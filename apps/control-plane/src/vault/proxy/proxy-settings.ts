/**
 * Where a proxy call may go, from the metadata of the secrets it uses and the operator's settings.
 *
 * A call is held to the strictest of its secrets, since every one of their values travels with it:
 * - `allow_private: "true"` lets it reach private, loopback and link-local addresses only when every
 *   secret used says so (or the operator set PORTCULLIS_PROXY_ALLOW_PRIVATE=true); ranges listed in
 *   PORTCULLIS_PROXY_PRIVATE_CIDRS are reachable by every call;
 * - `allowed_domains`: a comma-separated list (`api.github.com, uploads.github.com:443`) or a JSON
 *   array of the same; the call may only go to hosts that every restricting secret allows;
 * - `tls_allow_insecure: "true"` skips certificate checks only when every secret used says so.
 */
import { DomainError } from '@portcullis/domain';

export interface UsedSecret {
  path: string;
  metadata: Record<string, string>;
}

export interface ProxySettings {
  allowPrivate: boolean;
  /** undefined: no secret restricts the host */
  allowedHosts: string[] | undefined;
  tlsInsecure: boolean;
  /** Appended to a private-address refusal: which settings would allow it. */
  privateHint: string;
}

const HOST_ENTRY = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/;

/** `allowed_domains` metadata → lower-cased `host` / `host:port` entries; bad entries are a 400. */
export function parseAllowedDomains(path: string, text: string): string[] {
  let list: unknown;
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try {
      list = JSON.parse(trimmed);
    } catch {
      list = null;
    }
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) {
      throw new DomainError('bad_request', `metadata allowed_domains of ${path} must be a JSON array of strings or a comma-separated list`);
    }
  } else {
    list = trimmed.split(',');
  }
  const entries = (list as string[]).map((e) => e.trim().toLowerCase()).filter(Boolean);
  const bad = entries.find((e) => !HOST_ENTRY.test(e));
  if (bad !== undefined) {
    throw new DomainError(
      'bad_request',
      `metadata allowed_domains of ${path} holds "${bad.slice(0, 80)}", which is not a host or host:port`,
    );
  }
  return entries;
}

const hostOf = (entry: string): string => entry.replace(/:\d+$/, '');
const hasPort = (entry: string): boolean => /:\d+$/.test(entry);

/** The entries both lists allow: equal entries, or the port-specific one where the other names the bare host. */
function intersect(a: string[], b: string[]): string[] {
  const out = new Set<string>();
  for (const x of a) {
    for (const y of b) {
      if (x === y) out.add(x);
      else if (hasPort(x) && !hasPort(y) && hostOf(x) === y) out.add(x);
      else if (hasPort(y) && !hasPort(x) && hostOf(y) === x) out.add(y);
    }
  }
  return [...out];
}

const isTrue = (v: string | undefined): boolean => v?.trim().toLowerCase() === 'true';

export function proxySettings(secrets: UsedSecret[], operatorAllowsPrivate: boolean): ProxySettings {
  let allowedHosts: string[] | undefined;
  for (const s of secrets) {
    const raw = s.metadata.allowed_domains;
    if (raw === undefined) continue;
    const list = parseAllowedDomains(s.path, raw);
    allowedHosts = allowedHosts === undefined ? list : intersect(allowedHosts, list);
  }
  if (allowedHosts !== undefined && allowedHosts.length === 0) {
    throw new DomainError(
      'forbidden',
      `the allowed_domains of the secrets used (${secrets.map((s) => s.path).join(', ')}) have no host in common, so this call may go nowhere; use the secrets in separate calls`,
    );
  }
  const lacking = secrets.filter((s) => !isTrue(s.metadata.allow_private)).map((s) => s.path);
  return {
    allowPrivate: operatorAllowsPrivate || lacking.length === 0,
    allowedHosts,
    tlsInsecure: secrets.every((s) => isTrue(s.metadata.tls_allow_insecure)),
    privateHint:
      'to allow it, the platform operator can set PORTCULLIS_PROXY_ALLOW_PRIVATE=true (or list the range in PORTCULLIS_PROXY_PRIVATE_CIDRS), ' +
      `or a tenant admin can set metadata allow_private: "true" on ${lacking.join(', ')}`,
  };
}
