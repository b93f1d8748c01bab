import { Body, Controller, Get, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RootGuard } from '../common/auth/root.guard.js';
import { IdPipe } from '../common/id.pipe.js';
import { PageQueryDto } from '../common/pagination.js';
import { TenantCreateDto } from './tenants.dto.js';
import { TenantsService } from './tenants.service.js';

@ApiTags('platform')
@ApiBearerAuth()
@UseGuards(RootGuard)
@Controller('api/v1/platform/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  create(@Body() dto: TenantCreateDto) {
    return this.tenants.create(dto);
  }

  @Get()
  list(@Query() page: PageQueryDto) {
    return this.tenants.list(page);
  }

  @Get(':id')
  get(@Param('id', IdPipe) id: string) {
    return this.tenants.get(id);
  }
}
