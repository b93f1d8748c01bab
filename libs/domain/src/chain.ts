/**
 * The audit chain: one append-only hash chain per agent.
 *
 *   genesis(agent)   = SHA-256("portcullis/chain/v1/genesis:" ‖ agentId)       (agent id as UTF-8)
 *   entry n          = { seq: n, event: canonical(event), prev_hash, state_hash }, n = 1, 2, 3, …
 *   prev_hash(1)     = genesis(agent);  prev_hash(n) = state_hash(n − 1)
 *   state_hash(n)    = SHA-256(prev_hash(n) ‖ SHA-256(canonical(event_n)))
 *
 * `canonical` is RFC 8785 (see canonical-json.ts); `‖` concatenates the raw 32-byte digests; hashes are
 * written as lowercase hex. The stored canonical text is what is hashed, so verification needs no
 * knowledge of event types: any StampEvent (or a future one) chains the same way.
 *
 * A checkpoint is a tenant's chain heads `{agentId, seq, stateHash}` at one moment, signed with
 * Ed25519 over the canonical JSON of `{createdAt, heads, keyId, tenantId}`. A chain checked against an
 * earlier checkpoint must still hold, at the checkpointed seq, exactly the checkpointed state hash:
 * a rewritten entry (even with every later hash recomputed) changes that hash, and removing tail
 * entries leaves the chain shorter than the checkpointed seq.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

export interface ChainEntry {
  seq: number;
  /** The event's canonical JSON text, exactly as stored and exported. */
  event: string;
  prevHash: string;
  stateHash: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

export function chainGenesis(agentId: string): string {
  return createHash('sha256').update(`portcullis/chain/v1/genesis:${agentId}`, 'utf8').digest('hex');
}

export function eventDigest(canonicalEvent: string): Buffer {
  return createHash('sha256').update(canonicalEvent, 'utf8').digest();
}

export function stateHash(prevHash: string, canonicalEvent: string): string {
  return createHash('sha256').update(Buffer.from(prevHash, 'hex')).update(eventDigest(canonicalEvent)).digest('hex');
}

/** The entries that follow a head: seq head.seq+1…, each linked to the one before. */
export function extendChain(head: { seq: number; stateHash: string }, events: readonly unknown[]): ChainEntry[] {
  let { seq, stateHash: prev } = head;
  return events.map((e) => {
    const event = canonicalJson(e);
    const next = stateHash(prev, event);
    const entry = { seq: ++seq, event, prevHash: prev, stateHash: next };
    prev = next;
    return entry;
  });
}

export interface ChainVerdict {
  valid: boolean;
  /** Entries checked (all of them when valid; up to and including the bad one otherwise). */
  length: number;
  firstBadSequence?: number;
  /** Why the first bad entry is bad. */
  reason?: string;
  /** The last good entry's seq and state hash (genesis at seq 0). */
  head: { seq: number; stateHash: string };
}

/**
 * Verifies a chain entry by entry, so a chain of any length can be streamed through it in order.
 * After the first bad entry it stops accepting: everything after it is unverifiable.
 */
export class ChainVerifier {
  private seq = 0;
  private prev: string;
  private bad: { seq: number; reason: string } | undefined;

  constructor(readonly agentId: string) {
    this.prev = chainGenesis(agentId);
  }

  /** Returns false once the chain is known bad. */
  push(entry: ChainEntry): boolean {
    if (this.bad) return false;
    const expectedSeq = this.seq + 1;
    const fail = (reason: string): boolean => {
      // The position in the chain is what is reported: the entry that should have been seq n.
      this.bad = { seq: expectedSeq, reason };
      return false;
    };
    if (entry.seq !== expectedSeq) return fail(`expected seq ${expectedSeq}, found ${String(entry.seq)}`);
    if (entry.prevHash !== this.prev) return fail('prev_hash does not match the previous state hash');
    if (typeof entry.event !== 'string' || !HEX64.test(entry.stateHash)) return fail('malformed entry');
    if (stateHash(this.prev, entry.event) !== entry.stateHash) return fail('state_hash does not match the event');
    this.seq = entry.seq;
    this.prev = entry.stateHash;
    return true;
  }

