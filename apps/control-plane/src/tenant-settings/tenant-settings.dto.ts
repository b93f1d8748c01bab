import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsObject, IsOptional, ValidateNested } from 'class-validator';
import type { Tenant } from '@portcullis/db';
import { ProviderInputDto, ProviderResponseDto } from '../llm/provider.dto.js';

/** Every field optional; `defaultProvider: null` clears it, a provider without `apiKey` keeps the stored key. */
export class TenantSettingsUpdateDto {
  @ApiPropertyOptional({
    type: ProviderInputDto,
    nullable: true,
    description: 'the LLM provider of every agent that has none of its own',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ProviderInputDto)
  defaultProvider?: ProviderInputDto | null;

  @ApiPropertyOptional({ description: 'let callers bring their own provider key in X-Portcullis-Provider-Key' })
  @IsOptional()
  @IsBoolean()
  allowProviderKeys?: boolean;
}

export class TenantSettingsResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() slug!: string;
  @ApiProperty({ enum: ['active', 'suspended'] }) status!: 'active' | 'suspended';
  @ApiProperty({ type: ProviderResponseDto, nullable: true }) defaultProvider!: ProviderResponseDto | null;
  @ApiProperty() allowProviderKeys!: boolean;

  static from(t: Tenant): TenantSettingsResponseDto {
    return {
      id: t.id,
      name: t.name,
      slug: t.slug,
      status: t.status,
      defaultProvider: ProviderResponseDto.from(t.defaultProviderKind, t.defaultProviderBaseUrl, t.sealedDefaultProviderKey),
      allowProviderKeys: t.allowProviderKeys,
    };
  }
}
