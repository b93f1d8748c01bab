/**
 * The LLM provider and budget shapes of the admin API, shared by agents and the tenant settings.
 * A provider key is write-only: requests may carry `apiKey`, responses only say `hasApiKey`.
 */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min } from 'class-validator';
import { BUDGET_WINDOWS, PROVIDER_KINDS, type BudgetWindow, type ProviderKind } from '@portcullis/domain';

export const PROVIDER_URL_OPTIONS = {
  protocols: ['http', 'https'],
  require_protocol: true,
  require_tld: false,
  allow_underscores: true,
};

export class ProviderInputDto {
  @ApiProperty({ enum: PROVIDER_KINDS, example: 'openai' })
  @IsIn(PROVIDER_KINDS, { message: `provider.kind must be one of ${PROVIDER_KINDS.join(', ')}` })
  kind!: ProviderKind;

  @ApiProperty({
    example: 'https://api.openai.com/v1',
    description: 'http(s) URL without credentials, query or fragment; its path is kept (e.g. /v1), a trailing slash is dropped',
  })
  @IsUrl(PROVIDER_URL_OPTIONS, { message: 'provider.baseUrl must be an http(s) URL' })
  @MaxLength(2048)
  baseUrl!: string;

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description:
      'write-only provider key, sealed at rest and never returned. null or "" = keyless (local models); ' +
      'omitted on update = keep the current key',
  })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  // Printable ASCII without spaces: the proxy puts it in a header, where CR/LF would be an injection.
  @Matches(/^[\x21-\x7e]*$/, { message: 'provider.apiKey must be printable ASCII without spaces' })
  apiKey?: string | null;
}

export class ProviderResponseDto {
  @ApiProperty({ enum: PROVIDER_KINDS }) kind!: ProviderKind;
  @ApiProperty() baseUrl!: string;
  @ApiProperty({ description: 'whether a provider key is stored (the key itself is never returned)' }) hasApiKey!: boolean;

  /** From the three columns a provider is stored in; null when no provider is set. */
  static from(kind: string | null, baseUrl: string | null, sealedKey: string | null): ProviderResponseDto | null {
    if (!kind || !baseUrl) return null;
    return { kind: kind as ProviderKind, baseUrl, hasApiKey: sealedKey !== null };
  }
}

export class BudgetDto {
  @ApiProperty({ enum: BUDGET_WINDOWS, description: 'UTC window: the counters reset at its start' })
  @IsIn(BUDGET_WINDOWS, { message: `budgets.window must be one of ${BUDGET_WINDOWS.join(', ')}` })
  window!: BudgetWindow;

  @ApiPropertyOptional({ description: 'LLM requests allowed in the window' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  requests?: number;

  @ApiPropertyOptional({ description: 'tokens (input + output) allowed in the window' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000_000_000)
  tokens?: number;
}
