import { Inject, Injectable } from '@nestjs/common';
import type { Agent, Prisma } from '@portcullis/db';
import { DomainError, EnvelopeCipher, generateToken, hashToken, isHttpUrl, notFound, tokenHint } from '@portcullis/domain';
import { pageOf, type Page, type PageQueryDto } from '../common/pagination.js';
import type { TenantPrincipal } from '../common/auth/principal.js';
import { AuditEventsProducer, type AdminAction } from '../audit/audit-events.producer.js';
import { CIPHER } from '../infra/tokens.js';
import { SnapshotPublisher } from '../infra/snapshot-publisher.js';
import { checkBudgets, normaliseUpstreams, prepareProvider, providerColumns } from '../llm/provider.rules.js';
import { AgentsRepository, type AgentChange } from './agents.repository.js';
import {
  AgentResponseDto,
  type AgentCreateDto,
  type AgentCreatedDto,
  type AgentUpdateDto,
  type RequiredCredentialDto,
  type RuntimeTokenDto,
} from './agents.dto.js';

function checkUpstream(url: string): void {
  if (!isHttpUrl(url)) throw new DomainError('bad_request', 'upstreamUrl must be an http(s) URL without credentials in it');
}

function checkRequired(list: RequiredCredentialDto[]): { serviceType: string }[] {
  const seen = new Set<string>();
  for (const c of list) {
    if (seen.has(c.serviceType)) throw new DomainError('bad_request', `requiredCredentials lists ${c.serviceType} twice`);
    seen.add(c.serviceType);
  }
  return list.map((c) => ({ serviceType: c.serviceType }));
}

@Injectable()
export class AgentsService {
  constructor(
    private readonly agents: AgentsRepository,
    private readonly publisher: SnapshotPublisher,
    @Inject(CIPHER) private readonly cipher: EnvelopeCipher,
    private readonly audit: AuditEventsProducer,
  ) {}

  async create(principal: TenantPrincipal, dto: AgentCreateDto): Promise<AgentCreatedDto> {
    const { tenantId } = principal;
    checkUpstream(dto.upstreamUrl);
    const allowedUpstreams = normaliseUpstreams(dto.allowedUpstreams ?? []);
    const budgets = checkBudgets(dto.budgets ?? []);
    const provider = providerColumns(
      await prepareProvider(dto.provider ?? null, this.cipher, tenantId, 'provider'),
      { baseUrl: null, sealedKey: null },
      'provider',
    );
    const runtimeToken = generateToken('runtime');
    const agent = await this.agents.create(
      tenantId,
      {
        name: dto.name,
        description: dto.description ?? null,
        upstreamUrl: dto.upstreamUrl,
        requiredCredentials: checkRequired(dto.requiredCredentials),
        sealedUpstreamSecret: dto.upstreamSecret ? await this.cipher.seal(dto.upstreamSecret, tenantId) : null,
        rateLimitRequests: dto.rateLimit?.requests ?? null,
        rateLimitWindowSeconds: dto.rateLimit?.windowSeconds ?? null,
        providerKind: provider.kind,
        providerBaseUrl: provider.baseUrl,
        sealedProviderKey: provider.sealedKey,
        allowedUpstreams,
        budgets: budgets as unknown as Prisma.InputJsonValue,
        tokenHash: hashToken(runtimeToken),
        tokenHint: tokenHint(runtimeToken),
      },
      (tx, a) => this.audit.record(tx, principal, [a.id], 'created'),
    );
    await this.publisher.publishAgent(agent);
    return { agent: AgentResponseDto.from(agent), runtimeToken };
  }

  async list(tenantId: string, page: PageQueryDto, status?: 'active' | 'disabled'): Promise<Page<AgentResponseDto>> {
    const { rows, limit } = await this.agents.list(tenantId, page, status);
    return pageOf(rows, limit, (r) => AgentResponseDto.from(r));
  }

  async get(tenantId: string, id: string): Promise<AgentResponseDto> {
    const agent = await this.agents.findById(tenantId, id);
    if (!agent) throw notFound('agent');
    return AgentResponseDto.from(agent);
  }

