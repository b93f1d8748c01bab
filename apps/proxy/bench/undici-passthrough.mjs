// The floor for any Node proxy: node:http in front of an undici Pool with stream(), nothing else.
// `node undici-passthrough.mjs <port> <upstream origin>`
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [port, origin] = [Number(process.argv[2]), process.argv[3]];
const pool = new Pool(origin, { connections: 128, pipelining: 1 });
createServer((req, res) => {
  pool
    .stream(
      { path: req.url, method: req.method, headers: req.headers, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : req },
      ({ statusCode, headers }) => {
        delete headers.connection;
        delete headers['keep-alive'];
        delete headers['transfer-encoding'];
        res.writeHead(statusCode, headers);
        return res;
      },
    )
    .catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
}).listen(port, '127.0.0.1', () => process.stdout.write(`${port}\n`));
process.on('SIGTERM', () => process.exit(0));
