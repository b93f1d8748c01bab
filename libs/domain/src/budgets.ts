/**
 * Per-agent budgets: requests and tokens per fixed window (minute, day, month, in UTC), counted in
 * Redis and shared by every proxy pod. This module is the pure half: which window a moment falls in,
 * the counter key suffix for it, when it resets, and which configured limit a usage breaks.
 */

export const BUDGET_WINDOWS = ['minute', 'day', 'month'] as const;
export type BudgetWindow = (typeof BUDGET_WINDOWS)[number];

export interface BudgetLimit {
  window: BudgetWindow;
  /** Requests allowed in the window; absent for no request limit. */
  requests?: number;
  /** Tokens (input + output) allowed in the window; absent for no token limit. */
  tokens?: number;
}

/** Start (inclusive) and end (exclusive) of the window containing `now`. */
export function windowBounds(window: BudgetWindow, now: Date): { start: Date; end: Date } {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const d = now.getUTCDate();
  switch (window) {
    case 'minute': {
      const start = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
      return { start, end: new Date(start.getTime() + 60_000) };
    }
    case 'day':
      return { start: new Date(Date.UTC(y, m, d)), end: new Date(Date.UTC(y, m, d + 1)) };
    case 'month':
      return { start: new Date(Date.UTC(y, m, 1)), end: new Date(Date.UTC(y, m + 1, 1)) };
  }
}

/** Suffix that names the window's counter, e.g. `minute:2026-11-22T10:31`, `day:2026-11-22`, `month:2026-11`. */
export function windowId(window: BudgetWindow, now: Date): string {
  const iso = windowBounds(window, now).start.toISOString();
  return `${window}:${window === 'minute' ? iso.slice(0, 16) : window === 'day' ? iso.slice(0, 10) : iso.slice(0, 7)}`;
}

/** Whole seconds until the window resets (at least 1), for `Retry-After`. */
export function secondsUntilReset(window: BudgetWindow, now: Date): number {
  return Math.max(1, Math.ceil((windowBounds(window, now).end.getTime() - now.getTime()) / 1000));
}

export interface BudgetBreach {
  window: BudgetWindow;
  kind: 'requests' | 'tokens';
  limit: number;
  used: number;
  retryAfterSeconds: number;
}

/**
 * The first limit the counted usage breaks, or null. `used` holds the counts in each window
 * including the request being admitted (requests) and tokens already spent (tokens).
 */
export function firstBreach(
  limits: readonly BudgetLimit[],
  used: Record<BudgetWindow, { requests: number; tokens: number }>,
  now: Date,
): BudgetBreach | null {
  for (const l of limits) {
    const u = used[l.window];
    if (l.requests !== undefined && u.requests > l.requests) {
      return {
        window: l.window,
        kind: 'requests',
        limit: l.requests,
        used: u.requests,
        retryAfterSeconds: secondsUntilReset(l.window, now),
      };
    }
    if (l.tokens !== undefined && u.tokens >= l.tokens) {
      return { window: l.window, kind: 'tokens', limit: l.tokens, used: u.tokens, retryAfterSeconds: secondsUntilReset(l.window, now) };
    }
  }
  return null;
}
