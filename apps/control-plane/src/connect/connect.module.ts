import { Module } from '@nestjs/common';
import { ApiKeysRepository } from '../api-keys/api-keys.repository.js';
import { CredentialsRepository } from '../credentials/credentials.repository.js';
import { CredentialsService } from '../credentials/credentials.service.js';
import { AuditModule } from '../audit/audit.module.js';
import { ConnectController } from './connect.controller.js';
import { ConnectRepository } from './connect.repository.js';
import { ConnectService } from './connect.service.js';

@Module({
  // The end user's own credential is stored the way an admin's is, stamped on the agents that need it.
  imports: [AuditModule],
  controllers: [ConnectController],
  providers: [ConnectService, ConnectRepository, ApiKeysRepository, CredentialsRepository, CredentialsService],
})
export class ConnectModule {}