  verdict(): ChainVerdict {
    const head = { seq: this.seq, stateHash: this.prev };
    if (this.bad) return { valid: false, length: this.bad.seq, firstBadSequence: this.bad.seq, reason: this.bad.reason, head };
    return { valid: true, length: this.seq, head };
  }
}

export function verifyChain(agentId: string, entries: Iterable<ChainEntry>): ChainVerdict {
  const v = new ChainVerifier(agentId);
  for (const e of entries) if (!v.push(e)) break;
  return v.verdict();
}

// ---- checkpoints ------------------------------------------------------------------------------

export interface CheckpointHead {
  agentId: string;
  seq: number;
  stateHash: string;
}

export interface CheckpointBody {
  tenantId: string;
  createdAt: string;
  keyId: string;
  /** Sorted by agentId. */
  heads: CheckpointHead[];
}

export interface SignedCheckpoint extends CheckpointBody {
  /** Base64 Ed25519 signature over canonicalJson(CheckpointBody). */
  signature: string;
}

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface CheckpointSigner {
  keyId: string;
  /** Raw 32-byte public key, base64. */
  publicKey: string;
  sign(body: Omit<CheckpointBody, 'keyId'>): SignedCheckpoint;
}

/** Key id: the first 16 hex digits of SHA-256 over the raw public key. */
export function checkpointKeyId(publicKeyRaw: Buffer): string {
  return createHash('sha256').update(publicKeyRaw).digest('hex').slice(0, 16);
}

/** A checkpoint signer from a 32-byte Ed25519 seed (PORTCULLIS_CHECKPOINT_KEY). */
export function checkpointSigner(seed: Buffer): CheckpointSigner {
  if (seed.length !== 32) throw new Error('an Ed25519 seed is 32 bytes');
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const raw = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(ED25519_SPKI_PREFIX.length);
  const keyId = checkpointKeyId(raw);
  return {
    keyId,
    publicKey: raw.toString('base64'),
    sign(b) {
      const body: CheckpointBody = {
        tenantId: b.tenantId,
        createdAt: b.createdAt,
        keyId,
        heads: [...b.heads].sort((x, y) => (x.agentId < y.agentId ? -1 : 1)),
      };
      const signature = sign(null, Buffer.from(canonicalJson(body), 'utf8'), privateKey).toString('base64');
      return { ...body, signature };
    },
  };
}

/** A public key from its raw base64 form or a PEM (SPKI) text. */
export function checkpointPublicKey(text: string): KeyObject {
  const t = text.trim();
  if (t.startsWith('-----BEGIN')) return createPublicKey(t);
  const raw = Buffer.from(t, 'base64');
  if (raw.length !== 32) throw new Error('an Ed25519 public key is 32 bytes (base64) or a PEM');
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

export function verifyCheckpointSignature(cp: SignedCheckpoint, publicKey: KeyObject): boolean {
  const body: CheckpointBody = { tenantId: cp.tenantId, createdAt: cp.createdAt, keyId: cp.keyId, heads: cp.heads };
  try {
    return verify(null, Buffer.from(canonicalJson(body), 'utf8'), publicKey, Buffer.from(cp.signature, 'base64'));
  } catch {
    return false;
  }
}

export type CheckpointVerdict =
  | { valid: true; seq: number }
  | { valid: false; reason: 'bad_signature' | 'agent_not_in_checkpoint' | 'truncated' | 'rewritten'; seq?: number };

/**
 * Checks a chain (its entries' state hashes by seq, already verified with ChainVerifier) against a
 * signed checkpoint: signature first, then that the checkpointed head is still on the chain.
 */
export function verifyAgainstCheckpoint(
  agentId: string,
  stateHashAt: (seq: number) => string | undefined,
  chainLength: number,
  cp: SignedCheckpoint,
  publicKey: KeyObject,
): CheckpointVerdict {
  if (!verifyCheckpointSignature(cp, publicKey)) return { valid: false, reason: 'bad_signature' };
  const head = cp.heads.find((h) => h.agentId === agentId);
  if (!head) return { valid: false, reason: 'agent_not_in_checkpoint' };
  if (chainLength < head.seq) return { valid: false, reason: 'truncated', seq: head.seq };
  if (stateHashAt(head.seq) !== head.stateHash) return { valid: false, reason: 'rewritten', seq: head.seq };
  return { valid: true, seq: head.seq };
}
