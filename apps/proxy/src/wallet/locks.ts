/**
 * Advisory locks on named resources (file paths, branch names, ...), shared by every proxy pod.
 *
 * Invariants (Redis Cluster-safe: every command and script touches exactly one key):
 * - one key per lock, `wallet:lock:<tenant>:<sha256(resource)>`, holding the WalletLock as JSON with
 *   PX = its TTL: a lock dies with its TTL whatever else happens;
 * - the holder is a session: only that session refreshes it, and a lock whose session no longer
 *   exists (ended, cut by the kill switch, expired idle) counts as free and is taken over — so a lock
 *   outlives its holder's session by at most nothing, and its TTL by nothing;
 * - when a session ends, the locks it recorded in `wallet:session-locks:<session>` (as
 *   `<tenant>:<resource>`) are released,
 *   each only if that session still holds it;
 * - `wallet:locks:<tenant>` (resource → expiry) only indexes what lock_list shows; the lock keys stay
 *   the truth, so a stale index entry is dropped when read.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DomainError } from '@portcullis/domain';
import type { WalletKeys, WalletLock, WalletSession } from '@portcullis/contracts';

export const LOCK_TTL = { defaultSeconds: 300, minSeconds: 5, maxSeconds: 3600 } as const;

/** Set the lock unless another session holds it; returns nil when set, else the holder's JSON. */
const ACQUIRE = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local c = cjson.decode(cur)
  if c.sessionId ~= ARGV[2] then return cur end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return false`;

/** Delete the lock if `ARGV[1]` (a session id) holds it, or — with ARGV[3] = 'agent' — if agent ARGV[2] does. {1} released, {0} not held, {2, holder} someone else's. */
const RELEASE = `
local cur = redis.call('GET', KEYS[1])
if not cur then return {0} end
local c = cjson.decode(cur)
if c.sessionId == ARGV[1] or (ARGV[3] == 'agent' and c.agentId == ARGV[2]) then
  redis.call('DEL', KEYS[1])
  return {1}
