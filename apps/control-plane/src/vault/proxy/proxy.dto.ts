import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsObject, IsOptional, IsString, Length, Matches } from 'class-validator';

export class ProxyRequestDto {
  @ApiProperty({ example: 'GET' })
  @IsString()
  @Matches(/^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$/i, { message: 'method must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS' })
  method!: string;

  @ApiProperty({ example: 'https://api.github.com/user', description: 'absolute http(s) URL; may hold {{secret:path}}' })
  @IsString()
  @Length(1, 8192)
  url!: string;

  @ApiPropertyOptional({ description: 'header name → value; values may hold {{secret:path}}' })
  @IsOptional()
  @IsObject()
  headers?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'a string (sent as is) or a JSON value (sent as JSON); may hold {{secret:path}}' })
  @IsOptional()
  @IsDefined()
  body?: unknown;

  @ApiPropertyOptional({
    example: { Authorization: 'api-keys/github' },
    description: 'header → secret path; "basic:<path>" for user:password',
  })
  @IsOptional()
  @IsObject()
  inject?: Record<string, unknown>;
}
