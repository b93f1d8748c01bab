/**
 * Secret injection for the vault's proxy mode: how an agent names secrets in an outbound request
 * without ever holding them.
 *
 * - `{{secret:<path>}}` anywhere in the URL (inserted URL-encoded), a header value (inserted as is;
 *   a value with CR or LF is refused), or the body (JSON-escaped when the body is JSON, else as is);
 * - `inject: {"<Header>": "<path>"}`: the header gets the value; `Authorization` gets `Bearer <value>`;
 * - `inject: {"Authorization": "basic:<path>"}` for a `user:password` secret: `Basic base64(...)`.
 * An `inject` value that is not a path (e.g. `Bearer sk-…`, a literal key) is refused with a message
 * that shows the right form: the agent must never paste a credential into a request.
 */
import { DomainError } from './errors.js';
import { isSecretPath, secretPathProblem } from './secret-path.js';

const PLACEHOLDER = /\{\{\s*secret:([^{}]+?)\s*\}\}/g;

export interface ProxyRequestSpec {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  inject?: Record<string, string>;
}

export interface InjectionPlan {
  /** Every secret path the request uses (each needs the `proxy` capability). */
  paths: string[];
  /** The request with values filled in, given each path's value. */
  render(values: ReadonlyMap<string, string>): { method: string; url: string; headers: Record<string, string>; body: string | undefined };
}

function placeholders(text: string | undefined): string[] {
  return text ? [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!.trim()) : [];
}

function checkPath(path: string, where: string): void {
  const problem = secretPathProblem(path);
  if (problem) throw new DomainError('bad_request', `${where}: "${path.slice(0, 80)}" is not a valid secret path (${problem})`);
}

export function planInjection(spec: ProxyRequestSpec): InjectionPlan {
  const headers = spec.headers ?? {};
  const inject = spec.inject ?? {};
  const paths = new Set<string>();
  const use = (text: string | undefined, where: string): void => {
    for (const p of placeholders(text)) {
      checkPath(p, where);
      paths.add(p);
    }
  };
  use(spec.url, 'url');
  for (const [name, v] of Object.entries(headers)) use(v, `header ${name}`);
  use(spec.body, 'body');
  const injected: { header: string; path: string; basic: boolean }[] = [];
  for (const [header, raw] of Object.entries(inject)) {
    const basic = raw.startsWith('basic:');
    const path = basic ? raw.slice(6) : raw;
    if (!isSecretPath(path)) {
      throw new DomainError(
        'forbidden',
        `inject.${header} must name a secret path, not a value: use {"${header}": "api-keys/openai"}` +
          (header.toLowerCase() === 'authorization'
            ? ' (Portcullis adds "Bearer " itself; use "basic:<path>" for a user:password secret)'
            : '') +
          ', or put {{secret:<path>}} in a header, the URL or the body',
      );
    }
    paths.add(path);
    injected.push({ header, path, basic });
  }
  const isJson = Object.entries(headers).some(([k, v]) => k.toLowerCase() === 'content-type' && /json/i.test(v));

  return {
    paths: [...paths],
    render(values) {
      const value = (p: string): string => {
        const v = values.get(p);
        if (v === undefined) throw new DomainError('not_found', `secret ${p} not found`);
        return v;
      };
      const fill = (text: string, encode: (v: string) => string): string =>
        text.replace(PLACEHOLDER, (_m, p: string) => encode(value(p.trim())));
      const headerValue = (name: string, v: string): string => {
        if (/[\r\n]/.test(v)) throw new DomainError('bad_request', `the value for header ${name} contains a line break`);
        return v;
      };
      const out: Record<string, string> = {};
      for (const [name, v] of Object.entries(headers))
        out[name] = headerValue(
          name,
          fill(v, (x) => x),
        );
      for (const { header, path, basic } of injected) {
        const v = value(path);
        // Replace any caller-set header of the same name whatever its case.
        for (const k of Object.keys(out)) if (k.toLowerCase() === header.toLowerCase()) delete out[k];
        out[header] = headerValue(
          header,
          basic ? `Basic ${Buffer.from(v, 'utf8').toString('base64')}` : header.toLowerCase() === 'authorization' ? `Bearer ${v}` : v,
        );
      }
      return {
        method: spec.method.toUpperCase(),
        url: fill(spec.url, encodeURIComponent),
        headers: out,
        body: spec.body === undefined ? undefined : fill(spec.body, isJson ? (x) => JSON.stringify(x).slice(1, -1) : (x) => x),
      };
    },
  };
}