end
return {2, cur}`;

export type AcquireResult = { acquired: true; lock: WalletLock } | { acquired: false; holder: WalletLock };
export type ReleaseResult = { released: true } | { released: false; holder: WalletLock | null };

/** A session's lock-list entry: the tenant travels with the resource (the session record may be gone). */
const member = (tenantId: string, resource: string): string => `${tenantId}:${resource}`;
const hashResource = (resource: string): string => createHash('sha256').update(resource).digest('hex');

export class WalletLocks {
  constructor(
    private readonly redis: Redis,
    private readonly keys: WalletKeys,
    /** How long a session's lock list is kept: the longest a session can idle plus the longest TTL. */
    private readonly sessionListTtlMs: number,
  ) {}

  async acquire(session: WalletSession, agentName: string, resource: string, ttlSeconds: number): Promise<AcquireResult> {
    const key = this.keys.lock(session.tenantId, hashResource(resource));
    const now = Date.now();
    const lock: WalletLock = {
      resource,
      tenantId: session.tenantId,
      agentId: session.agentId,
      agentName,
      sessionId: session.id,
      userId: session.userId,
      acquiredAt: new Date(now).toISOString(),
      expiresAt: new Date(now + ttlSeconds * 1000).toISOString(),
    };
    for (let attempt = 0; attempt < 2; attempt++) {
      const held = (await this.run(() => this.redis.eval(ACQUIRE, 1, key, JSON.stringify(lock), session.id, String(ttlSeconds * 1000)))) as
        string | null;
      if (held === null) {
        await this.run(() =>
          Promise.all([
            this.redis.zadd(this.keys.lockIndex(session.tenantId), now + ttlSeconds * 1000, resource),
            this.redis
              .sadd(this.keys.sessionLocks(session.id), member(session.tenantId, resource))
              .then(() => this.redis.pexpire(this.keys.sessionLocks(session.id), this.sessionListTtlMs)),
          ]),
        );
        return { acquired: true, lock };
      }
      const holder = JSON.parse(held) as WalletLock;
      if (await this.sessionAlive(holder.sessionId)) return { acquired: false, holder };
      // The holder's session is gone: its lock is free. Release it (only if still that session's) and retry.
      await this.run(() => this.redis.eval(RELEASE, 1, key, holder.sessionId, holder.agentId, 'session'));
    }
    throw new DomainError('conflict', `the lock on "${resource}" changed hands while acquiring it; try again`);
  }

  /** Releases the lock if this session holds it, or another session of the same agent does. */
  async release(session: WalletSession, resource: string): Promise<ReleaseResult> {
    const key = this.keys.lock(session.tenantId, hashResource(resource));
    const r = (await this.run(() => this.redis.eval(RELEASE, 1, key, session.id, session.agentId, 'agent'))) as [number, string?];
    if (r[0] === 1) {
      await this.run(() =>
        Promise.all([
          this.redis.zrem(this.keys.lockIndex(session.tenantId), resource),
          this.redis.srem(this.keys.sessionLocks(session.id), member(session.tenantId, resource)),
        ]),
      );
      return { released: true };
    }
    if (r[0] === 2) {
      const holder = JSON.parse(r[1]!) as WalletLock;
      if (await this.sessionAlive(holder.sessionId)) return { released: false, holder };
      await this.releaseFor(holder.sessionId, holder.tenantId, resource);
    }
    return { released: false, holder: null };
  }

  /** The tenant's live locks, oldest expiry first; stale index entries are dropped on the way. */
  async list(tenantId: string, prefix?: string): Promise<WalletLock[]> {
    const index = this.keys.lockIndex(tenantId);
    const now = Date.now();
    await this.run(() => this.redis.zremrangebyscore(index, '-inf', String(now)));
    const resources = (await this.run(() => this.redis.zrange(index, '0', '499'))).filter(
      (r) => prefix === undefined || r.startsWith(prefix),
    );
    const values = await this.run(() => Promise.all(resources.map((r) => this.redis.get(this.keys.lock(tenantId, hashResource(r))))));
    const out: WalletLock[] = [];
    await Promise.all(
      resources.map(async (resource, i) => {
        const raw = values[i];
        const lock = raw ? (JSON.parse(raw) as WalletLock) : null;
        if (lock && (await this.sessionAlive(lock.sessionId))) out.push(lock);
        else if (lock) await this.releaseFor(lock.sessionId, tenantId, resource);
        else await this.run(() => this.redis.zrem(index, resource));
      }),
    );
    return out.sort((a, b) => a.expiresAt.localeCompare(b.expiresAt));
  }

  /** Everything a session held, released: it ended, was closed, or its agent was cut. */
  async releaseSession(sessionId: string): Promise<number> {
    const setKey = this.keys.sessionLocks(sessionId);
    const members = await this.run(() => this.redis.smembers(setKey));
    // member = `<tenantId>:<resource>`; a tenant id is a uuid (36 characters, no colon)
    const released = await Promise.all(members.map((m) => this.releaseFor(sessionId, m.slice(0, 36), m.slice(37))));
    await this.run(() => this.redis.del(setKey));
    return released.filter(Boolean).length;
  }

  private async releaseFor(sessionId: string, tenantId: string, resource: string): Promise<boolean> {
    const r = (await this.run(() =>
      this.redis.eval(RELEASE, 1, this.keys.lock(tenantId, hashResource(resource)), sessionId, '', 'session'),
    )) as [number];
    if (r[0] === 1) await this.run(() => this.redis.zrem(this.keys.lockIndex(tenantId), resource));
    return r[0] === 1;
  }

  private async sessionAlive(sessionId: string): Promise<boolean> {
    return (await this.run(() => this.redis.exists(this.keys.session(sessionId)))) === 1;
  }

  /** Redis unreachable: a lock cannot be confirmed either way, so the call fails (503) rather than guess. */
  private async run<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch {
      throw new DomainError('unavailable', 'locks cannot be reached right now; try again shortly');
    }
  }
}
