import { Body, Controller, Get, Patch, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireRole } from '../common/auth/decorators.js';
import type { TenantPrincipal } from '../common/auth/principal.js';
import { TenantAuthGuard } from '../common/auth/tenant-auth.guard.js';
import { TenantSettingsResponseDto, TenantSettingsUpdateDto } from './tenant-settings.dto.js';
import { TenantSettingsService } from './tenant-settings.service.js';

@ApiTags('tenant')
@ApiBearerAuth()
@UseGuards(TenantAuthGuard)
@RequireRole('admin')
@Controller('api/v1/admin/tenant')
export class TenantSettingsController {
  constructor(private readonly settings: TenantSettingsService) {}

  @Get()
  @ApiOkResponse({ type: TenantSettingsResponseDto })
  get(@CurrentPrincipal() p: TenantPrincipal) {
    return this.settings.get(p.tenantId);
  }

  @Patch()
  @ApiOkResponse({ type: TenantSettingsResponseDto })
  update(@CurrentPrincipal() p: TenantPrincipal, @Body() dto: TenantSettingsUpdateDto) {
    return this.settings.update(p.tenantId, dto);
  }
}
