/** LLM budgets against the run's real Redis: shared counters, the breached limit named, refusals spend nothing. */
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { type DomainError, windowId } from '@portcullis/domain';
import { redisKeys } from '@portcullis/contracts';
import { testServices } from '@portcullis/testing';
import { BudgetCounter } from '../src/llm/budgets.js';

const keys = redisKeys(`${testServices().redisPrefix}-budget-${randomBytes(3).toString('hex')}`);
const redis = new Redis(testServices().redisUrl);
// Two pods: two counters on two connections, one set of keys.
const pods = [
  new BudgetCounter(redis, keys, pino({ level: 'silent' })),
  new BudgetCounter(new Redis(testServices().redisUrl), keys, pino({ level: 'silent' })),
];
afterAll(() => redis.disconnect());

const refusal = (p: Promise<unknown>): Promise<DomainError> =>
  p.then(
    () => Promise.reject(new Error('admitted')),
    (e: DomainError) => e,
  );

describe('BudgetCounter', () => {
  it('counts requests across pods and refuses the one past the limit with 429 details, spending nothing for it', async () => {
    const agent = randomUUID();
    const limits = [{ window: 'minute' as const, requests: 3 }];
    // 15 s into a minute a little ahead (counters expire with their window, so not one in the past).
    const now = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 5 * 60_000 + 15_000);
    await pods[0]!.admit(agent, limits, now);
    await pods[1]!.admit(agent, limits, now);
    await pods[0]!.admit(agent, limits, now);
    const e = await refusal(pods[1]!.admit(agent, limits, now));
    expect(e.code).toBe('rate_limited');
    expect(e.message).toBe('budget exceeded: 3 requests per minute');
    expect(e.details).toMatchObject({ retryAfter: 45, budget: { window: 'minute', kind: 'requests', limit: 3, used: 4 } });
    await expect.poll(() => redis.hget(keys.budget(agent, windowId('minute', now)), 'requests')).toBe('3');
    // The next minute is a new window.
    await pods[0]!.admit(agent, limits, new Date(now.getTime() + 45_000));
  });

  it('adds answered tokens to every budgeted window and refuses once a token limit is spent', async () => {
    const agent = randomUUID();
    const limits = [
      { window: 'day' as const, tokens: 100 },
      { window: 'month' as const, requests: 1000, tokens: 10_000 },
    ];
    const a = await pods[0]!.admit(agent, limits);
    pods[0]!.spend(a, 60);
    const b = await pods[1]!.admit(agent, limits);
    pods[1]!.spend(b, 60);
    await expect.poll(() => redis.hget(a.keys[1]!, 'tokens')).toBe('120');
    const e = await refusal(pods[0]!.admit(agent, limits));
    expect(e.details).toMatchObject({ budget: { window: 'day', kind: 'tokens', limit: 100, used: 120 } });
    expect(await redis.pttl(a.keys[0]!)).toBeGreaterThan(0);
  });

  it('fails closed with 503 when Redis cannot be asked', async () => {
    const down = new Redis('redis://127.0.0.1:9', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    down.on('error', () => undefined);
    const e = await refusal(
      new BudgetCounter(down, keys, pino({ level: 'silent' })).admit(randomUUID(), [{ window: 'minute', requests: 1 }]),
    );
    expect(e.code).toBe('unavailable');
    down.disconnect();
  });
});
