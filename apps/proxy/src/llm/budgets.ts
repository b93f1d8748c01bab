/**
 * Per-agent LLM budgets, counted in Redis so every proxy pod sees the same spend. One HASH per agent
 * and window (`requests`, `tokens`), expiring a minute after the window ends. A request is admitted
 * by counting it in each budgeted window and reading the tokens spent there; the answer's tokens are
 * added once it has finished. Tokens can therefore overshoot a limit by the requests in flight when
 * it is reached; the next request is then refused until the window resets.
 *
 * Only agents with budgets pay for this (one pipelined round trip before, one after). If Redis cannot
 * be asked the request is refused with 503: a budget that cannot be checked is not a budget.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DomainError, firstBreach, windowBounds, windowId, type BudgetLimit, type BudgetWindow } from '@portcullis/domain';
import type { RedisKeys } from '@portcullis/contracts';

/** What a request was admitted under: the counters to add its tokens to. */
export interface Admission {
  keys: string[];
}

const GRACE_MS = 60_000;

export class BudgetCounter {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly logger: Logger,
  ) {}

  /** Counts one request against each budget; refuses with 429 naming the budget that is spent. */
  async admit(agentId: string, limits: readonly BudgetLimit[], now = new Date()): Promise<Admission> {
    const keys = limits.map((l) => this.keys.budget(agentId, windowId(l.window, now)));
    const pipeline = this.redis.pipeline();
    limits.forEach((l, i) => {
      pipeline.hincrby(keys[i]!, 'requests', 1);
      pipeline.hget(keys[i]!, 'tokens');
      pipeline.pexpireat(keys[i]!, windowBounds(l.window, now).end.getTime() + GRACE_MS);
    });
    let results: [Error | null, unknown][] | null;
    try {
      results = await pipeline.exec();
    } catch {
      results = null;
    }
    if (!results || results.some(([err]) => err)) throw new DomainError('unavailable', 'budget cannot be checked; try again shortly');
    const used: Record<BudgetWindow, { requests: number; tokens: number }> = {
      minute: { requests: 0, tokens: 0 },
      day: { requests: 0, tokens: 0 },
      month: { requests: 0, tokens: 0 },
    };
    limits.forEach((l, i) => {
      used[l.window] = { requests: Number(results[i * 3]![1]), tokens: Number(results[i * 3 + 1]![1] ?? 0) };
    });
    const breach = firstBreach(limits, used, now);
    if (!breach) return { keys };
    // A refused request spends nothing.
    const undo = this.redis.pipeline();
    for (const k of keys) undo.hincrby(k, 'requests', -1);
    undo.exec().catch(() => undefined);
    throw new DomainError('rate_limited', `budget exceeded: ${breach.limit} ${breach.kind} per ${breach.window}`, {
      retryAfter: breach.retryAfterSeconds,
      budget: { window: breach.window, kind: breach.kind, limit: breach.limit, used: breach.used },
    });
  }

  /** Adds an answer's tokens to the windows it was admitted under (off the response path). */
  spend(admission: Admission, tokens: number): void {
    if (tokens <= 0) return;
    const pipeline = this.redis.pipeline();
    for (const k of admission.keys) pipeline.hincrby(k, 'tokens', tokens);
    pipeline.exec().catch((err: Error) => this.logger.warn({ err: err.message }, 'budget tokens not counted'));
  }
}
