import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { SERVICE_TYPE_PATTERN } from '@portcullis/domain';
import { TENANT_WIDE } from '@portcullis/contracts';
import type { Credential } from '@portcullis/db';
import { PageQueryDto } from '../common/pagination.js';

const USER_ID = /^[\w@.:|+-]{1,200}$/;

export class CredentialCreateDto {
  @ApiProperty({ example: 'github' })
  @IsString()
  @Matches(SERVICE_TYPE_PATTERN, { message: 'serviceType must be lowercase letters, digits, _ or -, at most 63' })
  serviceType!: string;

  @ApiProperty({ description: 'the secret; sealed at rest, never returned' }) @IsString() @Length(1, 16_384) value!: string;

  @ApiPropertyOptional({ description: "the end user's id (the `sub` of their IdP token); omit for a tenant-wide credential" })
  @IsOptional()
  @IsString()
  @Matches(USER_ID, { message: 'userId may hold letters, digits and _ @ . : | + - (at most 200)' })
  userId?: string;
}

export class CredentialListQueryDto extends PageQueryDto {
  @IsOptional() @IsString() @Matches(SERVICE_TYPE_PATTERN, { message: 'serviceType is not a service type' }) serviceType?: string;
  @IsOptional() @IsString() @Matches(USER_ID, { message: 'userId is not a user id' }) userId?: string;
}

export class CredentialResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() tenantId!: string;
  @ApiProperty() serviceType!: string;
  @ApiProperty({ nullable: true, type: String, description: 'null for the tenant-wide credential' }) userId!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;

  static from(c: Credential): CredentialResponseDto {
    return {
      id: c.id,
      tenantId: c.tenantId,
      serviceType: c.serviceType,
      userId: c.subject === TENANT_WIDE ? null : c.subject,
      createdAt: c.createdAt.toISOString(),
      updatedAt: c.updatedAt.toISOString(),
    };
  }
}
