import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { ConfigError, loadProxyConfig } from '@portcullis/config';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

// The data plane arrives with its own issue; until then the
// process only reports that it is alive.
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
  const server = createServer((req, res) => {
    const ok = req.url === '/healthz';
    res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(ok ? { status: 'ok', version } : { error: 'not found', request_id: 'none' }));
  });
  server.listen(config.port, config.host);
  const stop = (): void => {
    server.close(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
