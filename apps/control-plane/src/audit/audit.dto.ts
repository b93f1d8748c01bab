import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import type { Checkpoint, CheckpointKey, Stamp } from '@portcullis/db';
import type { CheckpointBody, SignedCheckpoint } from '@portcullis/domain';

export class StampListQueryDto {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
  @IsOptional() @IsString() @Matches(/^[0-9]{1,12}$/, { message: 'cursor is not a cursor this API returned' }) cursor?: string;
  @ApiPropertyOptional({ enum: ['desc', 'asc'] }) @IsOptional() @IsIn(['desc', 'asc']) order?: 'desc' | 'asc';
  @ApiPropertyOptional({ example: 'request' })
  @IsOptional()
  @Matches(/^[a-z_]{1,40}$/, { message: 'type must be an event type such as request, admin or vault' })
  type?: string;
  @ApiPropertyOptional({ description: 'ISO time, inclusive' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'from must be an ISO date-time' })
  from?: Date;
  @ApiPropertyOptional({ description: 'ISO time, exclusive' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'to must be an ISO date-time' })
  to?: Date;
}

export class VerifyQueryDto {
  @IsString() @Matches(/^[0-9a-fA-F]{64}$/, { message: 'hash must be a state hash (64 hex digits)' }) hash!: string;
}

export class StampResponseDto {
  agentId!: string;
  seq!: number;
  requestId!: string;
  type!: string;
  /** The event as an object, for reading. */
  event!: unknown;
  /** The exact RFC 8785 text that was hashed; what `verify-file` checks. */
  canonicalEvent!: string;
  prevHash!: string;
  stateHash!: string;
  createdAt!: string;

  static from(s: Stamp): StampResponseDto {
    return {
      agentId: s.agentId,
      seq: s.seq,
      requestId: s.requestId,
      type: s.eventType,
      event: JSON.parse(s.event) as unknown,
      canonicalEvent: s.event,
      prevHash: s.prevHash,
      stateHash: s.stateHash,
      createdAt: s.createdAt.toISOString(),
    };
  }
}

export class RequestStampResponseDto {
  requestId!: string;
  agentId!: string;
  seq!: number;
  stateHash!: string;
  type!: string;
  createdAt!: string;

  static from(s: Stamp): RequestStampResponseDto {
    return {
      requestId: s.requestId,
      agentId: s.agentId,
      seq: s.seq,
      stateHash: s.stateHash,
      type: s.eventType,
      createdAt: s.createdAt.toISOString(),
    };
  }
}

export interface CheckpointResponseDto extends SignedCheckpoint {
  id: string;
}

export function checkpointResponse(c: Checkpoint): CheckpointResponseDto {
  const body = JSON.parse(c.body) as CheckpointBody;
  return { id: c.id, tenantId: body.tenantId, createdAt: body.createdAt, keyId: body.keyId, heads: body.heads, signature: c.signature };
}

export interface CheckpointKeyResponseDto {
  keyId: string;
  algorithm: 'Ed25519';
  /** Raw 32-byte public key, base64. */
  publicKey: string;
  createdAt: string;
}

export const checkpointKeyResponse = (k: CheckpointKey): CheckpointKeyResponseDto => ({
  keyId: k.keyId,
  algorithm: 'Ed25519',
  publicKey: k.publicKey,
  createdAt: k.createdAt.toISOString(),
});
