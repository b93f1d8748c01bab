/**
 * JSON Canonicalization Scheme (RFC 8785), for the values our events hold.
 *
 * - Objects: members sorted by key, comparing keys as arrays of UTF-16 code units (RFC 8785 §3.2.3);
 *   members whose value is `undefined` are left out (they have no JSON form, as with JSON.stringify).
 * - Strings: RFC 8785 §3.2.2.2 prescribes exactly ECMAScript's JSON.stringify escaping (the two-character
 *   forms \b \t \n \f \r \" \\, other controls as lowercase \u00xx, everything else literal); a lone
 *   surrogate is not valid I-JSON and is rejected.
 * - Numbers: RFC 8785 §3.2.2.3 prescribes ECMAScript's Number serialization (shortest round-trip,
 *   exponent form outside 1e-7..1e21, -0 as 0); NaN and ±Infinity are rejected.
 * - No whitespace anywhere. Anything that is not a JSON value (functions, bigint, symbols, class
 *   instances other than plain objects and arrays) is rejected rather than guessed at.
 */
export class CanonicalJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CanonicalJsonError';
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function str(s: string): string {
  if (LONE_SURROGATE.test(s)) throw new CanonicalJsonError('string holds a lone surrogate');
  return JSON.stringify(s);
}

function num(n: number): string {
  if (!Number.isFinite(n)) throw new CanonicalJsonError(`${n} has no JSON form`);
  // Number#toString is the ECMAScript serialization RFC 8785 adopts, except that it keeps -0's sign.
  return Object.is(n, -0) ? '0' : String(n);
}

/** Code-unit order, which is what `<` on JS strings already compares. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function write(value: unknown, out: string[]): void {
  switch (typeof value) {
    case 'string':
      out.push(str(value));
      return;
    case 'number':
      out.push(num(value));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'object': {
      if (value === null) {
        out.push('null');
        return;
      }
      if (Array.isArray(value)) {
        out.push('[');
        value.forEach((v: unknown, i) => {
          if (v === undefined) throw new CanonicalJsonError('array element is undefined');
          if (i) out.push(',');
          write(v, out);
        });
        out.push(']');
        return;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new CanonicalJsonError('only plain objects and arrays are JSON');
      const rec = value as Record<string, unknown>;
      const keys = Object.keys(rec)
        .filter((k) => rec[k] !== undefined)
        .sort(byCodeUnits);
      out.push('{');
      keys.forEach((k, i) => {
        if (i) out.push(',');
        out.push(str(k), ':');
        write(rec[k], out);
      });
      out.push('}');
      return;
    }
    default:
      throw new CanonicalJsonError(`a ${typeof value} has no JSON form`);
  }
}

/** The RFC 8785 canonical text of a JSON value. */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out);
  return out.join('');
}
