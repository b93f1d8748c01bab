/**
 * Wallet sessions live in Redis, so any proxy pod can serve any Streamable HTTP request of a session
 * (the SDK transport is built per request; the session id, agent, end user and transport come from
 * here). A session expires after `idleMs` without a request; ending it (DELETE, the SSE stream closing,
 * the kill switch) deletes the record and releases its locks. A session that cannot be looked up
 * (Redis away) is a 503: never served on a guess.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DomainError } from '@portcullis/domain';
import type { WalletKeys, WalletSession, WalletTransport } from '@portcullis/contracts';
import type { WalletLocks } from './locks.js';
import type { WalletPrincipal } from './wallet-auth.js';

export class WalletSessions {
  constructor(
    private readonly redis: Redis,
    private readonly keys: WalletKeys,
    private readonly locks: WalletLocks,
    readonly idleMs: number,
  ) {}

  async create(p: WalletPrincipal, transport: WalletTransport, id: string = randomUUID()): Promise<WalletSession> {
    const session: WalletSession = {
      id,
      tenantId: p.tenantId,
      agentId: p.agent.snapshot.id,
      userId: p.user?.id ?? null,
      email: p.user?.email ?? null,
      roles: p.user?.roles ?? [],
      authKind: p.authKind,
      transport,
      createdAt: new Date().toISOString(),
    };
    await this.run(async () => {
      await this.redis.set(this.keys.session(id), JSON.stringify(session), 'PX', this.idleMs);
      await this.redis.sadd(this.keys.agentSessions(session.agentId), id);
      await this.redis.pexpire(this.keys.agentSessions(session.agentId), this.idleMs * 2);
    });
    return session;
  }

  async get(id: string): Promise<WalletSession | null> {
    const raw = await this.run(() => this.redis.get(this.keys.session(id)));
    return raw === null ? null : (JSON.parse(raw) as WalletSession);
  }

  /** A request arrived: the session lives another `idleMs`. */
  async touch(s: WalletSession): Promise<void> {
    await this.run(() =>
      Promise.all([
        this.redis.pexpire(this.keys.session(s.id), this.idleMs),
        this.redis.pexpire(this.keys.agentSessions(s.agentId), this.idleMs * 2),
      ]),
    );
  }

  async update(s: WalletSession): Promise<void> {
    await this.run(() => this.redis.set(this.keys.session(s.id), JSON.stringify(s), 'PX', this.idleMs));
  }

  /** Deletes the session and releases its locks; true when it still existed. */
  async end(id: string, agentId: string): Promise<boolean> {
    const existed = (await this.run(() => this.redis.del(this.keys.session(id)))) === 1;
    await this.locks.releaseSession(id);
    await this.run(() => this.redis.srem(this.keys.agentSessions(agentId), id));
    return existed;
  }

  /** Ends every session of the agent, on every pod's behalf (the kill switch). */
  async endAgent(agentId: string): Promise<number> {
    const ids = await this.run(() => this.redis.smembers(this.keys.agentSessions(agentId)));
    const ended = await Promise.all(ids.map((id) => this.end(id, agentId)));
    return ended.filter(Boolean).length;
  }

  private async run<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch {
      throw new DomainError('unavailable', 'wallet sessions cannot be confirmed right now; try again shortly');
    }
  }
}
