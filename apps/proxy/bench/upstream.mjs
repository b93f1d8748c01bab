// The fake upstream as its own process (so its CPU is not the proxy's): `node upstream.mjs <port>`.
import { startFakeUpstream } from '@portcullis/testing';

const up = await startFakeUpstream(Number(process.argv[2] ?? 0), '127.0.0.1', { record: false });
process.stdout.write(`${up.port}\n`);
process.on('SIGTERM', () => void up.close().then(() => process.exit(0)));
