import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsString, Length, Matches, ValidateNested } from 'class-validator';
import { CAPABILITIES, type Capability, type PolicyRule } from '@portcullis/domain';
import type { VaultPolicy } from '@portcullis/db';
import { rulesOf } from './policies.repository.js';

export const POLICY_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export class PolicyRuleDto {
  @ApiProperty({ example: 'api-keys/*', description: 'glob: * within a segment, ** across segments' })
  @IsString()
  @Length(1, 256)
  path!: string;

  @ApiProperty({ enum: CAPABILITIES, isArray: true, example: ['read'] })
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(CAPABILITIES, { each: true, message: `capabilities must each be one of ${CAPABILITIES.join(', ')}` })
  capabilities!: Capability[];
}

export class PolicyCreateDto {
  @ApiProperty({ example: 'openai-reader' })
  @IsString()
  @Matches(POLICY_NAME, { message: 'name must be lowercase letters, digits, _ or -, at most 63' })
  name!: string;

  @ApiProperty({ type: [PolicyRuleDto] })
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => PolicyRuleDto)
  rules!: PolicyRuleDto[];
}

export class PolicyUpdateDto {
  @ApiProperty({ type: [PolicyRuleDto] })
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => PolicyRuleDto)
  rules!: PolicyRuleDto[];
}

export class PolicyResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: [PolicyRuleDto] }) rules!: PolicyRule[];
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;

  static from(p: VaultPolicy): PolicyResponseDto {
    return { id: p.id, name: p.name, rules: rulesOf(p), createdAt: p.createdAt.toISOString(), updatedAt: p.updatedAt.toISOString() };
  }
}
