import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Length, Matches } from 'class-validator';
import { ROLES, type Role } from '@portcullis/domain';
import type { ApiKey } from '@portcullis/db';

export class ApiKeyCreateDto {
  @ApiProperty()
  @IsString()
  @Length(1, 100)
  @Matches(/^[\w .:-]+$/, { message: 'name may hold letters, digits, spaces and _ . : -' })
  name!: string;
  @ApiProperty({ enum: [...ROLES] }) @IsIn([...ROLES]) role!: Role;
}

export class ApiKeyResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() tenantId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: [...ROLES] }) role!: Role;
  @ApiProperty({ description: 'the first characters of the key, to recognise it' }) hint!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) revokedAt!: string | null;

  static from(k: ApiKey): ApiKeyResponseDto {
    return {
      id: k.id,
      tenantId: k.tenantId,
      name: k.name,
      role: k.role,
      hint: k.hint,
      createdAt: k.createdAt.toISOString(),
      revokedAt: k.revokedAt?.toISOString() ?? null,
    };
  }
}

export class ApiKeyCreatedDto {
  @ApiProperty() apiKey!: ApiKeyResponseDto;
  @ApiProperty({ description: 'the key itself, shown this once' }) key!: string;
}
