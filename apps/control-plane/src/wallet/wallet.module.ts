import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { InternalGuard } from '../common/auth/root.guard.js';
import { WalletController } from './wallet.controller.js';
import { WalletRepository } from './wallet.repository.js';
import { WalletService } from './wallet.service.js';

/** The internal endpoints behind the proxy's agent wallet (chains, artifacts, workrooms). */
@Module({
  imports: [AuditModule],
  controllers: [WalletController],
  providers: [WalletService, WalletRepository, InternalGuard],
})
export class WalletModule {}
