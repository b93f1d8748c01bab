/**
 * Puts admin actions on agents' chains through the same `stamps` queue the proxy uses, so the worker
 * is the one writer of every chain. Called after the change has committed.
 *
 * Redis down: each enqueue is retried (bounded, about 3 s in all) and then the request fails with 503
 * "change saved, stamp not queued" and an error log naming the agent, action and actor; it is never
 * dropped silently. (A transactional outbox drained by the worker would close that window entirely;
 * it is not built yet.) Job id = the action's own id, so a retried enqueue cannot add a second job.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { QUEUES, queuePrefix, type AdminStampEvent } from '@portcullis/contracts';
import { DomainError } from '@portcullis/domain';
import { InjectConfig, type Config } from '../common/config.js';
import { LOGGER } from '../common/logger.provider.js';
import type { TenantPrincipal } from '../common/auth/principal.js';

export type AdminAction = AdminStampEvent['action'];

const ATTEMPTS = 4;
const ATTEMPT_TIMEOUT_MS = 600;

@Injectable()
export class AuditEventsProducer implements OnApplicationShutdown {
  private readonly queue: Queue;

  constructor(
    @InjectConfig() config: Config,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.queue = new Queue(QUEUES.stamps, {
      prefix: queuePrefix(config.redisPrefix),
      // Fail each command fast so the retry loop below, not ioredis, decides how long to wait.
      connection: { url: config.redisUrl, maxRetriesPerRequest: 1 },
    });
    this.queue.on('error', (err: Error) => this.logger.warn({ err: err.message }, 'audit queue connection error'));
  }

  /** Stamps one action on each listed agent's chain. */
  async stamp(principal: TenantPrincipal, agentIds: readonly string[], action: AdminAction, changes?: string[]): Promise<void> {
    if (!agentIds.length) return;
    const at = new Date().toISOString();
    const events: AdminStampEvent[] = agentIds.map((agentId) => ({
      type: 'admin',
      requestId: randomUUID(),
      tenantId: principal.tenantId,
      agentId,
      action,
      actor: principal.label,
      at,
      ...(changes?.length ? { changes } : {}),
    }));
    const jobs = events.map((data) => ({ name: 'admin', data, opts: { jobId: data.requestId, removeOnComplete: true } }));
    for (let attempt = 1; ; attempt++) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          this.queue.addBulk(jobs),
          new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('enqueue timed out')), ATTEMPT_TIMEOUT_MS))),
        ]);
        return;
      } catch (err) {
        if (attempt >= ATTEMPTS) {
          this.logger.error(
            { err: (err as Error).message, action, actor: principal.label, tenantId: principal.tenantId, agentIds, requestIds: events.map((e) => e.requestId) },
            'admin audit stamp could not be queued',
          );
          throw new DomainError('unavailable', `the change was saved, but its audit stamp could not be queued (${action}); retry when the queue is back`);
        }
        await sleep(100 * 3 ** (attempt - 1));
      } finally {
        clearTimeout(timer);
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
