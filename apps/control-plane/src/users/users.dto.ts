import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { ROLES, type Role } from '@portcullis/domain';
import type { User } from '@portcullis/db';

export class UserCreateDto {
  @ApiProperty() @IsEmail() @MaxLength(254) email!: string;
  @ApiProperty({ minLength: 12 }) @IsString() @MinLength(12) @MaxLength(256) password!: string;
  @ApiProperty({ enum: [...ROLES] }) @IsIn([...ROLES]) role!: Role;
}

export class UserUpdateDto {
  @ApiPropertyOptional({ enum: [...ROLES] }) @IsOptional() @IsIn([...ROLES]) role?: Role;
  @ApiPropertyOptional({ minLength: 12 }) @IsOptional() @IsString() @MinLength(12) @MaxLength(256) password?: string;
}

export class UserResponseDto {
  @ApiProperty() id!: string;
  @ApiProperty() tenantId!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ enum: [...ROLES] }) role!: Role;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;

  static from(u: User): UserResponseDto {
    return {
      id: u.id,
      tenantId: u.tenantId,
      email: u.email,
      role: u.role,
      createdAt: u.createdAt.toISOString(),
      updatedAt: u.updatedAt.toISOString(),
    };
  }
}
