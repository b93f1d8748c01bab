import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';

export const DYNAMIC_PROVIDERS = ['postgresql', 'ssh'] as const;
export type DynamicProviderType = (typeof DYNAMIC_PROVIDERS)[number];
export const DYNAMIC_TTL_MIN = 10;
export const DYNAMIC_TTL_MAX = 86_400;

/** One flat body for both providers; the service checks that the fields of the chosen one are there. */
export class DynamicSecretCreateDto {
  @ApiProperty({ example: 'db/analytics' })
  @IsString()
  @Length(1, 256)
  path!: string;

  @ApiProperty({ enum: DYNAMIC_PROVIDERS })
  @IsIn(DYNAMIC_PROVIDERS, { message: `provider must be one of ${DYNAMIC_PROVIDERS.join(', ')}` })
  provider!: DynamicProviderType;

  @ApiPropertyOptional({ description: `seconds, ${DYNAMIC_TTL_MIN}..${DYNAMIC_TTL_MAX}; default 3600 (capped by max_ttl)` })
  @IsOptional()
  @IsInt()
  @Min(DYNAMIC_TTL_MIN)
  @Max(DYNAMIC_TTL_MAX)
  default_ttl?: number;

  @ApiPropertyOptional({ description: `seconds, ${DYNAMIC_TTL_MIN}..${DYNAMIC_TTL_MAX}; default 86400` })
  @IsOptional()
  @IsInt()
  @Min(DYNAMIC_TTL_MIN)
  @Max(DYNAMIC_TTL_MAX)
  max_ttl?: number;

  @ApiPropertyOptional({ description: 'postgresql: URL of a role with CREATEROLE on the target (sealed, never shown again)' })
  @IsOptional()
  @IsString()
  @Length(1, 2048)
  connection_url?: string;

  @ApiPropertyOptional({
    description: 'postgresql: statements with {{name}}, {{password}}, {{expiration}}; default CREATE ROLE ... VALID UNTIL',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  creation_statements?: string[];

  @ApiPropertyOptional({ description: 'postgresql: run after creation, e.g. GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}"' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  default_grants?: string[];

  @ApiPropertyOptional({ description: 'ssh: the CA Ed25519 private key, PKCS#8 PEM (sealed); omitted → Portcullis generates one' })
  @IsOptional()
  @IsString()
  @Length(1, 8192)
  ca_private_key?: string;

  @ApiPropertyOptional({ description: 'ssh: logins the certificates are valid for' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(32)
  @IsString({ each: true })
  principals?: string[];
}

export interface DynamicSecretResponseDto {
  id: string;
  path: string;
  provider: DynamicProviderType;
  /** the non-secret settings (postgresql: host, port, database, statements, grants; ssh: principals, CA public key) */
  settings: Record<string, unknown>;
  default_ttl: number;
  max_ttl: number;
  created_at: string;
  updated_at: string;
}

export interface DynamicCheckoutResponseDto {
  lease_id: string;
  path: string;
  provider_type: DynamicProviderType;
  credential: Record<string, unknown>;
  ttl_seconds: number;
  expires_at: string;
}
