import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DomainError, generateToken, hashToken, notFound, tokenHint } from '@portcullis/domain';
import { pageOf, type Page, type PageQueryDto } from '../../common/pagination.js';
import { PoliciesRepository } from '../policies/policies.repository.js';
import { AppRolesRepository } from './approles.repository.js';
import { AppRoleResponseDto, TOKEN_TTL_DEFAULT, type AppRoleCreateDto, type AppRoleCreatedDto } from './approles.dto.js';
import { parseCidr } from './ip-allowlist.js';

/** Fresh AppRole credentials: a uuid role_id and an `sid_` secret_id, of which only the hash is kept. */
export function newCredentials(): { roleId: string; secretId: string; secretIdHash: string; secretIdHint: string } {
  const secretId = generateToken('secretId');
  return { roleId: randomUUID(), secretId, secretIdHash: hashToken(secretId), secretIdHint: tokenHint(secretId) };
}

@Injectable()
export class AppRolesService {
  constructor(
    private readonly approles: AppRolesRepository,
    private readonly policies: PoliciesRepository,
  ) {}

  async create(tenantId: string, dto: AppRoleCreateDto): Promise<AppRoleCreatedDto> {
    const names = [...new Set(dto.policies)];
    const found = new Set((await this.policies.findByNames(tenantId, names)).map((p) => p.name));
    const unknown = names.filter((n) => !found.has(n));
    if (unknown.length)
      throw new DomainError('bad_request', `unknown policies: ${unknown.join(', ')}; create them first with POST /api/v1/admin/policies`);
    const ipAllowlist = (dto.ipAllowlist ?? []).map((c, i) => {
      const cidr = parseCidr(c);
      if (!cidr) throw new DomainError('bad_request', `ipAllowlist.${i} is not an IP address or CIDR`);
      return cidr;
    });
    if (dto.agentId && !(await this.approles.agentExists(tenantId, dto.agentId.toLowerCase()))) {
      throw new DomainError('bad_request', 'agentId names no agent of this tenant');
    }
    const c = newCredentials();
    const approle = await this.approles.create(tenantId, {
      name: dto.name,
      roleId: c.roleId,
      secretIdHash: c.secretIdHash,
      secretIdHint: c.secretIdHint,
      policies: names,
      ipAllowlist,
      tokenTtlSeconds: dto.tokenTtlSeconds ?? TOKEN_TTL_DEFAULT,
      agentId: dto.agentId?.toLowerCase() ?? null,
    });
    return { approle: AppRoleResponseDto.from(approle), role_id: c.roleId, secret_id: c.secretId };
  }

  async list(tenantId: string, page: PageQueryDto): Promise<Page<AppRoleResponseDto>> {
    const { rows, limit } = await this.approles.list(tenantId, page);
    return pageOf(rows, limit, (r) => AppRoleResponseDto.from(r));
  }

  async get(tenantId: string, id: string): Promise<AppRoleResponseDto> {
    const a = await this.approles.findById(tenantId, id);
    if (!a) throw notFound('AppRole');
    return AppRoleResponseDto.from(a);
  }

  /** Every request re-checks the flag, so this stops login, refresh, leases and secrets at once. */
  async setSuspended(tenantId: string, id: string, suspended: boolean): Promise<AppRoleResponseDto> {
    const a = await this.approles.setSuspended(tenantId, id, suspended);
    if (!a) throw notFound('AppRole');
    return AppRoleResponseDto.from(a);
  }

  async delete(tenantId: string, id: string): Promise<void> {
    if (!(await this.approles.delete(tenantId, id))) throw notFound('AppRole');
  }
}
