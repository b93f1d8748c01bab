import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { testServices, canConnectPostgres } from '@portcullis/testing';
import { PostgresProvider } from '@portcullis/db';

describe('postgresql dynamic secrets', () => {
  const target = testServices().databaseUrl;

  it('checks out a role that really connects, and revocation drops it and cuts its sessions', async () => {
    const database = new URL(target).pathname.slice(1);
    const provider = new PostgresProvider({
      connectionUrl: target,
      defaultGrants: [`GRANT CONNECT ON DATABASE "${database}" TO "{{name}}"`],
    });
    const { credential, expiresAt } = await provider.checkout(300);
    expect(credential.username).toMatch(/^pc_[a-z0-9]{16}$/);
    expect(expiresAt.getTime()).toBeGreaterThan(Date.now() + 290_000);
    expect(credential.connection_string).toContain(credential.username);
    expect(await canConnectPostgres(credential.connection_string)).toBe(true);

    const open = new pg.Client({ connectionString: credential.connection_string });
    await open.connect();
    const closed = new Promise<void>((resolve) => open.on('error', () => resolve()));

    await provider.revoke(credential.username);
    await closed;
    expect(await canConnectPostgres(credential.connection_string)).toBe(false);
    const admin = new pg.Client({ connectionString: target });
    await admin.connect();
    expect((await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [credential.username])).rowCount).toBe(0);
    await admin.end();
    await provider.revoke(credential.username); // idempotent
  });

  it('sets VALID UNTIL to the lease end, so password logins also stop there', async () => {
    // (This test server uses trust auth, which ignores VALID UNTIL; revocation is what cuts access here.)
    const provider = new PostgresProvider({ connectionUrl: target });
    const { credential, expiresAt } = await provider.checkout(120);
    const admin = new pg.Client({ connectionString: target });
    await admin.connect();
    const row = await admin.query<{ until: Date }>('SELECT rolvaliduntil AS until FROM pg_roles WHERE rolname = $1', [credential.username]);
    await admin.end();
    expect(Math.abs(row.rows[0]!.until.getTime() - expiresAt.getTime())).toBeLessThan(1000);
    await provider.revoke(credential.username);
  });

  it('says the provider is unreachable without leaking the connection details', async () => {
    const provider = new PostgresProvider({ connectionUrl: 'postgresql://admin:hunter2@127.0.0.1:1/db' });
    const err = await provider.checkout(60).catch((e: unknown) => e as Error);
    expect(err).toMatchObject({ code: 'upstream_failed' });
    expect(err.message).toContain('unreachable');
    expect(err.message).not.toContain('hunter2');
    await expect(provider.revoke('robert; drop table x')).rejects.toMatchObject({ code: 'bad_request' });
  });
});
