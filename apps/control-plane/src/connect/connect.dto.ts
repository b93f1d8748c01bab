import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Length } from 'class-validator';

export class ConnectQueryDto {
  @ApiPropertyOptional({
    description: 'the tenant whose trusted issuers vouch for the user JWT (from the 401 authUrl); not needed with an API key',
  })
  @IsOptional()
  @IsUUID()
  tenant?: string;
}

export class ConnectBodyDto {
  @ApiProperty({ description: "the end user's own secret for this service; sealed at rest, never returned" })
  @IsString()
  @Length(1, 16_384)
  value!: string;
}
