import { Injectable } from '@nestjs/common';
import type { PrismaClient, User } from '@portcullis/db';
import type { Role } from '@portcullis/domain';
import { InjectPrisma } from '../infra/tokens.js';
import { keyset, type PageQueryDto } from '../common/pagination.js';
import { rethrowConflict } from '../common/prisma-errors.js';

@Injectable()
export class UsersRepository {
  constructor(@InjectPrisma() private readonly prisma: PrismaClient) {}

  findById(tenantId: string, id: string): Promise<User | null> {
    return this.prisma.user.findFirst({ where: { tenantId, id } });
  }

  findByEmail(tenantId: string, email: string): Promise<User | null> {
    return this.prisma.user.findUnique({ where: { tenantId_email: { tenantId, email } } });
  }

  async list(tenantId: string, page: PageQueryDto): Promise<{ rows: User[]; limit: number }> {
    const k = keyset(page);
    const rows = await this.prisma.user.findMany({ where: { tenantId, ...k.where }, orderBy: k.orderBy, take: k.take });
    return { rows, limit: k.limit };
  }

  async create(tenantId: string, data: { email: string; passwordHash: string; role: Role }): Promise<User> {
    try {
      return await this.prisma.user.create({ data: { tenantId, ...data } });
    } catch (e) {
      rethrowConflict(e, 'a user with this email');
    }
  }

  async update(tenantId: string, id: string, data: { role?: Role; passwordHash?: string }): Promise<User | null> {
    const { count } = await this.prisma.user.updateMany({ where: { tenantId, id }, data });
    return count ? this.findById(tenantId, id) : null;
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const { count } = await this.prisma.user.deleteMany({ where: { tenantId, id } });
    return count > 0;
  }
}
