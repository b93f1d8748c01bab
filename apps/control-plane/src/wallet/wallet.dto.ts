import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min, MaxLength, IsUUID } from 'class-validator';
import { WORKROOM_KINDS, type WorkroomKind } from '@portcullis/contracts';

const WORKROOM_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const NAME_MESSAGE = 'name must be 1-64 letters, digits, dots, dashes or underscores, starting with a letter or digit';

export class WorkroomNameDto {
  @IsString() @Matches(WORKROOM_NAME, { message: NAME_MESSAGE }) name!: string;
}

export class WorkroomPostDto extends WorkroomNameDto {
  @IsIn(WORKROOM_KINDS) kind!: WorkroomKind;
  @IsString() @Length(1, 8000) body!: string;
  @IsString() @Length(1, 200) requestId!: string;
  @IsOptional() @IsString() @MaxLength(200) userId?: string;
}

export class WorkroomReadQueryDto extends WorkroomNameDto {
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) cursor?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
}

export class WalletStampsQueryDto {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) limit?: number;
  @IsOptional() @Matches(/^[a-z_]{1,40}$/, { message: 'type must be an event type such as request, admin, vault or mcp' }) type?: string;
}

export class WalletVerifyHashQueryDto {
  @IsString() @Matches(/^[0-9a-fA-F]{64}$/, { message: 'hash must be a state hash (64 hex digits)' }) hash!: string;
  @IsOptional() @IsUUID() of?: string;
}

export class ArtifactQueryDto {
  @IsString() @Matches(/^[0-9a-fA-F]{64}$/, { message: 'sha256 must be 64 hex digits' }) sha256!: string;
  @IsOptional() @IsString() @Length(1, 256) name?: string;
}
