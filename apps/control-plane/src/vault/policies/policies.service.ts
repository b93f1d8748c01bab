import { Injectable } from '@nestjs/common';
import { DomainError, normaliseRules, notFound, policyPathProblem, type PolicyRule } from '@portcullis/domain';
import { pageOf, type Page, type PageQueryDto } from '../../common/pagination.js';
import { PoliciesRepository } from './policies.repository.js';
import { PolicyResponseDto, type PolicyRuleDto } from './policies.dto.js';

function checkRules(rules: PolicyRuleDto[]): PolicyRule[] {
  rules.forEach((r, i) => {
    const problem = policyPathProblem(r.path);
    if (problem) throw new DomainError('bad_request', `rules.${i}.path: ${problem}`);
  });
  return normaliseRules(rules);
}

@Injectable()
export class PoliciesService {
  constructor(private readonly policies: PoliciesRepository) {}

  async create(tenantId: string, name: string, rules: PolicyRuleDto[]): Promise<PolicyResponseDto> {
    return PolicyResponseDto.from(await this.policies.create(tenantId, name, checkRules(rules)));
  }

  /** Takes effect on the next request of every AppRole holding the policy. */
  async update(tenantId: string, id: string, rules: PolicyRuleDto[]): Promise<PolicyResponseDto> {
    const p = await this.policies.update(tenantId, id, checkRules(rules));
    if (!p) throw notFound('policy');
    return PolicyResponseDto.from(p);
  }

  async list(tenantId: string, page: PageQueryDto): Promise<Page<PolicyResponseDto>> {
    const { rows, limit } = await this.policies.list(tenantId, page);
    return pageOf(rows, limit, (r) => PolicyResponseDto.from(r));
  }

  async get(tenantId: string, id: string): Promise<PolicyResponseDto> {
    const p = await this.policies.findById(tenantId, id);
    if (!p) throw notFound('policy');
    return PolicyResponseDto.from(p);
  }

  /** AppRoles naming a deleted policy simply lose its rules (default deny). */
  async delete(tenantId: string, id: string): Promise<void> {
    if (!(await this.policies.delete(tenantId, id))) throw notFound('policy');
  }
}
