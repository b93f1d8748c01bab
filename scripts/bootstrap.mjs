// `npm start` and `npm test` run this first: it installs what the repository needs, from a fresh clone
// on a machine with only Node and npm: pnpm, the workspace's dependencies, the Prisma client, a build.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT, log } from './lib/services.mjs';

const PNPM_VERSION = '12.21.0';

function run(cmd, args, opts = {}) {
  execFileSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...opts });
}

function pnpmCommand() {
  const has = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  if (has.status === 0 && has.stdout.trim().startsWith('12.')) return ['pnpm', []];
  log(`installing pnpm ${PNPM_VERSION} with npm`);
  const g = spawnSync('npm', ['install', '-g', `pnpm@${PNPM_VERSION}`, '--allow-scripts=pnpm'], { stdio: 'inherit' });
  if (g.status === 0 && spawnSync('pnpm', ['--version']).status === 0) return ['pnpm', []];
  log('global install not possible here; using npx');
  return ['npx', ['--yes', `pnpm@${PNPM_VERSION}`]];
}

const [pnpm, pre] = pnpmCommand();
run(pnpm, [...pre, 'install', '--frozen-lockfile', '--reporter=append-only'], {
  env: { ...process.env, COREPACK_INTEGRITY_KEYS: '0' },
});

const schema = path.join(ROOT, 'prisma/schema.prisma');
const generated = path.join(ROOT, 'libs/db/src/generated/prisma/client.ts');
if (!existsSync(generated) || statSync(generated).mtimeMs < statSync(schema).mtimeMs) {
  log('generating the Prisma client');
  run(process.execPath, ['scripts/prisma.mjs', 'generate']);
}
log('building');
run(pnpm, [...pre, 'run', 'build']);
