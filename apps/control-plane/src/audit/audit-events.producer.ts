/**
 * Admin actions on agents go on their chains through the same `stamps` queue the proxy uses, by way of
 * a transactional outbox: a change's stamp events are written to `audit_outbox` inside the change's own
 * Postgres transaction, so the change and its stamp commit together or not at all; the worker relays
 * outbox rows to the queue and deletes them in one transaction, retrying while Redis is away. An admin
 * request never waits on Redis for its stamp, and neither a Redis outage nor a crash at any point
 * loses one.
 */
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { AdminStampEvent } from '@portcullis/contracts';
import type { Prisma } from '@portcullis/db';
import type { Actor } from '../common/auth/principal.js';

export type AdminAction = AdminStampEvent['action'];

/** A Prisma transaction the change runs in; the outbox rows join it. */
export type Tx = Prisma.TransactionClient;

@Injectable()
export class AuditEventsProducer {
  /**
   * Records one action for each listed agent's chain, inside `tx`. Request id = the action's own id,
   * so a relay replay adds nothing.
   */
  async record(
    tx: Tx,
    principal: Actor,
    agentIds: readonly string[],
    action: AdminAction,
    changes?: string[],
    mcpServerId?: string,
  ): Promise<void> {
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
    await tx.auditOutbox.createMany({ data: events.map((e) => ({ event: JSON.stringify(e) })) });
  }
}
