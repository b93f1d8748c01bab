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
  const json = JSON.stringify(s);
  // JSON.stringify writes a lone surrogate as a \udxxx escape, so only such output needs the full check.
  if (json.includes('\\ud') && LONE_SURROGATE.test(s)) throw new CanonicalJsonError('string holds a lone surrogate');
  return json;
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

// Built by string concatenation: V8 joins the pieces lazily, cheaper than an array and a join.
function write(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return str(value);
    case 'number':
      return num(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          const v: unknown = value[i];
          if (v === undefined) throw new CanonicalJsonError('array element is undefined');
          out += (i ? ',' : '') + write(v);
        }
        return out + ']';
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new CanonicalJsonError('only plain objects and arrays are JSON');
      const rec = value as Record<string, unknown>;
      const keys = Object.keys(rec).sort(byCodeUnits);
      let out = '{';
      for (const k of keys) {
        const v = rec[k];
        if (v === undefined) continue;
        out += (out.length > 1 ? ',' : '') + str(k) + ':' + write(v);
      }
      return out + '}';
    }
    default:
      throw new CanonicalJsonError(`a ${typeof value} has no JSON form`);
  }
}

/** The RFC 8785 canonical text of a JSON value. */
export function canonicalJson(value: unknown): string {
  return write(value);
}
