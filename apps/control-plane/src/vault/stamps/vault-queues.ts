/**
 * The control plane's two BullMQ producers for the vault, under the shared hash-tagged prefix:
 * - `stamps`: one VaultStampEvent per action of an AppRole bound to an agent (the worker appends it
 *   to that agent's chain); job ids are fresh uuids, never the caller's request id, so a caller
 *   cannot make an action's stamp collide with another and be dropped as a duplicate;
 * - `leases`: one delayed job per lease, due when it ends (the worker marks it expired);
 * - `patterns`: one ProxyPatternEvent per proxy call (the worker aggregates learned call patterns);
 * - `dynamic-leases`: one delayed job per dynamic credential, due when it ends (the worker revokes it).
 */
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DomainError } from '@portcullis/domain';
import {
  QUEUES,
  queuePrefix,
  type DynamicLeaseExpiryJob,
  type LeaseExpiryJob,
  type ProxyPatternEvent,
  type VaultStampEvent,
} from '@portcullis/contracts';
import { InjectConfig, type Config } from '../../common/config.js';
import { LOGGER } from '../../common/logger.provider.js';
import { REDIS } from '../../infra/tokens.js';
import type { VaultPrincipal } from '../auth/vault-principal.js';

export const leaseJobId = (leaseId: string): string => `lease-${leaseId}`;
export const dynamicLeaseJobId = (leaseId: string): string => `dynamic-lease-${leaseId}`;

@Injectable()
export class VaultQueues implements OnModuleDestroy {
  private readonly stamps: Queue<VaultStampEvent>;
  private readonly leases: Queue<LeaseExpiryJob>;
  private readonly patterns: Queue<ProxyPatternEvent>;
  private readonly dynamicLeases: Queue<DynamicLeaseExpiryJob>;

  constructor(
    @Inject(REDIS) redis: Redis,
    @InjectConfig() config: Config,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const opts = { connection: redis, prefix: queuePrefix(config.redisPrefix) };
    this.stamps = new Queue<VaultStampEvent>(QUEUES.stamps, opts);
    this.leases = new Queue<LeaseExpiryJob>(QUEUES.leases, opts);
    this.patterns = new Queue<ProxyPatternEvent>(QUEUES.patterns, opts);
    this.dynamicLeases = new Queue<DynamicLeaseExpiryJob>(QUEUES.dynamicLeases, opts);
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([this.stamps.close(), this.leases.close(), this.patterns.close(), this.dynamicLeases.close()]);
  }

  /**
   * Stamps an action when the caller is an AppRole bound to an agent. Awaited before the response
   * is sent: if the stamp cannot be queued the caller gets a 503, not an unaudited answer.
   */
  async stamp(
    p: VaultPrincipal | undefined,
    action: string,
    path: string | null,
    requestId: string,
    request?: VaultStampEvent['request'],
    tool?: string,
  ): Promise<void> {
    if (!p || p.source !== 'approle' || !p.agentId) return;
    const event: VaultStampEvent = {
      type: 'vault',
      requestId,
      tenantId: p.tenantId,
      agentId: p.agentId,
      approleId: p.approleId,
      action,
      path,
      at: new Date().toISOString(),
      ...(request ? { request } : {}),
      ...(tool ? { tool } : {}),
    };
    try {
      await this.stamps.add('vault', event, {
        jobId: `vault-${randomUUID()}`,
        attempts: 25,
        backoff: { type: 'exponential', delay: 500 },
        removeOnComplete: true,
        removeOnFail: false,
      });
    } catch (err) {
      this.logger.error({ request_id: requestId, err: (err as Error).message }, 'vault stamp could not be queued');
      throw new DomainError('unavailable', 'the audit queue is unreachable, so the vault refuses to act unaudited: retry shortly');
    }
  }

  /**
   * Runs one vault action and stamps it: `action` once it succeeded, `<action>.denied` when a policy
   * refused it (403). The one rule for REST routes (VaultStampInterceptor) and MCP tools alike. `what`
   * is read after `run`, because a handler may learn the caller (login) or the exact action on the way.
   */
  async audited<T>(
    what: () => { p: VaultPrincipal | undefined; action: string; path: string | null },
    requestId: string,
    run: () => Promise<T>,
    tool?: string,
  ): Promise<T> {
    let result: T;
    try {
      result = await run();
    } catch (err) {
      if (err instanceof DomainError && err.code === 'forbidden') {
        const w = what();
        await this.stamp(w.p, `${w.action}.denied`, w.path, requestId, undefined, tool);
      }
      throw err;
    }
    const w = what();
    await this.stamp(w.p, w.action, w.path, requestId, undefined, tool);
    return result;
  }

  /** Schedules the lease's expiry job. Time already bounds the lease, so a failure here is logged, not fatal. */
  async scheduleExpiry(job: LeaseExpiryJob, expiresAt: Date): Promise<void> {
    try {
      await this.leases.add('expire', job, {
        jobId: leaseJobId(job.leaseId),
        delay: Math.max(0, expiresAt.getTime() - Date.now()),
        attempts: 10,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: true,
        removeOnFail: false,
      });
    } catch (err) {
      this.logger.error({ lease_id: job.leaseId, err: (err as Error).message }, 'lease expiry job could not be queued');
    }
  }

  /** Drops the expiry job of a lease revoked early (best effort: the worker ignores ended leases). */
  async cancelExpiry(leaseId: string): Promise<void> {
    try {
      await this.leases.remove(leaseJobId(leaseId));
    } catch (err) {
      this.logger.warn({ lease_id: leaseId, err: (err as Error).message }, 'lease expiry job could not be removed');
    }
  }

  /** Queues a proxy call's shape for the pattern aggregator. Off the request path; a failure is logged only. */
  recordPattern(event: ProxyPatternEvent): void {
    this.patterns
      .add('pattern', event, {
        jobId: `pattern-${randomUUID()}`,
        attempts: 5,
        backoff: { type: 'exponential', delay: 500 },
        removeOnComplete: true,
        removeOnFail: 1000,
      })
      .catch((err: Error) => this.logger.warn({ err: err.message }, 'proxy pattern event could not be queued'));
  }

  /**
   * Schedules the revocation of a dynamic credential. Unlike a static lease, time alone does not end
   * the credential at the provider, so a failure here is an error the caller hears (the checkout
   * is undone by the service).
   */
  async scheduleDynamicExpiry(job: DynamicLeaseExpiryJob, expiresAt: Date): Promise<void> {
    await this.dynamicLeases.add('revoke', job, {
      jobId: dynamicLeaseJobId(job.leaseId),
      delay: Math.max(0, expiresAt.getTime() - Date.now()),
      attempts: 50,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: true,
      removeOnFail: false,
    });
  }

  async cancelDynamicExpiry(leaseId: string): Promise<void> {
    try {
      await this.dynamicLeases.remove(dynamicLeaseJobId(leaseId));
    } catch (err) {
      this.logger.warn({ lease_id: leaseId, err: (err as Error).message }, 'dynamic lease expiry job could not be removed');
    }
  }
}