  async update(principal: TenantPrincipal, id: string, dto: AgentUpdateDto): Promise<AgentResponseDto> {
    const { tenantId } = principal;
    if (dto.upstreamUrl !== undefined) checkUpstream(dto.upstreamUrl);
    // Everything that can refuse the input runs before the transaction: a 400 changes nothing.
    const allowedUpstreams = dto.allowedUpstreams !== undefined ? normaliseUpstreams(dto.allowedUpstreams) : undefined;
    const budgets = dto.budgets !== undefined ? checkBudgets(dto.budgets ?? []) : undefined;
    const provider = dto.provider !== undefined ? await prepareProvider(dto.provider, this.cipher, tenantId, 'provider') : undefined;
    const change: AgentChange = {};
    if (dto.name !== undefined) change.name = dto.name;
    if (dto.upstreamUrl !== undefined) change.upstreamUrl = dto.upstreamUrl;
    if (dto.requiredCredentials !== undefined) change.requiredCredentials = checkRequired(dto.requiredCredentials);
    if (dto.description !== undefined) change.description = dto.description;
    if (dto.upstreamSecret !== undefined) {
      change.sealedUpstreamSecret = dto.upstreamSecret === null ? null : await this.cipher.seal(dto.upstreamSecret, tenantId);
    }
    if (dto.rateLimit !== undefined) {
      change.rateLimitRequests = dto.rateLimit?.requests ?? null;
      change.rateLimitWindowSeconds = dto.rateLimit?.windowSeconds ?? null;
    }
    if (allowedUpstreams !== undefined) change.allowedUpstreams = allowedUpstreams;
    if (budgets !== undefined) change.budgets = budgets as unknown as Prisma.InputJsonValue;
    // Field names only: values (an upstream secret or provider key among them) never go on the chain.
    const fields = Object.keys(dto)
      .filter((k) => dto[k as keyof AgentUpdateDto] !== undefined)
      .sort();
    const withProvider = (current: Agent): AgentChange => {
      if (provider === undefined) return change;
      const p = providerColumns(provider, { baseUrl: current.providerBaseUrl, sealedKey: current.sealedProviderKey }, 'provider');
      return { ...change, providerKind: p.kind, providerBaseUrl: p.baseUrl, sealedProviderKey: p.sealedKey };
    };
    return AgentResponseDto.from(await this.change(principal, id, withProvider, 'updated', fields));
  }

  /** The kill switch. Returns once every proxy has been told (see SnapshotPublisher). */
  async setStatus(principal: TenantPrincipal, id: string, status: 'active' | 'disabled'): Promise<AgentResponseDto> {
    return AgentResponseDto.from(await this.change(principal, id, () => ({ status }), status === 'disabled' ? 'disabled' : 'enabled'));
  }

  async regenerateToken(principal: TenantPrincipal, id: string): Promise<RuntimeTokenDto> {
    const runtimeToken = generateToken('runtime');
    await this.change(
      principal,
      id,
      () => ({ tokenHash: hashToken(runtimeToken), tokenHint: tokenHint(runtimeToken) }),
      'token_regenerated',
    );
    return { runtimeToken };
  }

  async delete(principal: TenantPrincipal, id: string): Promise<void> {
    // The chain outlives the agent; its last entry says who deleted it.
    const agent = await this.agents.delete(principal.tenantId, id, (tx) => this.audit.record(tx, principal, [id], 'deleted'));
    if (!agent) throw notFound('agent');
    await this.publisher.removeAgent(agent);
  }

  /** Commit the change with its stamp, then publish: a publish failure (503) cannot skip the stamp. */
  private async change(
    principal: TenantPrincipal,
    id: string,
    fn: (a: Agent) => AgentChange,
    action: AdminAction,
    changes?: string[],
  ): Promise<Agent> {
    const result = await this.agents.update(principal.tenantId, id, fn, (tx) => this.audit.record(tx, principal, [id], action, changes));
    if (!result) throw notFound('agent');
    await this.publisher.publishAgent(result.after, result.before.tokenHash);
    return result.after;
  }
}
