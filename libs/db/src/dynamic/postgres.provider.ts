/**
 * The `postgresql` dynamic-secret provider: a fresh login role per checkout, gone at revocation.
 *
 * Checkout runs the admin's creation statements on the target database, with `{{name}}`,
 * `{{password}}` and `{{expiration}}` filled in, then the default grants, in one transaction.
 * Revocation terminates the role's sessions, hands whatever it owns to the provider's own role,
 * and drops it, so a revoked credential stops working at once, open connections included.
 * Names and passwords are generated from a safe alphabet, so substituting them cannot inject SQL;
 * `VALID UNTIL` in the default template makes Postgres itself refuse the role after its lease.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { DomainError } from '@portcullis/domain';

export const DEFAULT_CREATION_STATEMENTS = [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'`];

export interface PostgresProviderConfig {
  /** Connection URL of a role allowed to create roles on the target (CREATEROLE). */
  connectionUrl: string;
  creationStatements?: string[];
  /** Run after creation, e.g. `GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{{name}}"`. */
  defaultGrants?: string[];
}

export interface PostgresCredential {
  username: string;
  password: string;
  host: string;
  port: number;
  database: string;
  connection_string: string;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
function randomText(length: number, alphabet = ALPHABET): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

function render(statement: string, values: Record<string, string>): string {
  return statement.replace(/\{\{(name|password|expiration)\}\}/g, (_m, k: string) => values[k]!);
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch {
    // The driver's message can carry the host and user; the agent gets a stable sentence instead.
    throw new DomainError('upstream_failed', 'dynamic secret provider unreachable: the postgresql target did not accept a connection');
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export class PostgresProvider {
  constructor(private readonly config: PostgresProviderConfig) {
    new URL(config.connectionUrl); // fail at configuration, not at the first checkout
  }

  async checkout(ttlSeconds: number, now = new Date()): Promise<{ credential: PostgresCredential; expiresAt: Date }> {
    const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
    const values = {
      name: `pc_${randomText(16)}`,
      password: randomText(32, ALPHABET + 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
      expiration: expiresAt.toISOString(),
    };
    await withClient(this.config.connectionUrl, async (c) => {
      await c.query('BEGIN');
      try {
        for (const s of [...(this.config.creationStatements ?? DEFAULT_CREATION_STATEMENTS), ...(this.config.defaultGrants ?? [])]) {
          await c.query(render(s, values));
        }
        await c.query('COMMIT');
      } catch (e) {
        await c.query('ROLLBACK');
        throw new DomainError(
          'upstream_failed',
          `dynamic secret provider rejected the creation statements: ${(e as Error).message.replaceAll(values.password, '***')}`,
        );
      }
    });
    const target = new URL(this.config.connectionUrl);
    const database = decodeURIComponent(target.pathname.slice(1)) || 'postgres';
    const port = Number(target.port || 5432);
    const conn = new URL(this.config.connectionUrl);
    conn.username = values.name;
    conn.password = values.password;
    return {
      credential: {
        username: values.name,
        password: values.password,
        host: target.hostname,
        port,
        database,
        connection_string: conn.toString(),
      },
      expiresAt,
    };
  }

  /** Ends the role's sessions and drops it. Revoking a role that is already gone succeeds. */
  async revoke(username: string): Promise<void> {
    if (!/^pc_[a-z0-9]{16}$/.test(username)) throw new DomainError('bad_request', 'not a role this provider created');
    await withClient(this.config.connectionUrl, async (c) => {
      await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [username]);
      const exists = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username]);
      if (exists.rowCount === 0) return;
      const role = c.escapeIdentifier(username);
      await c.query(`REASSIGN OWNED BY ${role} TO CURRENT_USER`);
      await c.query(`DROP OWNED BY ${role}`);
      await c.query(`DROP ROLE ${role}`);
    });
  }
}
