import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, Length, Matches, MaxLength } from 'class-validator';
import { SLUG_PATTERN } from '@portcullis/domain';
import { UserResponseDto } from '../users/users.dto.js';

export class LoginDto {
  @ApiProperty({ description: 'tenant slug' })
  @IsString()
  @Matches(SLUG_PATTERN, { message: 'tenant must be a tenant slug' })
  tenant!: string;
  @ApiProperty() @IsEmail() @MaxLength(254) email!: string;
  @ApiProperty() @IsString() @Length(1, 256) password!: string;
}

export class LoginResponseDto {
  @ApiProperty() accessToken!: string;
  @ApiProperty() tokenType!: 'Bearer';
  @ApiProperty() expiresIn!: number;
  @ApiProperty() user!: UserResponseDto;
}
