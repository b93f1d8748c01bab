/**
 * Dynamic secrets against the real control plane, the run's own Postgres (as the target database)
 * and Redis: a checkout's credentials really connect, revocation and expiry (the worker's processor on
 * a real BullMQ worker started after the checkout, as after a restart) drop the role, and an SSH
 * certificate verifies against the CA's public key with ssh-keygen.
 */
import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient, type PrismaClient } from '@portcullis/db';
import { EnvelopeCipher, LocalKeyProvider, parseKey, verifySshCertificate } from '@portcullis/domain';
import { QUEUES, queuePrefix, type DynamicLeaseExpiryJob, type StampEvent } from '@portcullis/contracts';
import { http as call, testServices, canConnectPostgres } from '@portcullis/testing';
import {
  createDynamicLeasesProcessor,
  sweepDynamicLeases,
  type DynamicLeaseOutcome,
} from '../../worker/src/queues/dynamic-leases/dynamic-leases.processor.js';
import { startControlPlane, type Harness } from './harness.js';

describe('vault dynamic secrets', () => {
  let h: Harness;
  let prisma: PrismaClient;
  let redis: Redis;
  let admin: pg.Client;
  let queue: Queue<DynamicLeaseExpiryJob>;
  let stamps: Queue<StampEvent>;
  const target = testServices().databaseUrl;
  const database = new URL(target).pathname.slice(1);
  const secrets = new Set<string>();
  const keep = (s: string): string => (secrets.add(s), s);

  beforeAll(async () => {
    h = await startControlPlane();
    const s = testServices();
    prisma = createPrismaClient(s.databaseUrl);
    redis = new Redis(s.redisUrl, { maxRetriesPerRequest: null });
    queue = new Queue<DynamicLeaseExpiryJob>(QUEUES.dynamicLeases, { connection: redis, prefix: queuePrefix(s.redisPrefix) });
    stamps = new Queue<StampEvent>(QUEUES.stamps, { connection: redis, prefix: queuePrefix(s.redisPrefix) });
    admin = new pg.Client({ connectionString: target });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
    await Promise.all([queue.close(), stamps.close()]);
    redis.disconnect();
    await prisma.$disconnect();
    await h.close();
  });

  const api = (method: string, path: string, token?: string, body?: unknown) => call(method, `${h.url}${path}`, { token, body });
  const roleExists = async (name: string) => ((await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount ?? 0) > 0;

  async function setup(rules: { path: string; capabilities: string[] }[]) {
    const t = await h.createTenant();
    expect((await api('POST', '/api/v1/admin/policies', t.adminKey, { name: 'p', rules })).status).toBe(201);
    const a = await api('POST', '/api/v1/admin/approles', t.adminKey, { name: 'bot', policies: ['p'] });
    keep(a.body.secret_id as string);
    const login = await api('POST', '/v1/auth/approle/login', undefined, { role_id: a.body.role_id, secret_id: a.body.secret_id });
    expect(login.status, login.text).toBe(200);
    return { t, token: keep(login.body.token as string) };
  }

  it('postgresql: admin configures, an agent checks out working credentials, revocation drops the role', async () => {
    const { t, token } = await setup([{ path: 'db/*', capabilities: ['lease'] }]);
    const created = await api('POST', '/api/v1/admin/dynamic-secrets', t.adminKey, {
      path: 'db/app',
      provider: 'postgresql',
      connection_url: target,
      default_grants: [`GRANT CONNECT ON DATABASE "${database}" TO "{{name}}"`],
      default_ttl: 600,
      max_ttl: 3600,
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ path: 'db/app', provider: 'postgresql', default_ttl: 600, max_ttl: 3600, settings: { database } });
    expect(created.text).not.toContain(target);
    expect((await api('GET', '/api/v1/admin/dynamic-secrets', t.adminKey)).body.dynamic_secrets).toHaveLength(1);
    expect(
      (await api('POST', '/api/v1/admin/dynamic-secrets', t.adminKey, { path: 'db/app', provider: 'postgresql', connection_url: target }))
        .status,
    ).toBe(409);
    expect((await api('POST', '/api/v1/admin/dynamic-secrets', token, { path: 'db/x', provider: 'ssh', principals: ['a'] })).status).toBe(
      401,
    );

    const out = await api('POST', '/v1/dynamic/db/app/checkout', token, { ttl: 300 });
    expect(out.status, out.text).toBe(201);
    const c = out.body.credential as {
      username: string;
      password: string;
      host: string;
      port: number;
      database: string;
      connection_string: string;
    };
    keep(c.password);
    expect(out.body).toMatchObject({ path: 'db/app', provider_type: 'postgresql', ttl_seconds: 300 });
    expect(Math.abs(new Date(out.body.expires_at as string).getTime() - (Date.now() + 300_000))).toBeLessThan(5000);
    expect(c).toMatchObject({ database, port: Number(new URL(target).port || 5432) });
    expect(await canConnectPostgres(c.connection_string)).toBe(true);
    expect(await roleExists(c.username)).toBe(true);
    expect((await queue.getJob(`dynamic-lease-${out.body.lease_id}`))?.delay).toBeGreaterThan(290_000);

    expect((await api('POST', '/v1/dynamic/db/app/checkout', token, { ttl: 7200 })).status).toBe(400);
    expect((await api('POST', '/v1/dynamic/db/none/checkout', token)).status).toBe(404);
    expect((await api('POST', '/v1/dynamic/other/app/checkout', token)).status).toBe(403);
    const stranger = await setup([{ path: '**', capabilities: ['lease'] }]);
    // another tenant sees neither the configuration nor the path
    expect((await api('GET', `/api/v1/admin/dynamic-secrets/${created.body.id}`, stranger.t.adminKey)).status).toBe(404);
    expect((await api('DELETE', `/api/v1/admin/dynamic-secrets/${created.body.id}`, stranger.t.adminKey)).status).toBe(404);
    expect((await api('POST', '/v1/dynamic/db/app/checkout', stranger.token)).status).toBe(404);
    expect((await api('DELETE', `/v1/dynamic/lease/${out.body.lease_id}`, stranger.token)).status).toBe(404);

    expect((await api('DELETE', `/v1/dynamic/lease/${out.body.lease_id}`, token)).status).toBe(204);
    expect(await roleExists(c.username)).toBe(false);
    expect(await canConnectPostgres(c.connection_string)).toBe(false);
    expect(await queue.getJob(`dynamic-lease-${out.body.lease_id}`)).toBeUndefined();
    expect((await api('DELETE', `/v1/dynamic/lease/${out.body.lease_id}`, token)).status).toBe(410);
  });

  it('expiry: the delayed job, picked up by a worker started later, drops the role; a sweep re-queues lost jobs', async () => {
    const { t, token } = await setup([{ path: 'db/*', capabilities: ['lease'] }]);
    expect(
      (
        await api('POST', '/api/v1/admin/dynamic-secrets', t.adminKey, {
          path: 'db/exp',
          provider: 'postgresql',
          connection_url: target,
          default_grants: [`GRANT CONNECT ON DATABASE "${database}" TO "{{name}}"`],
        })
      ).status,
    ).toBe(201);
    const out = await api('POST', '/v1/dynamic/db/exp/checkout', token, { ttl: 60 });
    expect(out.status, out.text).toBe(201);
    const leaseId = out.body.lease_id as string;
    const c = out.body.credential as { username: string; password: string; connection_string: string };
    keep(c.password);
    expect(await canConnectPostgres(c.connection_string)).toBe(true);

    // A lost job comes back from the sweep (same job id, so no duplicate either).
    await queue.remove(`dynamic-lease-${leaseId}`);
    expect(await queue.getJob(`dynamic-lease-${leaseId}`)).toBeUndefined();
    expect(await sweepDynamicLeases({ prisma, queue })).toBeGreaterThanOrEqual(1);
    expect(await queue.getJob(`dynamic-lease-${leaseId}`)).toBeDefined();

    // Time passes (the lease's end moves into the past and its job comes due), then a worker starts.
    await prisma.vaultDynamicLease.update({ where: { id: leaseId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await (await queue.getJob(`dynamic-lease-${leaseId}`))!.promote();
    const outcomes = new Map<string, DynamicLeaseOutcome>();
    const cipher = new EnvelopeCipher(new LocalKeyProvider(parseKey(h.env.PORTCULLIS_MASTER_KEY!)));
    const blocking = redis.duplicate();
    const worker = new Worker<DynamicLeaseExpiryJob, DynamicLeaseOutcome>(
      QUEUES.dynamicLeases,
      createDynamicLeasesProcessor({ prisma, stamps, cipher }),
      {
        connection: blocking,
        prefix: queuePrefix(testServices().redisPrefix),
      },
    );
    worker.on('completed', (job, outcome) => outcomes.set(job.data.leaseId, outcome));
    try {
      await expect.poll(() => outcomes.get(leaseId), { timeout: 15_000 }).toBe('revoked');
    } finally {
      await worker.close();
      blocking.disconnect();
    }
    expect(await roleExists(c.username)).toBe(false);
    expect(await canConnectPostgres(c.connection_string)).toBe(false);
    expect((await prisma.vaultDynamicLease.findUniqueOrThrow({ where: { id: leaseId } })).expiredAt).not.toBeNull();
    expect((await api('DELETE', `/v1/dynamic/lease/${leaseId}`, token)).status).toBe(410);
  });

  it('provider unreachable → 502 without connection details; deleting a path destroys its credentials', async () => {
    const { t, token } = await setup([{ path: '**', capabilities: ['lease'] }]);
    const dead = await api('POST', '/api/v1/admin/dynamic-secrets', t.adminKey, {
      path: 'db/dead',
      provider: 'postgresql',
      connection_url: 'postgresql://admin:hunter2-secret@127.0.0.1:1/app',
    });
    expect(dead.status, dead.text).toBe(201);
    expect(dead.text).not.toContain('hunter2');
    const res = await api('POST', '/v1/dynamic/db/dead/checkout', token);
    expect(res.status).toBe(502);
    expect(res.body.error).toContain('dynamic secret provider unreachable');
    expect(res.text).not.toContain('hunter2');

    const live = await api('POST', '/api/v1/admin/dynamic-secrets', t.adminKey, {
      path: 'db/live',
      provider: 'postgresql',
      connection_url: target,
      default_grants: [`GRANT CONNECT ON DATABASE "${database}" TO "{{name}}"`],
    });
    const out = await api('POST', '/v1/dynamic/db/live/checkout', token);
    expect(out.status, out.text).toBe(201);
    keep(out.body.credential.password as string);
    expect(out.body.ttl_seconds).toBe(3600);
    expect(await roleExists(out.body.credential.username as string)).toBe(true);
    expect((await api('DELETE', `/api/v1/admin/dynamic-secrets/${live.body.id}`, t.adminKey)).status).toBe(204);
    expect(await roleExists(out.body.credential.username as string)).toBe(false);
    expect((await api('POST', '/v1/dynamic/db/live/checkout', token)).status).toBe(404);
  });

  it('ssh: a checkout returns a certificate that ssh-keygen reads and that verifies against the CA', async () => {
    const { t, token } = await setup([{ path: 'ssh/*', capabilities: ['lease'] }]);
    const bad = await api('POST', '/api/v1/admin/dynamic-secrets', t.adminKey, { path: 'ssh/x', provider: 'ssh' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('principals');
    const created = await api('POST', '/api/v1/admin/dynamic-secrets', t.adminKey, {
      path: 'ssh/prod',
      provider: 'ssh',
      principals: ['deploy', 'ops'],
      max_ttl: 900,
    });
    expect(created.status, created.text).toBe(201);
    const caLine = created.body.settings.ca_public_key as string;
    expect(caLine).toMatch(/^ssh-ed25519 AAAA/);
    expect(created.text).not.toContain('PRIVATE KEY');

    const out = await api('POST', '/v1/dynamic/ssh/prod/checkout', token, { ttl: 300 });
    expect(out.status, out.text).toBe(201);
    expect(out.body).toMatchObject({ provider_type: 'ssh', ttl_seconds: 300, credential: { principals: ['deploy', 'ops'] } });
    keep(out.body.credential.private_key as string);
    const dir = mkdtempSync(join(tmpdir(), 'pc-ssh-'));
    try {
      writeFileSync(join(dir, 'id-cert.pub'), `${out.body.credential.certificate as string}\n`);
      writeFileSync(join(dir, 'id'), out.body.credential.private_key as string, { mode: 0o600 });
      const listing = execFileSync('ssh-keygen', ['-L', '-f', join(dir, 'id-cert.pub')], { encoding: 'utf8' });
      expect(listing).toContain('user certificate');
      expect(listing).toContain(`portcullis-lease-${out.body.lease_id as string}`);
      expect(listing).toMatch(/Principals:\s+deploy\s+ops/);
      writeFileSync(join(dir, 'ca.pub'), `${caLine}\n`);
      const caFingerprint = execFileSync('ssh-keygen', ['-l', '-f', join(dir, 'ca.pub')], { encoding: 'utf8' }).split(' ')[1]!;
      expect(listing).toContain(`Signing CA: ED25519 ${caFingerprint}`);
      // ... and its signature checks out against the CA's public key (the last 32 bytes of the key blob).
      const caBlob = Buffer.from(caLine.split(' ')[1]!, 'base64');
      const caKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: caBlob.subarray(-32).toString('base64url') }, format: 'jwk' });
      expect(verifySshCertificate(out.body.credential.certificate as string, caKey)).toMatchObject({
        valid: true,
        principals: ['deploy', 'ops'],
      });
      // The certificate belongs to the private key handed out with it.
      const pub = execFileSync('ssh-keygen', ['-y', '-f', join(dir, 'id')], { encoding: 'utf8' }).split(' ')[1]!;
      expect(out.body.credential.public_key as string).toContain(pub);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect((await api('POST', '/v1/dynamic/ssh/prod/checkout', token, { ttl: 1000 })).status).toBe(400);
    expect((await api('DELETE', `/v1/dynamic/lease/${out.body.lease_id}`, token)).status).toBe(204);
  });

  it('never logs a secret value', () => {
    const all = h.logs.join('\n');
    for (const s of secrets) if (s.length >= 8) expect(all).not.toContain(s);
    expect(all).not.toContain('hunter2');
  });
});
