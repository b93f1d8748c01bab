import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import type { Config } from './common/config.js';
import { ErrorFilter } from './common/error.filter.js';
import { PinoNestLogger } from './common/logger.js';
import { createMetrics } from './common/metrics.js';
import { requestContext } from './common/request-context.js';
import { createValidationPipe } from './common/validation.js';
import { AppModule } from './app.module.js';

/** Builds the control plane (not yet listening), so tests and main.ts start it the same way. */
export async function createApp(config: Config, logger: Logger): Promise<NestExpressApplication> {
  const metrics = createMetrics();
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logger, metrics), {
    logger: new PinoNestLogger(logger),
    bodyParser: false,
    abortOnError: false,
  });
  app.disable('x-powered-by');
  // No ETag: it is a hash of the body, and vault bodies hold secret values.
  app.set('etag', false);
  app.set('trust proxy', false);
  app.use(requestContext(logger, metrics));
  app.useBodyParser('json', { limit: config.bodyLimitBytes, strict: true });
  app.useBodyParser('urlencoded', { limit: config.bodyLimitBytes, extended: false });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ErrorFilter(logger));
  app.enableShutdownHooks();
  if (config.docs) {
    const doc = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Portcullis control plane')
        .setDescription('Tenants, users, API keys, agents, kill switch, runtime tokens, credentials and trusted issuers.')
        .setVersion(config.version)
        .addBearerAuth()
        .build(),
    );
    SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'docs/openapi.json' });
  }
  return app;
}
