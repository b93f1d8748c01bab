/**
 * Admin actions on agents go on their chains through the same `stamps` queue the proxy uses, by way of
 * an outbox: right after a change commits, its stamp event is written to `audit_outbox` in Postgres
 * (which just accepted the change, so it is up); the worker relays outbox rows to the queue and deletes
 * them in one transaction, retrying while Redis is away. So an admin request never waits on Redis for
 * its stamp, and a Redis outage loses nothing. The request fails with 503 only if the outbox write
 * itself fails. (The outbox row is written just after the change's own transaction, not inside it: a
 * crash between the two statements is the one remaining window.)
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AdminStampEvent } from '@portcullis/contracts';
import type { PrismaClient } from '@portcullis/db';
import { DomainError } from '@portcullis/domain';
import { LOGGER } from '../common/logger.provider.js';
import type { Actor } from '../common/auth/principal.js';
import { InjectPrisma } from '../infra/tokens.js';

export type AdminAction = AdminStampEvent['action'];

@Injectable()
export class AuditEventsProducer {
  constructor(
    @InjectPrisma() private readonly prisma: PrismaClient,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Records one action for each listed agent's chain. Request id = the action's own id, so a relay replay adds nothing. */
  async stamp(principal: Actor, agentIds: readonly string[], action: AdminAction, changes?: string[], mcpServerId?: string): Promise<void> {
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
      ...(mcpServerId ? { mcpServerId } : {}),
    }));
    try {
      await this.prisma.auditOutbox.createMany({ data: events.map((e) => ({ event: JSON.stringify(e) })) });
    } catch (err) {
      this.logger.error(
        { err: (err as Error).message, action, actor: principal.label, tenantId: principal.tenantId, agentIds },
        'admin audit stamp could not be recorded',
      );
      throw new DomainError('unavailable', `the change was saved, but its audit stamp could not be recorded (${action}); retry later`);
    }
  }
}
