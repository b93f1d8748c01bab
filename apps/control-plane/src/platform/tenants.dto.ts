import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { SLUG_PATTERN } from '@portcullis/domain';
import type { Tenant } from '@portcullis/db';

export class TenantCreateDto {
  @ApiProperty() @IsString() @Length(1, 200) name!: string;
  @ApiProperty({ example: 'acme' })
  @IsString()
  @Matches(SLUG_PATTERN, { message: 'slug must be 1-63 lowercase letters, digits or hyphens, not starting or ending with a hyphen' })
  slug!: string;
}

export class TenantResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() slug!: string;
  @ApiProperty() status!: string;
  @ApiProperty() createdAt!: string;

  static from(t: Tenant): TenantResponseDto {
    return { id: t.id, name: t.name, slug: t.slug, status: t.status, createdAt: t.createdAt.toISOString() };
  }
}

export class TenantCreatedDto {
  @ApiProperty() tenant!: TenantResponseDto;
  @ApiProperty({ description: 'the first admin API key (pk_…), shown this once' }) adminApiKey!: string;
}
