import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';
import type { VaultAppRole } from '@portcullis/db';
import { POLICY_NAME } from '../policies/policies.dto.js';

export const TOKEN_TTL_DEFAULT = 86_400;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export class AppRoleCreateDto {
  @ApiProperty({ example: 'support-bot' })
  @IsString()
  @Matches(NAME, { message: 'name must be 1-63 letters, digits, _ . - starting with a letter or digit' })
  name!: string;

  @ApiProperty({ example: ['openai-reader'] })
  @IsArray()
  @ArrayMaxSize(32)
  @Matches(POLICY_NAME, { each: true, message: 'policies must be policy names' })
  policies!: string[];

  @ApiPropertyOptional({ example: ['10.0.0.0/8'], description: 'CIDRs the AppRole may call from; empty = anywhere' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(64)
  @IsString({ each: true })
  @Length(2, 64, { each: true })
  ipAllowlist?: string[];

  @ApiPropertyOptional({ description: 'bind to an agent: its kill switch then suspends this AppRole' })
  @IsOptional()
  @IsUUID('all', { message: 'agentId must be an agent id' })
  agentId?: string;

  @ApiPropertyOptional({ default: TOKEN_TTL_DEFAULT, description: 'vault JWT lifetime, 60 s to 30 days' })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(2_592_000)
  tokenTtlSeconds?: number;
}

export class AppRoleResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() roleId!: string;
  @ApiProperty({ description: 'the first characters of the current secret_id' }) secretIdHint!: string;
  @ApiProperty() policies!: string[];
  @ApiProperty() ipAllowlist!: string[];
  @ApiProperty() suspended!: boolean;
  @ApiProperty() tokenTtlSeconds!: number;
  @ApiProperty({ nullable: true, type: String }) agentId!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;

  static from(a: VaultAppRole): AppRoleResponseDto {
    return {
      id: a.id,
      name: a.name,
      roleId: a.roleId,
      secretIdHint: a.secretIdHint,
      policies: a.policies,
      ipAllowlist: a.ipAllowlist,
      suspended: a.suspended,
      tokenTtlSeconds: a.tokenTtlSeconds,
      agentId: a.agentId,
      createdAt: a.createdAt.toISOString(),
      updatedAt: a.updatedAt.toISOString(),
    };
  }
}

export class AppRoleCreatedDto {
  @ApiProperty() approle!: AppRoleResponseDto;
  @ApiProperty() role_id!: string;
  @ApiProperty({ description: 'shown this once; only its hash is stored' }) secret_id!: string;
}
