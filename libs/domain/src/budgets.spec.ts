import { describe, expect, it } from 'vitest';
import { firstBreach, secondsUntilReset, windowBounds, windowId } from './budgets.js';

const now = new Date('2026-12-31T23:59:30.250Z');

describe('budget windows', () => {
  it('align to UTC minutes, days and months, across a year end', () => {
    expect(windowBounds('minute', now)).toEqual({ start: new Date('2026-12-31T23:59:00Z'), end: new Date('2027-01-01T00:00:00Z') });
    expect(windowBounds('day', now)).toEqual({ start: new Date('2026-12-31T00:00:00Z'), end: new Date('2027-01-01T00:00:00Z') });
    expect(windowBounds('month', now)).toEqual({ start: new Date('2026-12-01T00:00:00Z'), end: new Date('2027-01-01T00:00:00Z') });
    expect(windowId('minute', now)).toBe('minute:2026-12-31T23:59');
    expect(windowId('day', now)).toBe('day:2026-12-31');
    expect(windowId('month', now)).toBe('month:2026-12');
    expect(secondsUntilReset('minute', now)).toBe(30);
    expect(secondsUntilReset('month', new Date('2026-02-28T23:59:59.999Z'))).toBe(1);
  });

  it('names the first limit broken, with when to retry', () => {
    const used = { minute: { requests: 11, tokens: 500 }, day: { requests: 11, tokens: 500 }, month: { requests: 11, tokens: 500 } };
    expect(firstBreach([{ window: 'minute', requests: 10 }], used, now)).toEqual({
      window: 'minute',
      kind: 'requests',
      limit: 10,
      used: 11,
      retryAfterSeconds: 30,
    });
    expect(firstBreach([{ window: 'minute', requests: 11 }], used, now)).toBeNull();
    expect(firstBreach([{ window: 'day', tokens: 500 }], used, now)).toMatchObject({ window: 'day', kind: 'tokens', limit: 500 });
    expect(firstBreach([{ window: 'month', tokens: 501, requests: 100 }], used, now)).toBeNull();
  });
});
