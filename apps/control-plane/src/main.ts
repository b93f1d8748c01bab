import { readFileSync } from 'node:fs';
import { ConfigError, loadControlPlaneConfig } from '@portcullis/config';
import { createLogger } from './common/logger.js';
import { createApp } from './app.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

async function main(): Promise<void> {
  let config;
  try {
    config = loadControlPlaneConfig(process.env, version);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`control-plane: ${e.message}\n`);
      process.exit(78);
    }
    throw e;
  }
  const logger = createLogger(config.logLevel, 'control-plane');
  const app = await createApp(config, logger);
  await app.listen(config.port, config.host);
  logger.info({ port: config.port, version }, 'control plane listening');
}

main().catch((err: unknown) => {
  process.stderr.write(`control-plane failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
