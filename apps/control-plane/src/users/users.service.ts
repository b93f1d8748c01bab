import { Injectable } from '@nestjs/common';
import { hashPassword, notFound } from '@portcullis/domain';
import type { PageQueryDto, Page } from '../common/pagination.js';
import { pageOf } from '../common/pagination.js';
import { UsersRepository } from './users.repository.js';
import { UserResponseDto, type UserCreateDto, type UserUpdateDto } from './users.dto.js';

@Injectable()
export class UsersService {
  constructor(private readonly users: UsersRepository) {}

  async create(tenantId: string, dto: UserCreateDto): Promise<UserResponseDto> {
    const user = await this.users.create(tenantId, {
      email: dto.email.toLowerCase(),
      passwordHash: await hashPassword(dto.password),
      role: dto.role,
    });
    return UserResponseDto.from(user);
  }

  async list(tenantId: string, page: PageQueryDto): Promise<Page<UserResponseDto>> {
    const { rows, limit } = await this.users.list(tenantId, page);
    return pageOf(rows, limit, (r) => UserResponseDto.from(r));
  }

  async get(tenantId: string, id: string): Promise<UserResponseDto> {
    const user = await this.users.findById(tenantId, id);
    if (!user) throw notFound('user');
    return UserResponseDto.from(user);
  }

  async update(tenantId: string, id: string, dto: UserUpdateDto): Promise<UserResponseDto> {
    const user = await this.users.update(tenantId, id, {
      ...(dto.role ? { role: dto.role } : {}),
      ...(dto.password ? { passwordHash: await hashPassword(dto.password) } : {}),
    });
    if (!user) throw notFound('user');
    return UserResponseDto.from(user);
  }

  async delete(tenantId: string, id: string): Promise<void> {
    if (!(await this.users.delete(tenantId, id))) throw notFound('user');
  }
}
