/**
 * Wallet sessions and locks against the run's real Redis: one holder at a time with a clear holder,
 * refresh by the holding session only, TTL expiry, a lock never outliving its holder's session, and a
 * session's end (or its agent's kill switch) releasing what it held.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { walletKeys, type AgentSnapshot } from '@portcullis/contracts';
import { testServices } from '@portcullis/testing';
import type { CompiledAgent } from '../src/config-cache/config-cache.js';
import { WalletLocks } from '../src/wallet/locks.js';
import { WalletSessions } from '../src/wallet/sessions.js';
import type { WalletPrincipal } from '../src/wallet/wallet-auth.js';

const redis = new Redis(testServices().redisUrl, { enableOfflineQueue: true, maxRetriesPerRequest: 1 });
const keys = walletKeys(`${testServices().redisPrefix}-wallet-${randomBytes(3).toString('hex')}`);
const locks = new WalletLocks(redis, keys, 60_000);
const sessions = new WalletSessions(redis, keys, locks, 30_000);
const tenantId = randomUUID();
afterAll(() => redis.disconnect());

const principal = (agentId = randomUUID()): WalletPrincipal => ({
  agent: { snapshot: { id: agentId, tenantId, name: `agent-${agentId.slice(0, 4)}` } as AgentSnapshot } as CompiledAgent,
  tenantId,
  user: null,
  authKind: 'runtime_token',
});

describe('wallet locks', () => {
  it('gives a resource to one session at a time and names the holder to everyone else', async () => {
    const a = await sessions.create(principal(), 'streamable_http');
    const b = await sessions.create(principal(), 'sse');
    const first = await locks.acquire(a, 'alpha', 'src/a.ts', 60);
    expect(first).toMatchObject({ acquired: true, lock: { agentId: a.agentId, sessionId: a.id, resource: 'src/a.ts' } });
    const second = await locks.acquire(b, 'beta', 'src/a.ts', 60);
    expect(second).toMatchObject({ acquired: false, holder: { agentId: a.agentId, agentName: 'alpha' } });
    expect(await locks.release(b, 'src/a.ts')).toMatchObject({ released: false, holder: { agentId: a.agentId } });
    // the holder refreshes; another session of the same agent is still "someone else" for acquiring
    expect((await locks.acquire(a, 'alpha', 'src/a.ts', 120)).acquired).toBe(true);
    const twin = await sessions.create({ ...principal(a.agentId) }, 'sse');
    expect((await locks.acquire(twin, 'alpha', 'src/a.ts', 60)).acquired).toBe(false);
    expect((await locks.list(tenantId, 'src/')).map((l) => l.resource)).toContain('src/a.ts');
    expect(await locks.release(a, 'src/a.ts')).toEqual({ released: true });
    expect(await locks.release(a, 'src/a.ts')).toEqual({ released: false, holder: null });
    expect((await locks.acquire(b, 'beta', 'src/a.ts', 60)).acquired).toBe(true);
    expect((await locks.list(tenantId)).find((l) => l.resource === 'src/a.ts')).toMatchObject({ agentId: b.agentId });
  });

  it('frees a lock when its TTL runs out', async () => {
    const a = await sessions.create(principal(), 'streamable_http');
    const b = await sessions.create(principal(), 'streamable_http');
    expect((await locks.acquire(a, 'alpha', 'ttl/x', 5)).acquired).toBe(true);
    // shorten the TTL rather than wait 5 s
    await redis.pexpire(keys.lock(tenantId, createHash('sha256').update('ttl/x').digest('hex')), 50);
    await new Promise((r) => setTimeout(r, 120));
    expect((await locks.acquire(b, 'beta', 'ttl/x', 5)).acquired).toBe(true);
  });

  it('never lets a lock outlive its session: ended, expired, or cut with its agent', async () => {
    const a = await sessions.create(principal(), 'sse');
    const b = await sessions.create(principal(), 'sse');
    await locks.acquire(a, 'alpha', 'end/1', 3600);
    await locks.acquire(a, 'alpha', 'end/2', 3600);
    expect(await sessions.end(a.id, a.agentId)).toBe(true);
    expect((await locks.list(tenantId, 'end/')).length).toBe(0);
    expect((await locks.acquire(b, 'beta', 'end/1', 60)).acquired).toBe(true);

    // a session that vanished without ending (idle expiry): its lock is free to the next taker
    const c = await sessions.create(principal(), 'streamable_http');
    await locks.acquire(c, 'gamma', 'idle/1', 3600);
    await redis.del(keys.session(c.id));
    expect((await locks.list(tenantId, 'idle/')).length).toBe(0);
    expect((await locks.acquire(b, 'beta', 'idle/1', 60)).acquired).toBe(true);

    // the kill switch ends every session of the agent, wherever it was opened
    const d = principal();
    const d1 = await sessions.create(d, 'sse');
    const d2 = await sessions.create(d, 'streamable_http');
    await locks.acquire(d1, 'delta', 'cut/1', 3600);
    await locks.acquire(d2, 'delta', 'cut/2', 3600);
    expect(await sessions.endAgent(d.agent.snapshot.id)).toBe(2);
    expect(await sessions.get(d1.id)).toBeNull();
    expect(await sessions.get(d2.id)).toBeNull();
    expect((await locks.list(tenantId, 'cut/')).length).toBe(0);
  });
});
