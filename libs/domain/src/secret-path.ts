/**
 * Secret paths are human-readable (`api-keys/openai`) and end up in URLs, log lines and policy
 * matches, so they are held to one safe shape, checked here and nowhere else:
 *
 * - segments of letters, digits, `.`, `_`, `-`, each starting with a letter or digit (so `.` and
 *   `..` can never be a segment), joined by single `/`; no leading or trailing `/`;
 * - at most 256 characters and 16 segments;
 * - the last segment is not `value` or `versions`: those name the sub-resources of
 *   `/v1/secrets/<path>/value` and `/versions`, and a secret called that would be unreachable.
 */
export const SECRET_PATH_MAX_LENGTH = 256;
export const SECRET_PATH_MAX_SEGMENTS = 16;
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const RESERVED_LAST = new Set(['value', 'versions']);

/** Why `path` is not a valid secret path, or null when it is. The reason is safe to show callers. */
export function secretPathProblem(path: string): string | null {
  if (path.length === 0) return 'secret path is empty';
  if (path.length > SECRET_PATH_MAX_LENGTH) return `secret path is longer than ${SECRET_PATH_MAX_LENGTH} characters`;
  if (path.startsWith('/')) return 'secret path must not start with /';
  const segments = path.split('/');
  if (segments.length > SECRET_PATH_MAX_SEGMENTS) return `secret path has more than ${SECRET_PATH_MAX_SEGMENTS} segments`;
  for (const s of segments) {
    if (s === '..' || s === '.') return 'secret path must not contain . or .. segments';
    if (s === '') return 'secret path must not contain empty segments (// or a trailing /)';
    if (!SEGMENT.test(s)) return 'secret path segments hold letters, digits, . _ - and start with a letter or digit';
  }
  if (RESERVED_LAST.has(segments[segments.length - 1]!)) return 'secret path must not end in /value or /versions';
  return null;
}

export function isSecretPath(path: string): boolean {
  return secretPathProblem(path) === null;
}

/** A listing prefix: empty, or the start of a secret path (may end in `/`). */
export function secretPrefixProblem(prefix: string): string | null {
  if (prefix === '') return null;
  if (prefix.length > SECRET_PATH_MAX_LENGTH) return `prefix is longer than ${SECRET_PATH_MAX_LENGTH} characters`;
  if (prefix.startsWith('/')) return 'prefix must not start with /';
  if (!/^[A-Za-z0-9._/-]+$/.test(prefix)) return 'prefix holds letters, digits, . _ - and /';
  if (prefix.split('/').some((s) => s === '..' || s === '.')) return 'prefix must not contain . or .. segments';
  return null;
}
