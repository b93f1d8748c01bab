/**
 * Outbound HTTP on an agent's behalf, behind the SSRF guard (libs/domain/ssrf).
 *
 * Invariants:
 * - the host is resolved once; every address is judged; the connection goes to the address that was
 *   judged (our `lookup` hands the socket that address), so DNS rebinding between check and connect
 *   cannot redirect it;
 * - every redirect hop is judged again (address and `allowedHosts`), and a hop to another origin
 *   loses the headers that carry credentials;
 * - timeouts and a response size limit end the call with a DomainError that says which.
 * TLS still checks the certificate against the host name (SNI and identity use the name, not the
 * address) unless `tlsInsecure` is set for this call.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { Transform, type Readable } from 'node:stream';
import { DomainError, classifyAddress, type AddressVerdict } from '@portcullis/domain';

export interface GuardedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Let the call reach private, loopback and other internal addresses. */
  allowPrivate: boolean;
  /** When set, only these hosts (`host` or `host:port`, case-insensitive) may be contacted. */
  allowedHosts?: string[];
  tlsInsecure?: boolean;
  connectTimeoutMs?: number;
  /** Longest silence while waiting for or reading the response. */
  idleTimeoutMs?: number;
  maxResponseBytes?: number;
  maxRedirects?: number;
  /** Extra header names to drop on a cross-origin redirect (injected credentials). */
  sensitiveHeaders?: string[];
  /** How private-address refusals are explained: which settings would allow the call. */
  privateHint?: string;
  /** The address judge; tests may narrow it. */
  classify?: (address: string) => AddressVerdict;
}

export interface GuardedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Readable;
  url: string;
}

const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function hostAllowed(u: URL, allowed: string[] | undefined): boolean {
  if (!allowed || allowed.length === 0) return true;
  const host = u.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  return allowed.some((a) => {
    const entry = a.toLowerCase().trim();
    return entry === host || entry === `${host}:${port}` || entry === u.host.toLowerCase();
  });
}

/** Resolves the URL's host once and returns the address to connect to, or refuses. */
async function judge(u: URL, req: GuardedRequest): Promise<{ address: string; family: 4 | 6 }> {
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new DomainError('bad_request', `only http and https URLs may be called, not ${u.protocol}`);
  if (u.username || u.password) throw new DomainError('bad_request', 'credentials in the URL are not allowed; inject them as headers');
  if (!hostAllowed(u, req.allowedHosts)) {
    throw new DomainError('forbidden', `host ${u.host} is not in this secret's allowed_domains (${req.allowedHosts!.join(', ')})`);
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  try {
    // The URL parser already turned decimal, octal and hex IPv4 spellings into dotted quads.
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await dnsLookup(host, { all: true, verbatim: true });
  } catch {
    throw new DomainError('upstream_failed', `could not resolve ${host}`);
  }
  if (req.allowPrivate) return { address: addresses[0]!.address, family: addresses[0]!.family === 6 ? 6 : 4 };
  const classify = req.classify ?? classifyAddress;
  const verdicts = addresses.map((a) => classify(a.address));
  const ok = verdicts.find((v): v is Extract<AddressVerdict, { allowed: true }> => v.allowed);
  if (!ok) {
    const first = verdicts[0] as Extract<AddressVerdict, { allowed: false }>;
    throw new DomainError(
      'forbidden',
      `refused to connect to ${host} (${first.address}): ${first.reason}${req.privateHint ? `; ${req.privateHint}` : ''}`,
    );
  }
  return { address: ok.address, family: ok.family };
}

function limit(res: IncomingMessage, maxBytes: number): Readable {
  let seen = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > maxBytes) {
        res.destroy();
        cb(new DomainError('upstream_failed', `upstream response larger than ${maxBytes} bytes`));
        return;
      }
      cb(null, chunk);
    },
  });
  res.on('error', (e) => t.destroy(e));
  // A reader that stops early (the agent went away) must not leave the upstream socket open.
  t.on('close', () => res.destroy());
  return res.pipe(t);
}

function once(
  req: GuardedRequest,
  u: URL,
  target: { address: string; family: 4 | 6 },
  headers: Record<string, string>,
  body: Buffer | undefined,
  method: string,
) {
  return new Promise<IncomingMessage>((resolve, reject) => {
    const pinned: LookupFunction = (_host, opts, cb) => {
      if ((opts as { all?: boolean }).all) (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [target]);
      else cb(null, target.address, target.family);
    };
    const lib = u.protocol === 'https:' ? https : http;
    const r = lib.request({
      protocol: u.protocol,
      hostname: u.hostname.replace(/^\[|\]$/g, ''),
      port: u.port || undefined,
      path: u.pathname + u.search,
      method,
      headers: { ...headers, host: u.host },
      lookup: pinned,
      agent: false,
      rejectUnauthorized: !req.tlsInsecure,
      timeout: req.connectTimeoutMs ?? 5000,
    });
    let connected = false;
    r.on('socket', (s) =>
      s.once(u.protocol === 'https:' ? 'secureConnect' : 'connect', () => ((connected = true), r.setTimeout(req.idleTimeoutMs ?? 30_000))),
    );
    r.on('timeout', () =>
      r.destroy(new DomainError('upstream_timeout', connected ? 'upstream did not answer in time' : 'timed out connecting to upstream')),
    );
    r.on('error', (e) =>
      reject(
        e instanceof DomainError
          ? e
          : new DomainError('upstream_failed', `upstream connection failed: ${(e as NodeJS.ErrnoException).code ?? e.message}`),
      ),
    );
    r.on('response', resolve);
    r.end(body);
  });
}

export async function guardedRequest(req: GuardedRequest): Promise<GuardedResponse> {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    throw new DomainError('bad_request', 'url is not a valid absolute URL');
  }
  let method = req.method.toUpperCase();
  let headers = { ...req.headers };
  let body = req.body;
  const origin = url.origin;
  for (let hop = 0; ; hop++) {
    const target = await judge(url, req);
    const res = await once(req, url, target, headers, body, method);
    const location = res.headers.location;
    if (!REDIRECTS.has(res.statusCode ?? 0) || !location || hop >= (req.maxRedirects ?? 3)) {
      return {
        status: res.statusCode ?? 502,
        headers: res.headers,
        body: limit(res, req.maxResponseBytes ?? 10 * 1024 * 1024),
        url: url.toString(),
      };
    }
    res.resume();
    const next = new URL(location, url);
    if (next.origin !== origin) {
      const drop = new Set([...CREDENTIAL_HEADERS, ...(req.sensitiveHeaders ?? []).map((h) => h.toLowerCase())]);
      headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !drop.has(k.toLowerCase())));
    }
    if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
      headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !['content-type', 'content-length'].includes(k.toLowerCase())));
    }
    url = next;
  }
}
