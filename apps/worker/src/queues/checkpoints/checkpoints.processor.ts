/**
 * Signs each tenant's chain heads (Ed25519, libs/domain `checkpointSigner`) every
 * PORTCULLIS_CHECKPOINT_INTERVAL_SECONDS. A BullMQ job scheduler fires the job, so with any number of
 * worker processes each interval is signed once. A tenant whose heads have not moved since its last
 * checkpoint gets no new one. The public key is written to `checkpoint_keys` at start, where the
 * control plane publishes it.
 */
import { Queue, Worker } from 'bullmq';
import { Counter } from 'prom-client';
import type { Pool } from 'pg';
import { canonicalJson, checkpointSigner, parseKey, type CheckpointHead, type CheckpointSigner } from '@portcullis/domain';
import type { RunningProcessor, WorkerContext } from '../../context.js';

/** Only the worker produces and consumes this queue, so its name lives here. */
export const CHECKPOINT_QUEUE = 'checkpoints';

export async function publishKey(pg: Pool, signer: CheckpointSigner): Promise<void> {
  await pg.query('INSERT INTO checkpoint_keys (key_id, public_key) VALUES ($1, $2) ON CONFLICT (key_id) DO NOTHING', [
    signer.keyId,
    signer.publicKey,
  ]);
}

/** Signs a checkpoint for every tenant whose heads moved; returns how many were written. */
export async function signCheckpoints(pg: Pool, signer: CheckpointSigner, now = new Date()): Promise<number> {
  const heads = await pg.query<{ tenant_id: string; agent_id: string; seq: number; state_hash: string }>(
    'SELECT tenant_id, agent_id, seq, state_hash FROM chain_heads WHERE seq > 0 ORDER BY tenant_id, agent_id',
  );
  const byTenant = new Map<string, CheckpointHead[]>();
  for (const r of heads.rows) {
    const list = byTenant.get(r.tenant_id) ?? [];
    list.push({ agentId: r.agent_id, seq: r.seq, stateHash: r.state_hash });
    byTenant.set(r.tenant_id, list);
  }
  const latest = await pg.query<{ tenant_id: string; body: string }>(
    'SELECT DISTINCT ON (tenant_id) tenant_id, body FROM checkpoints ORDER BY tenant_id, created_at DESC',
  );
  const lastHeads = new Map(latest.rows.map((r) => [r.tenant_id, canonicalJson((JSON.parse(r.body) as { heads: unknown }).heads)]));
  let written = 0;
  for (const [tenantId, list] of byTenant) {
    if (lastHeads.get(tenantId) === canonicalJson(list)) continue;
    const cp = signer.sign({ tenantId, createdAt: now.toISOString(), heads: list });
    const { signature, ...body } = cp;
    await pg.query(
      'INSERT INTO checkpoints (id, tenant_id, body, signature, key_id, created_at) VALUES (gen_random_uuid(), $1, $2, $3, $4, $5)',
      [tenantId, canonicalJson(body), signature, cp.keyId, now],
    );
    written++;
  }
  return written;
}

export async function startCheckpointsProcessor(ctx: WorkerContext): Promise<RunningProcessor> {
  if (!ctx.config.checkpointKey) {
    ctx.logger.warn('PORTCULLIS_CHECKPOINT_KEY is not set: no checkpoints will be signed');
    return { name: CHECKPOINT_QUEUE, close: () => Promise.resolve() };
  }
  const signer = checkpointSigner(parseKey(ctx.config.checkpointKey));
  await publishKey(ctx.pg, signer);
  const signed = new Counter({
    name: 'portcullis_worker_checkpoints_signed_total',
    help: 'Tenant checkpoints signed',
    registers: [ctx.registry],
  });

  const queue = new Queue(CHECKPOINT_QUEUE, { connection: ctx.redis, prefix: ctx.queuePrefix });
  await queue.upsertJobScheduler('sign-heads', { every: ctx.config.checkpointIntervalSeconds * 1000 }, { name: 'sign-heads' });
  const worker = new Worker(
    CHECKPOINT_QUEUE,
    async () => {
      const n = await signCheckpoints(ctx.pg, signer);
      signed.inc(n);
      if (n) ctx.logger.info({ tenants: n, keyId: signer.keyId }, 'checkpoints signed');
      return { tenants: n };
    },
    { connection: ctx.redis, prefix: ctx.queuePrefix, concurrency: 1, removeOnComplete: { count: 10 }, removeOnFail: { count: 100 } },
  );
  worker.on('error', (err) => ctx.logger.error({ err: err.message }, 'checkpoints worker error'));
  ctx.logger.info(
    { keyId: signer.keyId, publicKey: signer.publicKey, everySeconds: ctx.config.checkpointIntervalSeconds },
    'checkpoint signing on',
  );
  return {
    name: CHECKPOINT_QUEUE,
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
