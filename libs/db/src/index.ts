/**
 * The Prisma client for the control plane and the worker (never the proxy). Driver adapter
 * `@prisma/adapter-pg`: no Rust engine, no session state, valid behind PgBouncer in transaction mode.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.js';

export * from './generated/prisma/client.js';

export function createPrismaClient(databaseUrl: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
}
// Shared by the control plane (checkout) and the worker (revocation at expiry).
export * from './dynamic/postgres.provider.js';
