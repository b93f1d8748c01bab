/**
 * What the proxy's wallet (MCP at `/mcp`) needs from Postgres: chain heads, stamps and verification
 * (through the audit service, so the rules are the audit API's), artifacts (register-artifact entries
 * on the chains) and workrooms. Called only over the internal endpoints, for an agent the proxy has
 * already authenticated; each call still checks that the agent is the tenant's.
 */
import { Injectable } from '@nestjs/common';
import {
  type ArtifactView,
  type ChainHeadView,
  type WalletStampView,
  type WorkroomMessageView,
  type WorkroomPostView,
  type WorkroomReadView,
  type WorkroomView,
} from '@portcullis/contracts';
import type { WorkroomMessage } from '@portcullis/db';
import { DomainError, chainGenesis, notFound } from '@portcullis/domain';
import { AuditRepository } from '../audit/audit.repository.js';
import { AuditService, type FullVerifyDto } from '../audit/audit.service.js';
import type { WorkroomPostDto, WorkroomReadQueryDto } from './wallet.dto.js';
import { WalletRepository, type WorkroomWithMembers } from './wallet.repository.js';

@Injectable()
export class WalletService {
  constructor(
    private readonly repo: WalletRepository,
    private readonly audit: AuditService,
    private readonly chains: AuditRepository,
  ) {}

  private async agent(tenantId: string, agentId: string): Promise<string> {
    const name = (await this.repo.agentNames(tenantId, [agentId])).get(agentId);
    if (name === undefined) throw notFound('agent');
    return name;
  }

  async head(tenantId: string, agentId: string): Promise<ChainHeadView> {
    await this.agent(tenantId, agentId);
    return (await this.chains.head(agentId)) ?? { seq: 0, stateHash: chainGenesis(agentId) };
  }

  async stamps(tenantId: string, agentId: string, limit: number, type?: string): Promise<WalletStampView[]> {
    const page = await this.audit.stamps(tenantId, agentId, { limit, order: 'desc', ...(type ? { type } : {}) });
    return page.items.map((s) => ({
      seq: s.seq,
      requestId: s.requestId,
      type: s.type,
      stateHash: s.stateHash,
      createdAt: s.createdAt,
      event: s.event,
    }));
  }

  verify(tenantId: string, agentId: string): Promise<FullVerifyDto> {
    return this.audit.verifyAgent(tenantId, agentId);
  }

  /** Is this state hash on the chain of `of` (default: the caller), a chain of the same tenant? */
  async verifyHash(
    tenantId: string,
    agentId: string,
    hash: string,
    of?: string,
  ): Promise<{ agentId: string; valid: boolean; sequence?: number }> {
    const target = (of ?? agentId).toLowerCase();
    await this.agent(tenantId, agentId);
    if (!(await this.chains.ownsChain(tenantId, target))) throw notFound('agent');
    return { agentId: target, ...(await this.audit.verifyHash(target, hash)) };
  }

  /** Every registration of this SHA-256 in the tenant, each with whether its chain recomputes up to it. */
  async artifacts(tenantId: string, agentId: string, sha256: string, name?: string): Promise<ArtifactView[]> {
    await this.agent(tenantId, agentId);
    const hex = sha256.toLowerCase();
    const out: ArtifactView[] = [];
    for (const s of await this.repo.artifactStamps(tenantId, hex)) {
      const e = JSON.parse(s.event) as { outcome?: string; details?: { name?: unknown; sha256?: unknown } | null };
      if (e.outcome !== 'ok' || e.details?.sha256 !== hex || typeof e.details.name !== 'string') continue;
      if (name !== undefined && e.details.name !== name) continue;
      const v = await this.audit.verifyHash(s.agentId, s.stateHash);
      out.push({
        agentId: s.agentId,
        name: e.details.name,
        sha256: hex,
        requestId: s.requestId,
        seq: s.seq,
        stateHash: s.stateHash,
        registeredAt: s.createdAt.toISOString(),
        chainValid: v.valid,
      });
    }
    return out;
  }

  async workrooms(tenantId: string, agentId: string): Promise<WorkroomView[]> {
    await this.agent(tenantId, agentId);
    const rooms = await this.repo.workrooms(tenantId);
    const names = await this.repo.agentNames(
      tenantId,
      rooms.flatMap((r) => r.members.map((m) => m.agentId)),
    );
    return rooms.map((r) => this.view(r, agentId, names));
  }

  async join(tenantId: string, agentId: string, name: string): Promise<WorkroomView> {
    await this.agent(tenantId, agentId);
    const room = await this.repo.join(tenantId, name, agentId);
    return this.view(
      room,
      agentId,
      await this.repo.agentNames(
        tenantId,
        room.members.map((m) => m.agentId),
      ),
    );
  }

  async leave(tenantId: string, agentId: string, name: string): Promise<{ left: true; workroom: string }> {
    const room = await this.member(tenantId, agentId, name);
    await this.repo.leave(tenantId, room.id, agentId);
    return { left: true, workroom: name };
  }

  async post(tenantId: string, agentId: string, dto: WorkroomPostDto): Promise<WorkroomPostView> {
    const room = await this.member(tenantId, agentId, dto.name);
    const m = await this.repo.post(tenantId, room.id, {
      agentId,
      userId: dto.userId ?? null,
      kind: dto.kind,
      body: dto.body,
      requestId: dto.requestId,
    });
    const names = await this.repo.agentNames(tenantId, [agentId]);
    return { message: this.message(m, room.name, names), otherMembers: room.members.map((x) => x.agentId).filter((id) => id !== agentId) };
  }

  async read(tenantId: string, agentId: string, q: WorkroomReadQueryDto): Promise<WorkroomReadView> {
    const room = await this.member(tenantId, agentId, q.name);
    const after = q.cursor ?? 0;
    const rows = await this.repo.messages(tenantId, room.id, after, q.limit ?? 50);
    const names = await this.repo.agentNames(
      tenantId,
      rows.map((r) => r.agentId),
    );
    const messages = rows.map((r) => this.message(r, room.name, names));
    return {
      workroom: room.name,
      messages,
      cursor: rows.length ? rows[rows.length - 1]!.seq : after,
      syncRequests: messages.filter((m) => m.kind === 'request_sync' && m.agentId !== agentId),
    };
  }

  private async member(tenantId: string, agentId: string, name: string): Promise<WorkroomWithMembers> {
    await this.agent(tenantId, agentId);
    const room = await this.repo.workroom(tenantId, name);
    if (!room) throw new DomainError('not_found', `no workroom named "${name}"; workroom_join creates it`);
    if (!room.members.some((m) => m.agentId === agentId))
      throw new DomainError('forbidden', `not a member of workroom "${name}"; call workroom_join first`);
    return room;
  }

  private view(r: WorkroomWithMembers, agentId: string, names: Map<string, string>): WorkroomView {
    return {
      id: r.id,
      name: r.name,
      createdAt: r.createdAt.toISOString(),
      members: r.members.map((m) => ({ agentId: m.agentId, name: names.get(m.agentId) ?? null, joinedAt: m.joinedAt.toISOString() })),
      joined: r.members.some((m) => m.agentId === agentId),
      lastSeq: r.lastSeq,
    };
  }

  private message(m: WorkroomMessage, workroom: string, names: Map<string, string>): WorkroomMessageView {
    return {
      seq: m.seq,
      workroom,
      agentId: m.agentId,
      agentName: names.get(m.agentId) ?? null,
      userId: m.userId,
      kind: m.kind,
      body: m.body,
      requestId: m.requestId,
      createdAt: m.createdAt.toISOString(),
    };
  }
}
