/**
 * Upstream MCP servers a tenant registers for its agents' runtimes (reached at `/mcp/servers/:id` on
 * the proxy). A change commits with its admin stamps (one transaction, as for agents), then is
 * published: a publish failure (503) never skips the stamp of a committed change.
 *
 * Admin stamps go on the chain of every agent whose access the change concerns: `mcp_server_granted`
 * for an agent that may now use the server, `mcp_server_revoked` for one that no longer may (or when
 * the server is deleted), `mcp_server_changed` (with the changed field names) for one that keeps access.
 *
 * URL rule: an http(s) URL without credentials, like an agent's upstreamUrl. Unless the operator set
 * PORTCULLIS_MCP_ALLOW_PRIVATE=true, the host must also resolve only to globally routable addresses
 * (libs/domain ssrf rules): a tenant admin must not point the gateway's pods at cloud metadata or the
 * cluster's internal services. The check runs at registration; the proxy connects to the registered
 * URL as it does to agent upstreams.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Injectable } from '@nestjs/common';
import type { McpServer } from '@portcullis/db';
import { DomainError, classifyAddress, isHttpUrl, notFound } from '@portcullis/domain';
import { pageOf, type Page, type PageQueryDto } from '../common/pagination.js';
import type { TenantPrincipal } from '../common/auth/principal.js';
import { InjectConfig, type Config } from '../common/config.js';
import { AuditEventsProducer } from '../audit/audit-events.producer.js';
import { SnapshotPublisher } from '../infra/snapshot-publisher.js';
import type { RequiredCredentialDto } from '../agents/agents.dto.js';
import { McpServersRepository, type McpServerChange, type WithinMcpServerChange } from './mcp-servers.repository.js';
import { McpServerResponseDto, type McpServerCreateDto, type McpServerUpdateDto } from './mcp-servers.dto.js';

function checkRequired(list: RequiredCredentialDto[]): { serviceType: string }[] {
  const seen = new Set<string>();
  for (const c of list) {
    if (seen.has(c.serviceType)) throw new DomainError('bad_request', `requiredCredentials lists ${c.serviceType} twice`);
    seen.add(c.serviceType);
  }
  return list.map((c) => ({ serviceType: c.serviceType }));
}

function unique(list: string[], field: string): string[] {
  const seen = new Set<string>();
  for (const v of list) {
    if (seen.has(v)) throw new DomainError('bad_request', `${field} lists ${v} twice`);
    seen.add(v);
  }
  return list;
}

@Injectable()
export class McpServersService {
  constructor(
    private readonly servers: McpServersRepository,
    private readonly publisher: SnapshotPublisher,
    private readonly audit: AuditEventsProducer,
    @InjectConfig() private readonly config: Config,
  ) {}

  async create(principal: TenantPrincipal, dto: McpServerCreateDto): Promise<McpServerResponseDto> {
    const { tenantId } = principal;
    await this.checkUrl(dto.url);
    const agentIds = await this.checkAgents(tenantId, dto.agentIds ?? []);
    const server = await this.servers.create(
      tenantId,
      {
        name: dto.name,
        description: dto.description ?? null,
        url: dto.url,
        requiredCredentials: checkRequired(dto.requiredCredentials ?? []),
        allAgents: dto.allAgents ?? false,
        agentIds,
        allowedTools: dto.allowedTools ? unique(dto.allowedTools, 'allowedTools') : null,
      },
      this.stampAccess(principal, []),
    );
    await this.publisher.publishMcpServer(server);
    return McpServerResponseDto.from(server);
  }

  async list(tenantId: string, page: PageQueryDto, agentId?: string): Promise<Page<McpServerResponseDto>> {
    const { rows, limit } = await this.servers.list(tenantId, page, agentId);
    return pageOf(rows, limit, (r) => McpServerResponseDto.from(r));
  }

  async get(tenantId: string, id: string): Promise<McpServerResponseDto> {
    const server = await this.servers.findById(tenantId, id);
    if (!server) throw notFound('MCP server');
    return McpServerResponseDto.from(server);
  }

  async update(principal: TenantPrincipal, id: string, dto: McpServerUpdateDto): Promise<McpServerResponseDto> {
    const { tenantId } = principal;
    const change: McpServerChange = {};
    if (dto.url !== undefined) {
      await this.checkUrl(dto.url);
      change.url = dto.url;
    }
    if (dto.agentIds !== undefined) change.agentIds = await this.checkAgents(tenantId, dto.agentIds);
    if (dto.name !== undefined) change.name = dto.name;
    if (dto.description !== undefined) change.description = dto.description;
    if (dto.requiredCredentials !== undefined) change.requiredCredentials = checkRequired(dto.requiredCredentials);
    if (dto.allAgents !== undefined) change.allAgents = dto.allAgents;
    if (dto.allowedTools !== undefined) change.allowedTools = dto.allowedTools === null ? null : unique(dto.allowedTools, 'allowedTools');
    const result = await this.servers.update(tenantId, id, change, this.stampAccess(principal, Object.keys(change).sort()));
    if (!result) throw notFound('MCP server');
    await this.publisher.publishMcpServer(result.after);
    return McpServerResponseDto.from(result.after);
  }

  async delete(principal: TenantPrincipal, id: string): Promise<void> {
    const server = await this.servers.delete(principal.tenantId, id, this.stampAccess(principal, []));
    if (!server) throw notFound('MCP server');
    await this.publisher.removeMcpServer(server);
  }

  /** One admin stamp per agent whose access to the server this change concerns, inside the change's transaction. */
  private stampAccess(principal: TenantPrincipal, fields: string[]): WithinMcpServerChange {
    return async (tx, before, after) => {
      const everyone = before?.allAgents || after?.allAgents ? await this.servers.allAgentIds(tx, principal.tenantId) : [];
      const reach = (s: McpServer | null): Set<string> => new Set(s === null ? [] : s.allAgents ? everyone : s.agentIds);
      const had = reach(before);
      const has = reach(after);
      const serverId = (after ?? before)!.id;
      const granted = [...has].filter((a) => !had.has(a));
      const revoked = [...had].filter((a) => !has.has(a));
      const kept = [...has].filter((a) => had.has(a));
      await this.audit.record(tx, principal, granted, 'mcp_server_granted', undefined, serverId);
      await this.audit.record(tx, principal, revoked, 'mcp_server_revoked', undefined, serverId);
      await this.audit.record(tx, principal, kept, 'mcp_server_changed', fields, serverId);
    };
  }

  private async checkAgents(tenantId: string, ids: string[]): Promise<string[]> {
    const list = unique(
      ids.map((i) => i.toLowerCase()),
      'agentIds',
    );
    const found = await this.servers.existingAgentIds(tenantId, list);
    const unknown = list.filter((i) => !found.has(i));
    if (unknown.length) throw new DomainError('bad_request', `agentIds names agents that do not exist: ${unknown.join(', ')}`);
    return list;
  }

  private async checkUrl(url: string): Promise<void> {
    if (!isHttpUrl(url)) throw new DomainError('bad_request', 'url must be an http(s) URL without credentials in it');
    if (this.config.mcpAllowPrivate) return;
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    let addresses: string[];
    try {
      addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      throw new DomainError('bad_request', `url: the host ${host} does not resolve`);
    }
    for (const address of addresses) {
      const verdict = classifyAddress(address);
      if (!verdict.allowed) {
        throw new DomainError(
          'bad_request',
          `url: ${host} resolves to ${address}, a ${verdict.reason}; internal addresses need PORTCULLIS_MCP_ALLOW_PRIVATE=true on the control plane`,
        );
      }
    }
  }
}
