import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Redis } from 'ioredis';
import type { PrismaClient } from '@portcullis/db';
import { InjectConfig, type Config } from '../common/config.js';
import { InjectMetrics, type Metrics } from '../common/metrics.js';
import { PRISMA, REDIS } from '../infra/tokens.js';

async function probe(check: () => Promise<unknown>, timeoutMs = 2000): Promise<'ok' | 'down'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([check(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), timeoutMs)))]);
    return 'ok';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}

@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    @InjectConfig() private readonly config: Config,
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(REDIS) private readonly redis: Redis,
    @InjectMetrics() private readonly metrics: Metrics,
  ) {}

  /** Liveness: the process answers. */
  @Get('healthz')
  healthz() {
    return { status: 'ok', version: this.config.version };
  }

  /** Readiness: Postgres and Redis both answer; 503 otherwise, naming which is down. */
  @Get('readyz')
  async readyz(@Res({ passthrough: true }) res: Response) {
    const [postgres, redis] = await Promise.all([probe(() => this.prisma.$queryRaw`SELECT 1`), probe(() => this.redis.ping())]);
    const ready = postgres === 'ok' && redis === 'ok';
    res.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'unavailable', checks: { postgres, redis } };
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4')
  metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
