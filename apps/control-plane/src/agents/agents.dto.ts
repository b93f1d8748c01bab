import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { BUDGET_WINDOWS, SERVICE_TYPE_PATTERN } from '@portcullis/domain';
import type { Agent } from '@portcullis/db';
import type { BudgetLimit, RequiredCredential } from '@portcullis/contracts';
import { BudgetDto, PROVIDER_URL_OPTIONS, ProviderInputDto, ProviderResponseDto } from '../llm/provider.dto.js';
import { MAX_ALLOWED_UPSTREAMS } from '../llm/provider.rules.js';

const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false, allow_underscores: true };
const NAME = /^[A-Za-z0-9][\w .-]*$/;

export class RequiredCredentialDto {
  @ApiProperty({ example: 'github' })
  @IsString()
  @Matches(SERVICE_TYPE_PATTERN, { message: 'serviceType must be lowercase letters, digits, _ or -, at most 63' })
  serviceType!: string;
}

export class RateLimitDto {
  @ApiProperty() @IsInt() @Min(1) @Max(1_000_000) requests!: number;
  @ApiProperty() @IsInt() @Min(1) @Max(86_400) windowSeconds!: number;
}

export class AgentCreateDto {
  @ApiProperty()
  @IsString()
  @Length(1, 100)
  @Matches(NAME, { message: 'name must start with a letter or digit and hold letters, digits, spaces, _ . -' })
  name!: string;

  @ApiProperty({ example: 'https://agent.internal:8080' })
  @IsUrl(URL_OPTIONS, { message: 'upstreamUrl must be an http(s) URL' })
  upstreamUrl!: string;

