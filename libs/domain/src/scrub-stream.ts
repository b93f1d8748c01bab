/**
 * Removes exact secret values from a byte stream as it flows, for responses that must never hand an
 * injected credential back to the agent (an upstream that reflects its request, an error page that
 * echoes the Authorization header).
 *
 * Matching is done on bytes (latin1 view, one char per byte), so multi-byte UTF-8 never splits a
 * match; the tail of each chunk that could be the start of a value (the longest suffix that is a
 * proper prefix of one) is held back until the next chunk arrives, so a value split across chunks is
 * still caught, while anything else goes out at once (a server-sent event is not delayed until the
 * next one). Each value is also looked for in the encodings an echo
 * typically uses: URL-encoded, JSON-escaped, base64 and base64url (`secretVariants`).
 */
import { Transform } from 'node:stream';

export interface Redaction {
  /** What the value is replaced with, e.g. `[REDACTED:api-keys/openai]`. */
  replacement: string;
  values: string[];
}

/** The forms in which a secret may come back in a response body. */
export function secretVariants(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  const forms = [value, encodeURIComponent(value), json, Buffer.from(value).toString('base64'), Buffer.from(value).toString('base64url')];
  // base64 of the value inside a longer base64 text (e.g. Basic user:pass) starts on a 3-byte boundary
  // only if the value does; also catch the stable core that does not depend on the neighbours.
  const b64 = Buffer.from(value).toString('base64').replace(/=+$/, '');
  if (b64.length > 8) forms.push(b64.slice(0, b64.length - 4));
  return [...new Set(forms)].filter((f) => f.length >= 4);
}

interface Needle {
  bytes: string;
  replacement: string;
}

function needles(redactions: Redaction[]): Needle[] {
  const list: Needle[] = [];
  for (const r of redactions) {
    for (const v of r.values) {
      if (v.length < 4) continue; // too short to redact without mangling ordinary text
      list.push({ bytes: Buffer.from(v, 'utf8').toString('latin1'), replacement: Buffer.from(r.replacement, 'utf8').toString('latin1') });
    }
  }
  // Longest first, so a value that contains another is replaced whole.
  return list.sort((a, b) => b.bytes.length - a.bytes.length);
}

function replaceAll(text: string, list: Needle[], counts: Map<string, number>): string {
  let out = text;
  for (const n of list) {
    if (!out.includes(n.bytes)) continue;
    const parts = out.split(n.bytes);
    counts.set(n.replacement, (counts.get(n.replacement) ?? 0) + parts.length - 1);
    out = parts.join(n.replacement);
  }
  return out;
}

/** Scrubs a whole text (or buffer) at once. */
export function scrubValues(text: string, redactions: Redaction[]): { text: string; count: number } {
  const counts = new Map<string, number>();
  const out = replaceAll(Buffer.from(text, 'utf8').toString('latin1'), needles(redactions), counts);
  return { text: Buffer.from(out, 'latin1').toString('utf8'), count: [...counts.values()].reduce((a, b) => a + b, 0) };
}

/** Length of the longest suffix of `text` (at most `hold`) that is a proper prefix of a needle. */
function pendingPrefix(text: string, list: Needle[], hold: number): number {
  const from = Math.max(0, text.length - hold);
  let longest = 0;
  for (const n of list) {
    // Candidate starts are the needle's first byte within reach of the end; the earliest match wins.
    for (
      let i = text.indexOf(n.bytes[0]!, Math.max(from, text.length - n.bytes.length + 1));
      i !== -1;
      i = text.indexOf(n.bytes[0]!, i + 1)
    ) {
      const k = text.length - i;
      if (k <= longest) break;
      let j = 1;
      while (j < k && text.charCodeAt(i + j) === n.bytes.charCodeAt(j)) j++;
      if (j === k) {
        longest = k;
        break;
      }
    }
  }
  return longest;
}

/** A Transform that scrubs as data passes; `redacted()` tells how many values it replaced. */
export function createScrubStream(redactions: Redaction[]): Transform & { redacted(): number } {
  const list = needles(redactions);
  const hold = Math.max(0, ...list.map((n) => n.bytes.length)) - 1;
  const counts = new Map<string, number>();
  let carry = '';
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (list.length === 0) return cb(null, chunk);
      const text = replaceAll(carry + chunk.toString('latin1'), list, counts);
      // Hold back a tail that could be the start of a value completed by the next chunk. A
      // replacement is never held back partly: cut before any replacement that ends in the tail.
      let cut = text.length - pendingPrefix(text, list, hold);
      for (const n of list) {
        const i = text.lastIndexOf(n.replacement);
        if (i >= 0 && i < cut && i + n.replacement.length > cut) cut = i + n.replacement.length;
      }
      carry = text.slice(cut);
      cb(null, Buffer.from(text.slice(0, cut), 'latin1'));
    },
    flush(cb) {
      cb(null, carry ? Buffer.from(replaceAll(carry, list, counts), 'latin1') : undefined);
    },
  });
  return Object.assign(t, { redacted: () => [...counts.values()].reduce((a, b) => a + b, 0) });
}
