/**
 * Appending stamp events to agent chains, one Postgres transaction per batch.
 *
 * Invariants, for any number of worker processes:
 * - gap-free and ordered: every append happens while holding the agent's chain_heads row
 *   (SELECT … FOR UPDATE); the new entries extend exactly the locked head, and the head moves in the
 *   same transaction. Heads are created and locked in agent-id order, so two batches that share
 *   agents cannot deadlock on each other.
 * - idempotent: under that lock, request ids already on the chain are skipped (and repeats inside
 *   one batch are kept once); the unique (agent_id, request_id) index is the backstop.
 * - events are hashed generically (libs/domain chain rule): only agentId, tenantId, requestId and
 *   type are read here.
 */
import type { PoolClient } from 'pg';
import { canonicalJson, chainGenesis, stateHash } from '@portcullis/domain';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface StampInput {
  agentId: string;
  tenantId: string;
  requestId: string;
  type: string;
  canonical: string;
}

export type AppendOutcome =
  | { kind: 'appended'; seq: number; stateHash: string }
  | { kind: 'duplicate' }
  /** Never appendable, whatever happens to Postgres: the job is failed for a person to look at. */
  | { kind: 'rejected'; reason: string };

/** Checks the fields the chain needs; returns the reason an event can never be appended, or the input. */
export function toStampInput(data: unknown): StampInput | string {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'event is not an object';
  const e = data as Record<string, unknown>;
  if (typeof e.agentId !== 'string' || !UUID.test(e.agentId)) return 'agentId is not a uuid';
  if (typeof e.tenantId !== 'string' || !UUID.test(e.tenantId)) return 'tenantId is not a uuid';
  if (typeof e.requestId !== 'string' || e.requestId.length < 1 || e.requestId.length > 200) return 'requestId must be 1-200 characters';
  if (typeof e.type !== 'string' || !/^[a-z_]{1,40}$/.test(e.type)) return 'type is missing';
  let canonical: string;
  try {
    canonical = canonicalJson(e);
  } catch (err) {
    return `event is not canonical JSON: ${(err as Error).message}`;
  }
  return { agentId: e.agentId.toLowerCase(), tenantId: e.tenantId.toLowerCase(), requestId: e.requestId, type: e.type, canonical };
}

/** Appends a batch; outcomes are index-aligned with `inputs`. Throws only on database errors (retryable). */
export async function appendBatch(client: PoolClient, inputs: readonly StampInput[]): Promise<AppendOutcome[]> {
  const outcomes: AppendOutcome[] = new Array<AppendOutcome>(inputs.length);
  const byAgent = new Map<string, number[]>();
  inputs.forEach((s, i) => {
    const list = byAgent.get(s.agentId);
    if (list) list.push(i);
    else byAgent.set(s.agentId, [i]);
  });
  const agents = [...byAgent.keys()].sort();

  await client.query('BEGIN');
  try {
    await client.query(
      `INSERT INTO chain_heads (agent_id, tenant_id, seq, state_hash)
       SELECT a, t, 0, g FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS u(a, t, g)
       ON CONFLICT (agent_id) DO NOTHING`,
      [agents, agents.map((a) => inputs[byAgent.get(a)![0]!]!.tenantId), agents.map(chainGenesis)],
    );
    const heads = await client.query<{ agent_id: string; tenant_id: string; seq: number; state_hash: string }>(
      'SELECT agent_id, tenant_id, seq, state_hash FROM chain_heads WHERE agent_id = ANY($1::uuid[]) ORDER BY agent_id FOR UPDATE',
      [agents],
    );
    const seen = await client.query<{ agent_id: string; request_id: string }>(
      `SELECT s.agent_id, s.request_id FROM stamps s
       JOIN unnest($1::uuid[], $2::text[]) AS u(a, r) ON s.agent_id = u.a AND s.request_id = u.r`,
      [inputs.map((s) => s.agentId), inputs.map((s) => s.requestId)],
    );
    const onChain = new Set(seen.rows.map((r) => `${r.agent_id} ${r.request_id}`));

    // One JSON parameter for all rows: JSON.stringify is native, where pg escapes text[] elements in JS.
    const rows: { a: string; s: number; t: string; r: string; y: string; e: string; p: string; h: string }[] = [];
    const newHeads = { agent: [] as string[], seq: [] as number[], state: [] as string[] };
    for (const head of heads.rows) {
      const accepted: number[] = [];
      for (const i of byAgent.get(head.agent_id) ?? []) {
        const s = inputs[i]!;
        const key = `${s.agentId} ${s.requestId}`;
        if (s.tenantId !== head.tenant_id)
          outcomes[i] = { kind: 'rejected', reason: 'tenantId differs from the tenant of the agent chain' };
        else if (onChain.has(key)) outcomes[i] = { kind: 'duplicate' };
        else {
          onChain.add(key);
          accepted.push(i);
        }
      }
      if (!accepted.length) continue;
      let prev = { seq: head.seq, stateHash: head.state_hash };
      for (const i of accepted) {
        const s = inputs[i]!;
        const e = { seq: prev.seq + 1, event: s.canonical, prevHash: prev.stateHash, stateHash: stateHash(prev.stateHash, s.canonical) };
        prev = e;
        rows.push({ a: s.agentId, s: e.seq, t: s.tenantId, r: s.requestId, y: s.type, e: e.event, p: e.prevHash, h: e.stateHash });
        outcomes[i] = { kind: 'appended', seq: e.seq, stateHash: e.stateHash };
      }
      newHeads.agent.push(head.agent_id);
      newHeads.seq.push(prev.seq);
      newHeads.state.push(prev.stateHash);
    }
    if (rows.length) {
      await client.query(
        `INSERT INTO stamps (agent_id, seq, tenant_id, request_id, event_type, event, prev_hash, state_hash)
         SELECT a, s, t, r, y, e, p, h FROM json_to_recordset($1::json)
           AS x(a uuid, s int, t uuid, r text, y text, e text, p text, h text)`,
        [JSON.stringify(rows)],
      );
      await client.query(
        `UPDATE chain_heads h SET seq = u.seq, state_hash = u.state_hash, updated_at = now()
         FROM unnest($1::uuid[], $2::int[], $3::text[]) AS u(agent_id, seq, state_hash) WHERE h.agent_id = u.agent_id`,
        [newHeads.agent, newHeads.seq, newHeads.state],
      );
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
  return outcomes;
}
