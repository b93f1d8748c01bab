/**
 * The syntax of a secret path, e.g. `api-keys/openai`: segments of letters, digits, `_ . -` joined by
 * `/`, no leading or trailing `/`, no empty, `.` or `..` segment, at most 256 characters.
 */
const SEGMENT = /^[A-Za-z0-9_.-]+$/;

export function isValidSecretPathSyntax(path: string): boolean {
  if (path.length === 0 || path.length > 256) return false;
  return path.split('/').every((s) => SEGMENT.test(s) && s !== '.' && s !== '..');
}
