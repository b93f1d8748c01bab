/**
 * The secrets vault for agents (issue 6): AppRoles, policies, onboarding and rotation links,
 * secrets, leases, scrub and the skill; proxy mode, learned call patterns and dynamic secrets
 * (issue 7); the same as MCP tools at /v1/mcp (issue 8). See ./README.md for the API and the quick start.
 */
import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { ApiKeysRepository } from '../api-keys/api-keys.repository.js';
import { TenantAuthGuard } from '../common/auth/tenant-auth.guard.js';
import { UsersRepository } from '../users/users.repository.js';
import { AppRolesController } from './approles/approles.controller.js';
import { AppRolesRepository } from './approles/approles.repository.js';
import { AppRolesService } from './approles/approles.service.js';
import { VaultAuthController } from './auth/vault-auth.controller.js';
import { VaultAuthGuard } from './auth/vault-auth.guard.js';
import { VaultIdentityService } from './auth/vault-identity.service.js';
import { LeasesController } from './leases/leases.controller.js';
import { LeasesRepository } from './leases/leases.repository.js';
import { LeasesService } from './leases/leases.service.js';
import { OnboardController, OnboardingLinksAdminController, RotateController } from './links/links.controller.js';
import { LinksRepository } from './links/links.repository.js';
import { LinksService } from './links/links.service.js';
import { PoliciesController } from './policies/policies.controller.js';
import { PoliciesRepository } from './policies/policies.repository.js';
import { PoliciesService } from './policies/policies.service.js';
import { DynamicController, DynamicSecretsAdminController } from './dynamic/dynamic.controller.js';
import { DynamicSecretsRepository } from './dynamic/dynamic.repository.js';
import { DynamicSecretsService } from './dynamic/dynamic.service.js';
import { VaultMcpController } from './mcp/vault-mcp.controller.js';
import { VaultMcpService } from './mcp/vault-mcp.service.js';
import { PatternsRepository } from './patterns/patterns.repository.js';
import { PatternsService } from './patterns/patterns.service.js';
import { ProxyController } from './proxy/proxy.controller.js';
import { ProxyService } from './proxy/proxy.service.js';
import { ScrubController } from './scrub/scrub.controller.js';
import { SecretsController } from './secrets/secrets.controller.js';
import { SecretsRepository } from './secrets/secrets.repository.js';
import { SecretsService } from './secrets/secrets.service.js';
import { SkillController } from './skill/skill.controller.js';
import { VaultQueues } from './stamps/vault-queues.js';
import { VaultStampInterceptor } from './stamps/vault-stamp.interceptor.js';

@Module({
  imports: [JwtModule.register({})],
  controllers: [
    VaultAuthController,
    PoliciesController,
    AppRolesController,
    OnboardingLinksAdminController,
    OnboardController,
    RotateController,
    SecretsController,
    LeasesController,
    ScrubController,
    SkillController,
    ProxyController,
    DynamicSecretsAdminController,
    DynamicController,
    VaultMcpController,
  ],
  providers: [
    // Shared with the admin API: TenantAuthGuard and the repositories it and VaultIdentityService read.
    ApiKeysRepository,
    UsersRepository,
    TenantAuthGuard,
    VaultIdentityService,
    VaultAuthGuard,
    VaultQueues,
    VaultStampInterceptor,
    PoliciesRepository,
    PoliciesService,
    AppRolesRepository,
    AppRolesService,
    LinksRepository,
    LinksService,
    SecretsRepository,
    SecretsService,
    LeasesRepository,
    LeasesService,
    PatternsRepository,
    PatternsService,
    ProxyService,
    DynamicSecretsRepository,
    DynamicSecretsService,
    VaultMcpService,
  ],
})
export class VaultModule {}
