import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import type { McpServer } from '@portcullis/db';
import type { RequiredCredential } from '@portcullis/contracts';
import { RequiredCredentialDto } from '../agents/agents.dto.js';

const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false, allow_underscores: true };
const NAME = /^[A-Za-z0-9][\w .-]*$/;
const NAME_MESSAGE = 'name must start with a letter or digit and hold letters, digits, spaces, _ . -';
/** MCP tool names (spec 2025-06-18): 1–128 of letters, digits, `_`, `-`, `.`, `/`. */
export const TOOL_NAME = /^[A-Za-z0-9_./-]{1,128}$/;
const TOOL_MESSAGE = 'each allowedTools entry must be an MCP tool name (1-128 of letters, digits, _ - . /)';

/** Where the proxy serves a registered server. */
export const MCP_SERVER_PATH = '/mcp/servers';

export class McpServerCreateDto {
  @ApiProperty({ example: 'github-tools' })
  @IsString()
  @Length(1, 100)
  @Matches(NAME, { message: NAME_MESSAGE })
  name!: string;

  @ApiProperty({ example: 'http://mcp-github.internal:8080/mcp', description: 'the Streamable HTTP endpoint of the upstream MCP server' })
  @IsUrl(URL_OPTIONS, { message: 'url must be an http(s) URL' })
  @MaxLength(2000)
  url!: string;

  @ApiPropertyOptional({ type: [RequiredCredentialDto], description: 'injected as X-Credential-<serviceType> on every call' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @ValidateNested({ each: true })
  @Type(() => RequiredCredentialDto)
  requiredCredentials?: RequiredCredentialDto[];

  @ApiPropertyOptional({ description: 'every agent of the tenant may use the server (default false)' })
  @IsOptional()
  @IsBoolean()
  allAgents?: boolean;

  @ApiPropertyOptional({ type: [String], description: 'the agents that may use the server (when allAgents is false)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true, message: 'each agentIds entry must be an agent id' })
  agentIds?: string[];

  @ApiPropertyOptional({ type: [String], nullable: true, description: 'tools runtimes may see and call; absent or null = every tool' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @Matches(TOOL_NAME, { each: true, message: TOOL_MESSAGE })
  allowedTools?: string[] | null;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) description?: string;
}

/** Every field optional; `null` clears description and allowedTools (every tool allowed again). */
export class McpServerUpdateDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 100)
  @Matches(NAME, { message: NAME_MESSAGE })
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUrl(URL_OPTIONS, { message: 'url must be an http(s) URL' })
  @MaxLength(2000)
  url?: string;

  @ApiPropertyOptional({ type: [RequiredCredentialDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @ValidateNested({ each: true })
  @Type(() => RequiredCredentialDto)
  requiredCredentials?: RequiredCredentialDto[];

  @ApiPropertyOptional() @IsOptional() @IsBoolean() allAgents?: boolean;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsUUID('all', { each: true, message: 'each agentIds entry must be an agent id' })
  agentIds?: string[];

  @ApiPropertyOptional({ type: [String], nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @Matches(TOOL_NAME, { each: true, message: TOOL_MESSAGE })
  allowedTools?: string[] | null;

  @ApiPropertyOptional({ nullable: true }) @IsOptional() @IsString() @MaxLength(2000) description?: string | null;
}

export class McpServerResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() tenantId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty() url!: string;
  @ApiProperty({ type: [RequiredCredentialDto] }) requiredCredentials!: RequiredCredential[];
  @ApiProperty() allAgents!: boolean;
  @ApiProperty({ type: [String] }) agentIds!: string[];
  @ApiProperty({ type: [String], nullable: true }) allowedTools!: string[] | null;
  @ApiProperty({ description: 'path on the proxy where runtimes reach this server', example: '/mcp/servers/<id>' }) gatewayPath!: string;
  @ApiProperty() version!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;

  static from(s: McpServer): McpServerResponseDto {
    return {
      id: s.id,
      tenantId: s.tenantId,
      name: s.name,
      description: s.description,
      url: s.url,
      requiredCredentials: s.requiredCredentials as unknown as RequiredCredential[],
      allAgents: s.allAgents,
      agentIds: s.agentIds,
      allowedTools: (s.allowedTools as string[] | null) ?? null,
      gatewayPath: `${MCP_SERVER_PATH}/${s.id}`,
      version: s.version,
      createdAt: s.createdAt.toISOString(),
      updatedAt: s.updatedAt.toISOString(),
    };
  }
}
