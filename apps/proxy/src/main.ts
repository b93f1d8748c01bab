import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { ConfigError, loadProxyConfig } from '@portcullis/config';
import { createProxy } from './server.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

function main(): void {
  let config;
  try {
    config = loadProxyConfig(process.env, version);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`proxy: ${e.message}\n`);
      process.exit(78);
    }
    throw e;
  }
  const logger = pino({
    name: 'proxy',
    level: config.logLevel,
    redact: { paths: ['authorization', '*.authorization', 'headers', '*.headers'], censor: '[redacted]' },
  });
  const app = createProxy(config, logger);
  app.server.listen(config.port, config.host, () =>
    logger.info({ port: config.port, version, forwarder: config.forwarder }, 'proxy listening'),
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
