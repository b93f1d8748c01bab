/**
 * Error codes every process shares. A domain error carries one stable code; the HTTP layer maps the
 * code to a status with the exhaustive switch below and writes `{"error", "request_id"}`.
 */
export const ERROR_CODES = [
  'bad_request',
  'unauthenticated',
  'forbidden',
  'not_found',
  'conflict',
  'gone',
  'payload_too_large',
  'rate_limited',
  'upstream_failed',
  'unavailable',
  'upstream_timeout',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra, non-secret fields for the error body (e.g. `missing`, `suggestions`). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case 'bad_request':
      return 400;
    case 'unauthenticated':
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'conflict':
      return 409;
    case 'gone':
      return 410;
    case 'payload_too_large':
      return 413;
    case 'rate_limited':
      return 429;
    case 'upstream_failed':
      return 502;
    case 'unavailable':
      return 503;
    case 'upstream_timeout':
      return 504;
    case 'internal':
      return 500;
  }
}

export const notFound = (what: string): DomainError => new DomainError('not_found', `${what} not found`);
