/**
 * Credential scrubbing: redacts exact secret values the caller knows about, then well-known key
 * shapes. A redaction keeps the shape's public prefix (`sk-proj-`, `AKIA`, `ghp_`, ...) so a reader
 * can still tell what was there, and never any of the secret part:
 *
 *   sk-proj-abc…xyz  →  sk-proj-[REDACTED:openai]
 *   <vault value>    →  [REDACTED:vault:api-keys/openai]
 *
 * Exact values are replaced longest first, so a value containing another is redacted whole.
 * Values shorter than SCRUB_MIN_VALUE_LENGTH are skipped: redacting every "a" would destroy the
 * text and tell nothing.
 */
export const SCRUB_MIN_VALUE_LENGTH = 4;

export interface ScrubValue {
  /** What the redaction marker names, e.g. the secret's path. Must not be secret. */
  label: string;
  value: string;
}

export interface ScrubResult {
  scrubbed: string;
  redactions: { type: string; count: number }[];
}

interface Shape {
  type: string;
  /** Must contain a named group `keep` (the public prefix kept) unless nothing is kept. */
  pattern: string;
}

// Order matters where shapes overlap: Anthropic keys also start with `sk-`.
const SHAPES: Shape[] = [
  { type: 'private_key', pattern: '-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----[\\s\\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----' },
  { type: 'anthropic', pattern: '(?<keep>sk-ant-(?:api|admin|oat)\\d{2}-)[A-Za-z0-9_-]{20,}' },
  { type: 'openai', pattern: '(?<keep>sk-(?:proj-|svcacct-|admin-|None-)?)[A-Za-z0-9_-]{20,}' },
  { type: 'aws_access_key', pattern: '\\b(?<keep>(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA))[0-9A-Z]{16}\\b' },
  {
    type: 'aws_secret_key',
    pattern:
      '(?<keep>(?:aws_secret_access_key|AWS_SECRET_ACCESS_KEY|SecretAccessKey)["\']?\\s*[:=]\\s*["\']?)[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])',
  },
  { type: 'github', pattern: '\\b(?<keep>gh[pousr]_)[A-Za-z0-9]{36,255}\\b' },
  { type: 'github', pattern: '\\b(?<keep>github_pat_)[A-Za-z0-9_]{22,255}\\b' },
  { type: 'slack', pattern: '\\b(?<keep>xox[abposre]-)[A-Za-z0-9-]{10,}' },
  { type: 'slack', pattern: '(?<keep>https://hooks\\.slack\\.com/services/)[A-Za-z0-9/_-]{20,}' },
  { type: 'jwt', pattern: '\\b(?<keep>eyJ)[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}' },
  { type: 'portcullis', pattern: '\\b(?<keep>(?:art|pk|olt|sid)_)[0-9A-Za-z]{49}\\b' },
];

// One pass over the text with every shape as an alternative: a replacement is never re-scanned.
const COMBINED = new RegExp(SHAPES.map((s, i) => `(?<s${i}>${s.pattern.replace('(?<keep>', `(?<k${i}>`)})`).join('|'), 'g');

export const SCRUB_TYPES = [...new Set(SHAPES.map((s) => s.type)), 'vault'];

export function scrub(text: string, values: readonly ScrubValue[] = []): ScrubResult {
  const counts = new Map<string, number>();
  const bump = (type: string, n = 1): void => {
    counts.set(type, (counts.get(type) ?? 0) + n);
  };
  let out = text;
  const exact = values.filter((v) => v.value.length >= SCRUB_MIN_VALUE_LENGTH).sort((a, b) => b.value.length - a.value.length);
  for (const v of exact) {
    const parts = out.split(v.value);
    if (parts.length > 1) {
      out = parts.join(`[REDACTED:vault:${v.label}]`);
      bump('vault', parts.length - 1);
    }
  }
  out = out.replace(COMBINED, (...args: unknown[]) => {
    const groups = args[args.length - 1] as Record<string, string | undefined>;
    const i = SHAPES.findIndex((_, n) => groups[`s${n}`] !== undefined);
    const shape = SHAPES[i]!;
    bump(shape.type);
    return `${groups[`k${i}`] ?? ''}[REDACTED:${shape.type}]`;
  });
  return { scrubbed: out, redactions: [...counts].map(([type, count]) => ({ type, count })) };
}
