import { type DynamicModule, Inject, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CONFIG, type Config } from './common/config.js';
import { LOGGER } from './common/logger.provider.js';
import { METRICS, type Metrics } from './common/metrics.js';
import { JwtStrategy } from './common/auth/jwt.strategy.js';
import { TenantAuthGuard } from './common/auth/tenant-auth.guard.js';
import { InternalGuard, RootGuard } from './common/auth/root.guard.js';
import { InfraModule } from './infra/infra.module.js';
import { REDIS } from './infra/tokens.js';
import { SnapshotPublisher } from './infra/snapshot-publisher.js';
import { TenantsController } from './platform/tenants.controller.js';
import { TenantsRepository } from './platform/tenants.repository.js';
import { TenantsService } from './platform/tenants.service.js';
import { AuthController } from './auth/auth.controller.js';
import { AuthService } from './auth/auth.service.js';
import { UsersController } from './users/users.controller.js';
import { UsersRepository } from './users/users.repository.js';
import { UsersService } from './users/users.service.js';
import { ApiKeysController } from './api-keys/api-keys.controller.js';
import { ApiKeysRepository } from './api-keys/api-keys.repository.js';
import { ApiKeysService } from './api-keys/api-keys.service.js';
import { AgentsController } from './agents/agents.controller.js';
import { AgentsRepository } from './agents/agents.repository.js';
import { AgentsService } from './agents/agents.service.js';
import { CredentialsController } from './credentials/credentials.controller.js';
import { CredentialsRepository } from './credentials/credentials.repository.js';
import { CredentialsService } from './credentials/credentials.service.js';
import { IssuersController } from './issuers/issuers.controller.js';
import { IssuersRepository } from './issuers/issuers.repository.js';
import { IssuersService } from './issuers/issuers.service.js';
import { TenantSettingsController } from './tenant-settings/tenant-settings.controller.js';
import { TenantSettingsRepository } from './tenant-settings/tenant-settings.repository.js';
import { TenantSettingsService } from './tenant-settings/tenant-settings.service.js';
import { HealthController } from './health/health.controller.js';
import { InternalController } from './internal/internal.controller.js';
import { VaultModule } from './vault/vault.module.js';
import { AuditModule } from './audit/audit.module.js';
import { SessionKeysModule } from './session-keys/session-keys.module.js';
import { ConnectModule } from './connect/connect.module.js';
import { WalletModule } from './wallet/wallet.module.js';
import { McpServersModule } from './mcp-servers/mcp-servers.module.js';

@Module({})
export class AppModule implements OnApplicationBootstrap {
  static forRoot(config: Config, logger: Logger, metrics: Metrics): DynamicModule {
    const globals = {
      module: class CoreModule {},
      global: true,
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: METRICS, useValue: metrics },
      ],
      exports: [CONFIG, LOGGER, METRICS],
    } satisfies DynamicModule;
    return {
      module: AppModule,
      imports: [
        globals,
        InfraModule,
        PassportModule,
        JwtModule.register({}),
        VaultModule,
        AuditModule,
        SessionKeysModule,
        ConnectModule,
        WalletModule,
        McpServersModule,
      ],
      controllers: [
        HealthController,
        TenantsController,
        AuthController,
        UsersController,
        ApiKeysController,
        AgentsController,
        CredentialsController,
        IssuersController,
        TenantSettingsController,
        InternalController,
      ],
      providers: [
        JwtStrategy,
        TenantAuthGuard,
        RootGuard,
        InternalGuard,
        TenantsRepository,
        TenantsService,
        AuthService,
        UsersRepository,
        UsersService,
        ApiKeysRepository,
        ApiKeysService,
        AgentsRepository,
        AgentsService,
        CredentialsRepository,
        CredentialsService,
        IssuersRepository,
        IssuersService,
        TenantSettingsRepository,
        TenantSettingsService,
      ],
    };
  }

  constructor(
    private readonly publisher: SnapshotPublisher,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Postgres is the truth: write every snapshot at start, and again whenever the Redis connection
   * comes back (a restarted Redis is empty), so the data plane heals without anyone's help.
   */
  async onApplicationBootstrap(): Promise<void> {
    if (this.redis.status === 'ready') {
      const counts = await this.publisher.republishAll();
      this.logger.info(counts, 'republished data-plane snapshots');
    }
    this.redis.on('ready', () => {
      this.publisher.republishAll().then(
        (c) => this.logger.info(c, 'republished after Redis reconnect'),
        (err: Error) => this.logger.error({ err: err.message }, 'republish after Redis reconnect failed'),
      );
    });
  }
}
