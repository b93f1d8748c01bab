/**
 * Per-agent LLM budgets, counted in Redis so every proxy pod sees the same spend. One HASH per agent
 * and window (`requests`, `tokens`), expiring a minute after the window ends. A request is admitted
 * by counting it in each budgeted window and reading the tokens spent there; the answer's tokens are
 * added once it has finished. Tokens can therefore overshoot a limit by the requests in flight when
 * it is reached; the next request is then refused until the window resets.
 *
 * Only agents with budgets pay for this (one script call before, one write after). If Redis cannot
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

/**
 * One round trip per admission: for each window's HASH, count the request, read the tokens spent,
 * and set its expiry. KEYS: the windows' counters; ARGV: each one's expiry (ms since the epoch).
 * Returns requests and tokens per window, flat. (A script rather than a pipeline of 3 commands per
 * window: one command to send and one reply to parse is what the request path pays for.)
 */
const ADMIT = `
local out = {}
for i, key in ipairs(KEYS) do
  out[2 * i - 1] = redis.call('HINCRBY', key, 'requests', 1)
  out[2 * i] = tonumber(redis.call('HGET', key, 'tokens') or '0')
  redis.call('PEXPIREAT', key, ARGV[i])
end
return out
`;

type BudgetRedis = Redis & { portcullisBudgetAdmit(...args: (string | number)[]): Promise<number[]> };

export class BudgetCounter {
  private readonly redis: BudgetRedis;
  constructor(
    redis: Redis,
    private readonly keys: RedisKeys,
    private readonly logger: Logger,
  ) {
    if (!('portcullisBudgetAdmit' in redis)) redis.defineCommand('portcullisBudgetAdmit', { lua: ADMIT });
    this.redis = redis as BudgetRedis;
  }

  /** Counts one request against each budget; refuses with 429 naming the budget that is spent. */
  async admit(agentId: string, limits: readonly BudgetLimit[], now = new Date()): Promise<Admission> {
    const keys = limits.map((l) => this.keys.budget(agentId, windowId(l.window, now)));
    const expiries = limits.map((l) => windowBounds(l.window, now).end.getTime() + GRACE_MS);
    let results: number[];
    try {
      results = await this.redis.portcullisBudgetAdmit(keys.length, ...keys, ...expiries);
    } catch {
      throw new DomainError('unavailable', 'budget cannot be checked; try again shortly');
    }
    const used: Record<BudgetWindow, { requests: number; tokens: number }> = {
      minute: { requests: 0, tokens: 0 },
      day: { requests: 0, tokens: 0 },
      month: { requests: 0, tokens: 0 },
    };
    limits.forEach((l, i) => {
      used[l.window] = { requests: Number(results[i * 2]), tokens: Number(results[i * 2 + 1] ?? 0) };
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
    const warn = (err: Error): void => this.logger.warn({ err: err.message }, 'budget tokens not counted');
    const [only, ...more] = admission.keys;
    if (!more.length) {
      if (only) this.redis.hincrby(only, 'tokens', tokens).catch(warn);
      return;
    }
    const pipeline = this.redis.pipeline();
    for (const k of admission.keys) pipeline.hincrby(k, 'tokens', tokens);
    pipeline.exec().catch(warn);
  }
}
