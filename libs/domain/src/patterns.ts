/**
 * Learned call patterns: what a successful vault proxy call looked like, with every value removed.
 *
 * A pattern is (method, URL template, request header names, request body schema, response status,
 * response body schema). URL templates keep scheme, host, port and the path's words; ids and numbers
 * become placeholders, query values are dropped (names kept, sorted), `{{secret:path}}` placeholders are
 * kept as written (templates are built from the request as the agent wrote it, never from the request
 * with secrets substituted). Schemas map a field path to a JSON type and never hold a value.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = /^[0-9a-f]{16,}$/i;
const NUMBER = /^\d+$/;
const OPAQUE_ID = /^(?=.*\d)[A-Za-z0-9_-]{16,}$/;
const SECRET_REF = /^\{\{secret:[^}]+\}\}$/;

function templateSegment(segment: string): string {
  let s: string;
  try {
    s = decodeURIComponent(segment);
  } catch {
    s = segment;
  }
  if (s === '' || SECRET_REF.test(s)) return segment;
  if (NUMBER.test(s)) return '{n}';
  if (UUID.test(s)) return '{uuid}';
  if (HEX.test(s)) return '{hex}';
  if (OPAQUE_ID.test(s)) return '{id}';
  return segment;
}

/** `https://api.github.com/repos/acme/web/issues/42?state=open&page=2` → `https://api.github.com/repos/acme/web/issues/{n}?page=&state=` */
export function urlTemplate(rawUrl: string): string {
  // Secret references may stand where URL syntax would reject them; shield them while parsing.
  const refs: string[] = [];
  const shielded = rawUrl.replace(/\{\{secret:[^}]+\}\}/g, (m) => `__ref${refs.push(m) - 1}__`);
  const u = new URL(shielded);
  const unshield = (s: string): string => s.replace(/__ref(\d+)__/g, (_m, i: string) => refs[Number(i)]!);
  const path = u.pathname
    .split('/')
    .map((seg) => templateSegment(unshield(seg)))
    .join('/');
  const names = [...new Set([...u.searchParams.keys()])].sort();
  const query = names.length ? '?' + names.map((n) => `${n}=`).join('&') : '';
  return `${u.protocol}//${u.host}${path}${query}`;
}

export type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'null' | 'object' | 'array';

const MAX_FIELDS = 200;
const MAX_DEPTH = 6;

function typeOf(v: unknown): JsonType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'string' || typeof v === 'boolean') return typeof v as JsonType;
  return 'object';
}

/**
 * Field path → type, e.g. `{"user": {"id": 1}, "tags": ["a"]}` → `{user: object, user.id: integer,
 * tags: array, tags[]: string}`. Array items are merged; bounded in depth and size.
 */
export function schemaOf(value: unknown): Record<string, JsonType> {
  const out: Record<string, JsonType> = {};
  let count = 0;
  const walk = (v: unknown, path: string, depth: number): void => {
    if (count >= MAX_FIELDS) return;
    const t = typeOf(v);
    if (path) {
      if (!(path in out)) count++;
      out[path] = out[path] && out[path] !== t ? mergeTypes(out[path], t) : t;
    }
    if (depth >= MAX_DEPTH) return;
    if (t === 'object')
      for (const [k, child] of Object.entries(v as Record<string, unknown>)) walk(child, path ? `${path}.${k}` : k, depth + 1);
    if (t === 'array') for (const item of (v as unknown[]).slice(0, 20)) walk(item, `${path}[]`, depth + 1);
  };
  walk(value, '', 0);
  return out;
}

function mergeTypes(a: JsonType, b: JsonType): JsonType {
  if ((a === 'integer' && b === 'number') || (a === 'number' && b === 'integer')) return 'number';
  return a === 'null' ? b : a;
}

/** Schema of a body given as text: JSON bodies get a schema, anything else none. */
export function schemaOfBody(body: string | undefined | null): Record<string, JsonType> | null {
  if (!body) return null;
  try {
    return schemaOf(JSON.parse(body));
  } catch {
    return null;
  }
}

/** Request header names worth remembering: lower-cased, sorted, without hop-by-hop and per-call noise. */
export function headerNames(headers: Record<string, unknown>): string[] {
  const noise = new Set([
    'connection',
    'content-length',
    'host',
    'transfer-encoding',
    'keep-alive',
    'date',
    'user-agent',
    'accept-encoding',
  ]);
  return [...new Set(Object.keys(headers).map((h) => h.toLowerCase()))].filter((h) => !noise.has(h)).sort();
}

/**
 * How much to trust a pattern, 0..1: the Wilson lower bound of its success rate (so 3/3 ranks below
 * 300/300), raised a little for each distinct AppRole that verified it, decayed with a 30-day half-life
 * since its last use.
 */
export function patternConfidence(
  p: { successes: number; failures: number; verifiers: number; lastUsedAt: Date },
  now = new Date(),
): number {
  const n = p.successes + p.failures;
  if (n === 0) return 0;
  const z = 1.96;
  const phat = p.successes / n;
  const wilson = (phat + (z * z) / (2 * n) - z * Math.sqrt((phat * (1 - phat) + (z * z) / (4 * n)) / n)) / (1 + (z * z) / n);
  const diversity = 1 - 0.5 ** Math.max(p.verifiers, 1);
  const ageDays = Math.max(0, now.getTime() - p.lastUsedAt.getTime()) / 86_400_000;
  const recency = 0.5 ** (ageDays / 30);
  return Math.round(wilson * (0.5 + 0.5 * diversity) * recency * 1000) / 1000;
}