  @ApiProperty({ type: [RequiredCredentialDto] })
  @IsArray()
  @ArrayMaxSize(32)
  @ValidateNested({ each: true })
  @Type(() => RequiredCredentialDto)
  requiredCredentials!: RequiredCredentialDto[];

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) description?: string;

  @ApiPropertyOptional({ description: 'sent upstream as Authorization: Bearer; write-only' })
  @IsOptional()
  @IsString()
  @Length(1, 4096)
  upstreamSecret?: string;

  @ApiPropertyOptional({ type: RateLimitDto }) @IsOptional() @ValidateNested() @Type(() => RateLimitDto) rateLimit?: RateLimitDto;

  @ApiPropertyOptional({ type: ProviderInputDto, nullable: true, description: "the agent's LLM provider; none = the tenant default" })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ProviderInputDto)
  provider?: ProviderInputDto | null;

  @ApiPropertyOptional({
    type: [String],
    example: ['https://eu.api.openai.com/v1'],
    description: `base URLs a caller may select with X-Portcullis-Upstream (at most ${MAX_ALLOWED_UPSTREAMS}; stored without trailing slash, duplicates dropped)`,
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_ALLOWED_UPSTREAMS, { message: `allowedUpstreams holds at most ${MAX_ALLOWED_UPSTREAMS} URLs` })
  @IsUrl(PROVIDER_URL_OPTIONS, { each: true, message: 'each allowedUpstreams entry must be an http(s) URL' })
  @MaxLength(2048, { each: true })
  allowedUpstreams?: string[];

  @ApiPropertyOptional({ type: [BudgetDto], nullable: true, description: 'at most one entry per window; null or [] = no budget' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(BUDGET_WINDOWS.length)
  @ValidateNested({ each: true })
  @Type(() => BudgetDto)
  budgets?: BudgetDto[] | null;
}

/**
 * Every field optional; `null` clears description, upstreamSecret, rateLimit, provider and budgets.
 * A provider without `apiKey` keeps the stored key.
 */
export class AgentUpdateDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 100)
  @Matches(NAME, { message: 'name must start with a letter or digit and hold letters, digits, spaces, _ . -' })
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUrl(URL_OPTIONS, { message: 'upstreamUrl must be an http(s) URL' })
  upstreamUrl?: string;

  @ApiPropertyOptional({ type: [RequiredCredentialDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @ValidateNested({ each: true })
  @Type(() => RequiredCredentialDto)
  requiredCredentials?: RequiredCredentialDto[];

  @ApiPropertyOptional({ nullable: true }) @IsOptional() @IsString() @MaxLength(2000) description?: string | null;

  @ApiPropertyOptional({ nullable: true }) @IsOptional() @IsString() @Length(1, 4096) upstreamSecret?: string | null;

  @ApiPropertyOptional({ type: RateLimitDto, nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => RateLimitDto)
  rateLimit?: RateLimitDto | null;

  @ApiPropertyOptional({ type: ProviderInputDto, nullable: true, description: "the agent's LLM provider; none = the tenant default" })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ProviderInputDto)
  provider?: ProviderInputDto | null;

  @ApiPropertyOptional({
    type: [String],
    example: ['https://eu.api.openai.com/v1'],
    description: `base URLs a caller may select with X-Portcullis-Upstream (at most ${MAX_ALLOWED_UPSTREAMS}; stored without trailing slash, duplicates dropped)`,
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_ALLOWED_UPSTREAMS, { message: `allowedUpstreams holds at most ${MAX_ALLOWED_UPSTREAMS} URLs` })
  @IsUrl(PROVIDER_URL_OPTIONS, { each: true, message: 'each allowedUpstreams entry must be an http(s) URL' })
  @MaxLength(2048, { each: true })
  allowedUpstreams?: string[];

  @ApiPropertyOptional({ type: [BudgetDto], nullable: true, description: 'at most one entry per window; null or [] = no budget' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(BUDGET_WINDOWS.length)
  @ValidateNested({ each: true })
  @Type(() => BudgetDto)
  budgets?: BudgetDto[] | null;
}

export class AgentResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() tenantId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty() upstreamUrl!: string;
  @ApiProperty({ type: [RequiredCredentialDto] }) requiredCredentials!: RequiredCredential[];
  @ApiProperty() hasUpstreamSecret!: boolean;
  @ApiProperty({ type: RateLimitDto, nullable: true }) rateLimit!: RateLimitDto | null;
  @ApiProperty({ type: ProviderResponseDto, nullable: true }) provider!: ProviderResponseDto | null;
  @ApiProperty({ type: [String] }) allowedUpstreams!: string[];
  @ApiProperty({ type: [BudgetDto] }) budgets!: BudgetLimit[];
  @ApiProperty({ enum: ['active', 'disabled'] }) status!: 'active' | 'disabled';
  @ApiProperty({ description: 'the first characters of the runtime token' }) tokenHint!: string;
  @ApiProperty() version!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;

  static from(a: Agent): AgentResponseDto {
    return {
      id: a.id,
      tenantId: a.tenantId,
      name: a.name,
      description: a.description,
      upstreamUrl: a.upstreamUrl,
      requiredCredentials: a.requiredCredentials as unknown as RequiredCredential[],
      hasUpstreamSecret: a.sealedUpstreamSecret !== null,
      rateLimit:
        a.rateLimitRequests && a.rateLimitWindowSeconds ? { requests: a.rateLimitRequests, windowSeconds: a.rateLimitWindowSeconds } : null,
      provider: ProviderResponseDto.from(a.providerKind, a.providerBaseUrl, a.sealedProviderKey),
      allowedUpstreams: a.allowedUpstreams,
      budgets: a.budgets as unknown as BudgetLimit[],
      status: a.status,
      tokenHint: a.tokenHint,
      version: a.version,
      createdAt: a.createdAt.toISOString(),
      updatedAt: a.updatedAt.toISOString(),
    };
  }
}

export class AgentCreatedDto {
  @ApiProperty() agent!: AgentResponseDto;
  @ApiProperty({ description: 'the art_ runtime token, shown this once' }) runtimeToken!: string;
}

export class RuntimeTokenDto {
  @ApiProperty({ description: 'the new art_ runtime token, shown this once; the old one stops working' }) runtimeToken!: string;
}
