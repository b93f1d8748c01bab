/**
 * Integration harness: the real control plane (real Postgres, real Redis, real HTTP on a free port)
 * built in-process, with every log line captured so tests can assert that no secret was logged.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadControlPlaneConfig } from '@portcullis/config';
import { controlPlaneEnv, http, randomSlug } from '@portcullis/testing';
import { createApp } from '../src/app.js';
import { REDACT_PATHS } from '../src/common/logger.js';

export interface Harness {
  app: NestExpressApplication;
  url: string;
  env: Record<string, string>;
  rootToken: string;
  /** Every log line written so far, as raw JSON text. */
  logs: string[];
  createTenant(): Promise<{ tenantId: string; slug: string; adminKey: string }>;
  close(): Promise<void>;
}

export async function startControlPlane(overrides: Record<string, string> = {}): Promise<Harness> {
  const env = controlPlaneEnv(overrides);
  const config = loadControlPlaneConfig(env, '0.0.0-test');
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  const logger = pino({ level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
  const app = await createApp(config, logger);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  return {
    app,
    url,
    env,
    rootToken: env.PORTCULLIS_ROOT_TOKEN!,
    logs,
    async createTenant() {
      const slug = randomSlug();
      const res = await http('POST', `${url}/api/v1/platform/tenants`, { token: env.PORTCULLIS_ROOT_TOKEN, body: { name: slug, slug } });
      if (res.status !== 201) throw new Error(`tenant creation failed: ${res.status} ${res.text}`);
      return { tenantId: res.body.tenant.id, slug, adminKey: res.body.adminApiKey };
    },
    close: () => app.close(),
  };
}
