import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUrl, Length } from 'class-validator';
import type { TrustedIssuer } from '@portcullis/db';

const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };

export class IssuerCreateDto {
  @ApiProperty({ example: 'https://login.example.com/' }) @IsString() @Length(1, 500) issuer!: string;
  @ApiProperty({ example: 'https://login.example.com/.well-known/jwks.json' })
  @IsUrl(URL_OPTIONS, { message: 'jwksUri must be an http(s) URL' })
  jwksUri!: string;
  @ApiProperty({ example: 'portcullis' }) @IsString() @Length(1, 500) audience!: string;
}

export class IssuerUpdateDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 500) issuer?: string;
  @ApiPropertyOptional() @IsOptional() @IsUrl(URL_OPTIONS, { message: 'jwksUri must be an http(s) URL' }) jwksUri?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 500) audience?: string;
}

export class IssuerResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() tenantId!: string;
  @ApiProperty() issuer!: string;
  @ApiProperty() jwksUri!: string;
  @ApiProperty() audience!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;

  static from(i: TrustedIssuer): IssuerResponseDto {
    return {
      id: i.id,
      tenantId: i.tenantId,
      issuer: i.issuer,
      jwksUri: i.jwksUri,
      audience: i.audience,
      createdAt: i.createdAt.toISOString(),
      updatedAt: i.updatedAt.toISOString(),
    };
  }
}
