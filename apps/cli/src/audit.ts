/**
 * `portcullis audit …`: read and verify agent chains through the REST API, and verify an exported
 * chain offline (no server) with the chain rule from @portcullis/domain.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createReadStream } from 'node:fs';
import {
  ChainVerifier,
  checkpointPublicKey,
  verifyAgainstCheckpoint,
  type CheckpointVerdict,
  type SignedCheckpoint,
} from '@portcullis/domain';
import { CliError, type Api } from './api.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

interface Stamp {
  agentId: string;
  seq: number;
  requestId: string;
  type: string;
  event: Record<string, unknown>;
  canonicalEvent: string;
  prevHash: string;
  stateHash: string;
  createdAt: string;
}

/** One line of `audit export`: `event` is the exact canonical text that was hashed. */
export interface ExportLine {
  agentId: string;
  seq: number;
  requestId: string;
  type: string;
  event: string;
  prevHash: string;
  stateHash: string;
  createdAt: string;
}

export type Out = (text: string) => void;

export async function resolveAgent(api: Api, nameOrId: string | undefined): Promise<string> {
  if (!nameOrId) throw new CliError('--agent <name|id> is required', 2);
  if (UUID.test(nameOrId)) return nameOrId.toLowerCase();
  let cursor: string | undefined;
  do {
    const page = await api.get<Page<{ id: string; name: string }>>('/api/v1/admin/agents', { limit: 200, cursor });
    const hit = page.items.find((a) => a.name === nameOrId);
    if (hit) return hit.id;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  throw new CliError(`no agent named "${nameOrId}" in this tenant`, 3);
}

const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

function describe(s: Stamp): string {
  const e = s.event;
  const what =
    s.type === 'request'
      ? `${text(e.method)} ${text(e.path)} → ${text(e.status)}`
      : s.type === 'admin'
        ? `${text(e.action)} by ${text(e.actor)}${Array.isArray(e.changes) ? ` (${e.changes.map(text).join(', ')})` : ''}`
        : `${text(e.action)} ${text(e.path)}`.trim();
  return `#${s.seq}  ${s.createdAt}  ${s.type.padEnd(7)} ${what}  ${s.stateHash.slice(0, 16)}…`;
}

export async function last(api: Api, agent: string | undefined, limit: number, json: boolean, out: Out): Promise<number> {
  const id = await resolveAgent(api, agent);
  const page = await api.get<Page<Stamp>>(`/v1/audit/agents/${id}/stamps`, { limit });
  if (json) out(JSON.stringify(page.items, null, 2));
  else if (!page.items.length) out(`agent ${id} has no stamps yet`);
  else for (const s of page.items) out(describe(s));
  return 0;
}

export async function verify(api: Api, agent: string | undefined, json: boolean, out: Out): Promise<number> {
  const id = await resolveAgent(api, agent);
  const v = await api.get<{ valid: boolean; length: number; firstBadSequence?: number }>(`/v1/audit/agents/${id}/verify`);
  if (json) out(JSON.stringify({ agentId: id, ...v }));
  else
    out(
      v.valid
        ? `chain of ${id} is valid: ${v.length} entries`
        : `chain of ${id} is INVALID from seq ${String(v.firstBadSequence)} (${v.length} entries checked)`,
    );
  return v.valid ? 0 : 1;
}

export async function exportChain(api: Api, agent: string | undefined, out: Out): Promise<number> {
  const id = await resolveAgent(api, agent);
  let cursor: string | undefined;
  do {
    const page = await api.get<Page<Stamp>>(`/v1/audit/agents/${id}/stamps`, { order: 'asc', limit: 1000, cursor });
    for (const s of page.items) {
      const line: ExportLine = {
        agentId: s.agentId,
        seq: s.seq,
        requestId: s.requestId,
        type: s.type,
        event: s.canonicalEvent,
        prevHash: s.prevHash,
        stateHash: s.stateHash,
        createdAt: s.createdAt,
      };
      out(JSON.stringify(line));
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return 0;
}

export async function checkpoint(api: Api, out: Out): Promise<number> {
  const page = await api.get<Page<SignedCheckpoint>>('/v1/audit/checkpoints', { limit: 1 });
  if (!page.items[0]) throw new CliError('this tenant has no checkpoint yet', 3);
  out(JSON.stringify(page.items[0], null, 2));
  return 0;
}

export async function publicKeys(api: Api, out: Out): Promise<number> {
  out(JSON.stringify(await api.get('/v1/audit/checkpoint-keys'), null, 2));
  return 0;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, 2);
  }
}

/** A key file may be raw base64, PEM, or the JSON `audit public-key` prints (picked by key id). */
function loadKey(path: string, keyId: string): ReturnType<typeof checkpointPublicKey> {
  const text = readText(path, 'public key');
  try {
    if (text.trim().startsWith('{')) {
      const keys = (JSON.parse(text) as { keys?: { keyId: string; publicKey: string }[] }).keys ?? [];
      const k = keys.find((x) => x.keyId === keyId);
      if (!k) throw new CliError(`${path} holds no key with id ${keyId}`, 1);
      return checkpointPublicKey(k.publicKey);
    }
    return checkpointPublicKey(text);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`${path} is not an Ed25519 public key: ${(err as Error).message}`, 2);
  }
}

