import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('prisma/migrations', () => {
  it('agree with prisma/schema.prisma (a schema change without its migration fails here)', async () => {
    // Prisma's engine replays every migration into a throwaway database and diffs it with the schema;
    // exit code 2 means they differ. Needs only a Postgres server that may create databases.
    const result = await promisify(execFile)(
      process.execPath,
      [
        'scripts/prisma.mjs',
        'migrate',
        'diff',
        '--from-migrations',
        'prisma/migrations',
        '--to-schema-datamodel',
        'prisma/schema.prisma',
        '--exit-code',
      ],
      { cwd: root, env: { ...process.env, DATABASE_URL: process.env.PORTCULLIS_TEST_ADMIN_DATABASE_URL ?? process.env.DATABASE_URL } },
    ).then(
      (r) => ({ code: 0, out: r.stdout + r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
    );
    expect(result.out).toContain('No difference detected');
    expect(result.code).toBe(0);
  }, 60_000);
});
