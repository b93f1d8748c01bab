import { Injectable } from '@nestjs/common';
import { ChainVerifier, DomainError, notFound, type ChainVerdict } from '@portcullis/domain';
import { pageOf, type Page, type PageQueryDto } from '../common/pagination.js';
import { UUID_PATTERN } from '../common/prisma-errors.js';
import { AuditRepository } from './audit.repository.js';
import {
  RequestStampResponseDto,
  StampResponseDto,
  checkpointKeyResponse,
  checkpointResponse,
  type CheckpointKeyResponseDto,
  type CheckpointResponseDto,
  type StampListQueryDto,
} from './audit.dto.js';

/** Rows read per round trip while recomputing a chain: memory stays bounded for any chain length. */
const VERIFY_BATCH = 2_000;

export interface FullVerifyDto {
  valid: boolean;
  length: number;
  firstBadSequence?: number;
}

@Injectable()
export class AuditService {
  constructor(private readonly audit: AuditRepository) {}

  private async owned(tenantId: string, agentId: string): Promise<void> {
    if (!(await this.audit.ownsChain(tenantId, agentId))) throw notFound('agent');
  }

  async stamps(tenantId: string, agentId: string, q: StampListQueryDto): Promise<Page<StampResponseDto>> {
    await this.owned(tenantId, agentId);
    if (q.from && q.to && q.from >= q.to) throw new DomainError('bad_request', 'from must be before to');
    const limit = q.limit ?? 50;
    const order = q.order ?? 'desc';
    const rows = await this.audit.stamps(tenantId, agentId, limit, order, q.cursor === undefined ? undefined : Number(q.cursor), q);
    const more = rows.length > limit;
    const shown = more ? rows.slice(0, limit) : rows;
    return { items: shown.map((s) => StampResponseDto.from(s)), nextCursor: more ? String(shown[shown.length - 1]!.seq) : null };
  }

  async byRequest(tenantId: string, requestId: string): Promise<RequestStampResponseDto> {
    const s = await this.audit.byRequestId(tenantId, requestId);
    if (!s) throw notFound('stamp');
    return RequestStampResponseDto.from(s);
  }

  /** Recomputes the chain from genesis, up to `upTo` if given. */
  private async recompute(agentId: string, upTo?: number): Promise<ChainVerdict> {
    const v = new ChainVerifier(agentId);
    let after = 0;
    for (;;) {
      const rows = await this.audit.chainSlice(agentId, after, VERIFY_BATCH, upTo);
      for (const r of rows) if (!v.push(r)) return v.verdict();
      if (rows.length < VERIFY_BATCH) return v.verdict();
      after = rows[rows.length - 1]!.seq;
    }
  }

  /**
   * Full verify: every entry recomputes, and the chain still reaches its recorded head (no tail
   * removed). The head is read first and the chain recomputed up to it: a worker appending meanwhile
   * adds entries past that head, which must not read as a broken chain.
   */
  async verifyAgent(tenantId: string, agentId: string): Promise<FullVerifyDto> {
    await this.owned(tenantId, agentId);
    const head = await this.audit.head(agentId);
    const verdict = await this.recompute(agentId, head?.seq);
    if (!verdict.valid) return { valid: false, length: verdict.length, firstBadSequence: verdict.firstBadSequence! };
    if (head && (head.seq !== verdict.head.seq || head.stateHash !== verdict.head.stateHash)) {
      return { valid: false, length: verdict.length, firstBadSequence: verdict.head.seq + 1 };
    }
    return { valid: true, length: verdict.length };
  }

  /** Public: is this state hash on the agent's chain, with everything up to it recomputing? */
  async verifyHash(agentId: string, hash: string): Promise<{ valid: true; sequence: number } | { valid: false }> {
    if (!UUID_PATTERN.test(agentId)) return { valid: false };
    const stateHash = hash.toLowerCase();
    const hit = await this.audit.byStateHash(agentId.toLowerCase(), stateHash);
    if (!hit) return { valid: false };
    const verdict = await this.recompute(agentId.toLowerCase(), hit.seq);
    return verdict.valid && verdict.head.seq === hit.seq && verdict.head.stateHash === stateHash
      ? { valid: true, sequence: hit.seq }
      : { valid: false };
  }

  async checkpoints(tenantId: string, page: PageQueryDto): Promise<Page<CheckpointResponseDto>> {
    const { rows, limit } = await this.audit.checkpoints(tenantId, page);
    return pageOf(rows, limit, checkpointResponse);
  }

  async keys(): Promise<{ keys: CheckpointKeyResponseDto[] }> {
    return { keys: (await this.audit.keys()).map(checkpointKeyResponse) };
  }
}
