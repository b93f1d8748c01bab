import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';

export const LINK_TTL_MIN = 60;
export const LINK_TTL_MAX = 604_800;

export class OnboardingLinkCreateDto {
  @ApiProperty() @IsUUID('all', { message: 'approleId must be an AppRole id' }) approleId!: string;
  @ApiPropertyOptional({ default: 86_400, description: '60 s to 7 days' })
  @IsOptional()
  @IsInt()
  @Min(LINK_TTL_MIN)
  @Max(LINK_TTL_MAX)
  ttlSeconds?: number;
}

/** `/v1` bodies use snake_case, like every /v1 response. */
export class RotateLinkCreateDto {
  @ApiProperty() @IsUUID('all', { message: 'approle_id must be an AppRole id' }) approle_id!: string;
  @ApiPropertyOptional({ default: 86_400, description: '60 s to 7 days' })
  @IsOptional()
  @IsInt()
  @Min(LINK_TTL_MIN)
  @Max(LINK_TTL_MAX)
  ttl_seconds?: number;
}
