import { Module } from '@nestjs/common';
import { RootGuard } from '../common/auth/root.guard.js';
import { SessionKeysController } from './session-keys.controller.js';
import { SessionKeysRepository } from './session-keys.repository.js';
import { SessionKeysService } from './session-keys.service.js';

@Module({ controllers: [SessionKeysController], providers: [SessionKeysRepository, SessionKeysService, RootGuard] })
export class SessionKeysModule {}
