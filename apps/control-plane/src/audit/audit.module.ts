import { Module } from '@nestjs/common';
import { ApiKeysRepository } from '../api-keys/api-keys.repository.js';
import { TenantAuthGuard } from '../common/auth/tenant-auth.guard.js';
import { AuditController, PublicAuditController } from './audit.controller.js';
import { AuditEventsProducer } from './audit-events.producer.js';
import { AuditRepository } from './audit.repository.js';
import { AuditService } from './audit.service.js';

/** Reading and verifying chains; and the producer other features call to stamp admin actions. */
@Module({
  controllers: [AuditController, PublicAuditController],
  // The guard and its repository are listed here so the module's controllers can use them.
  providers: [AuditRepository, AuditService, AuditEventsProducer, TenantAuthGuard, ApiKeysRepository],
  exports: [AuditEventsProducer, AuditService, AuditRepository],
})
export class AuditModule {}
