/**
 * Names that end up in HTTP headers, Redis keys or URLs are validated once, here.
 * A service type becomes `X-Credential-<serviceType>`, so it is restricted to a header-safe set.
 */
export const SERVICE_TYPE_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function isServiceType(value: string): boolean {
  return SERVICE_TYPE_PATTERN.test(value);
}

/** True for absolute http(s) URLs without credentials in them. */
export function isHttpUrl(value: string): boolean {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return false;
  }
  return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password;
}
