import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, Length } from 'class-validator';

export const SECRET_VALUE_MAX_LENGTH = 65_536;

export class SecretPutDto {
  @ApiProperty({ description: 'the secret value; write-only except through /value and leases' })
  @IsString()
  @Length(1, SECRET_VALUE_MAX_LENGTH, { message: `value must be a non-empty string of at most ${SECRET_VALUE_MAX_LENGTH} characters` })
  value!: string;

  @ApiPropertyOptional({ description: 'flat map of strings (at most 32 keys; keys ≤ 64, values ≤ 1024 characters)' })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;
}

export interface SecretListItem {
  path: string;
  version: number;
  created_at: string;
  metadata: Record<string, string>;
  pattern_count: number;
  /** the best learned proxy pattern, "METHOD url_template"; absent until one is learned */
  top_pattern?: string;
}

export interface SecretMetadata extends SecretListItem {
  updated_at: string;
  versions: number;
  /** what the caller may do with this secret */
  capabilities: string[];
}
