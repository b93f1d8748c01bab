import { Module } from '@nestjs/common';
import { ApiKeysRepository } from '../api-keys/api-keys.repository.js';
import { AuditModule } from '../audit/audit.module.js';
import { TenantAuthGuard } from '../common/auth/tenant-auth.guard.js';
import { McpServersController } from './mcp-servers.controller.js';
import { McpServersRepository } from './mcp-servers.repository.js';
import { McpServersService } from './mcp-servers.service.js';

/** Upstream MCP servers for agent runtimes: the admin API; the proxy serves them at /mcp/servers/:id. */
@Module({
  imports: [AuditModule],
  controllers: [McpServersController],
  providers: [McpServersRepository, McpServersService, TenantAuthGuard, ApiKeysRepository],
})
export class McpServersModule {}