export async function verifyFile(
  file: string | undefined,
  checkpointFile: string | undefined,
  keyFile: string | undefined,
  json: boolean,
  out: Out,
): Promise<number> {
  if (!file) throw new CliError('usage: portcullis audit verify-file <chain.jsonl> [--checkpoint file] [--public-key file]', 2);
  if (checkpointFile && !keyFile) throw new CliError('--checkpoint needs --public-key (verify-file never asks a server)', 2);
  readText(file, 'export'); // clear error for a missing file before streaming it
  let verifier: ChainVerifier | undefined;
  const hashes: string[] = [];
  let lineNo = 0;
  let problem: string | undefined;
  for await (const raw of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
    lineNo++;
    if (!raw.trim()) continue;
    let line: ExportLine;
    try {
      line = JSON.parse(raw) as ExportLine;
    } catch {
      problem = `line ${lineNo} is not JSON`;
      break;
    }
    if (typeof line.agentId !== 'string') {
      problem = `line ${lineNo} has no agentId`;
      break;
    }
    verifier ??= new ChainVerifier(line.agentId);
    if (line.agentId !== verifier.agentId) {
      problem = `line ${lineNo} belongs to another agent`;
      break;
    }
    if (!verifier.push(line)) break;
    hashes.push(line.stateHash);
  }
  if (!verifier && !problem) problem = 'the export holds no entries';
  const verdict = verifier?.verdict();
  let cp: CheckpointVerdict | undefined;
  if (!problem && verdict?.valid && checkpointFile && keyFile) {
    let signed: SignedCheckpoint;
    try {
      signed = JSON.parse(readText(checkpointFile, 'checkpoint')) as SignedCheckpoint;
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw new CliError(`${checkpointFile} is not a checkpoint (JSON)`, 2);
    }
    if (!Array.isArray(signed.heads) || typeof signed.signature !== 'string')
      throw new CliError(`${checkpointFile} is not a checkpoint`, 2);
    cp = verifyAgainstCheckpoint(verifier!.agentId, (seq) => hashes[seq - 1], hashes.length, signed, loadKey(keyFile, signed.keyId));
  }
  const valid = !problem && !!verdict?.valid && (cp === undefined || cp.valid);
  if (json) {
    out(
      JSON.stringify({
        valid,
        agentId: verifier?.agentId,
        length: verdict?.length ?? 0,
        ...(verdict?.firstBadSequence ? { firstBadSequence: verdict.firstBadSequence, reason: verdict.reason } : {}),
        ...(problem ? { error: problem } : {}),
        ...(cp ? { checkpoint: cp } : {}),
      }),
    );
  } else if (problem) out(`INVALID: ${problem}`);
  else if (!verdict!.valid) out(`INVALID from seq ${String(verdict!.firstBadSequence)}: ${String(verdict!.reason)}`);
  else if (cp && !cp.valid) {
    const why = {
      bad_signature: 'the checkpoint signature does not verify',
      agent_not_in_checkpoint: 'the checkpoint has no head for this agent',
      truncated: `entries were removed: the checkpoint saw seq ${String(cp.seq)}`,
      rewritten: `the chain was rewritten: seq ${String(cp.seq)} differs from the checkpoint`,
    }[cp.reason];
    out(`INVALID against checkpoint: ${why}`);
  } else
    out(
      `valid: ${verdict!.length} entries of agent ${verifier!.agentId}${cp?.valid ? `, consistent with the checkpoint at seq ${cp.seq}` : ''}`,
    );
  return valid ? 0 : 1;
}
