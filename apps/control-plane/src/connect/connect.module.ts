import { Module } from '@nestjs/common';
import { ApiKeysRepository } from '../api-keys/api-keys.repository.js';
import { CredentialsRepository } from '../credentials/credentials.repository.js';
import { CredentialsService } from '../credentials/credentials.service.js';
import { ConnectController } from './connect.controller.js';
import { ConnectRepository } from './connect.repository.js';
import { ConnectService } from './connect.service.js';

@Module({
  controllers: [ConnectController],
  providers: [ConnectService, ConnectRepository, ApiKeysRepository, CredentialsRepository, CredentialsService],
})
export class ConnectModule {}
