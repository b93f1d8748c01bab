import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadControlPlaneConfig, loadProxyConfig, loadWorkerConfig } from './load.js';

const good = {
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/x',
  PORTCULLIS_ROOT_TOKEN: 'r'.repeat(32),
  PORTCULLIS_MASTER_KEY: randomBytes(32).toString('hex'),
  PORTCULLIS_DATA_PLANE_KEY: randomBytes(32).toString('base64'),
  PORTCULLIS_JWT_SECRET: 'j'.repeat(40),
  PORTCULLIS_INTERNAL_TOKEN: 'i'.repeat(32),
};

describe('config', () => {
  it('applies defaults and freezes', () => {
    const c = loadControlPlaneConfig(good);
    expect(c.port).toBe(3100);
    expect(c.publicUrl).toBe('http://127.0.0.1:3100');
    expect(Object.isFrozen(c)).toBe(true);
    expect(loadProxyConfig(good).port).toBe(4000);
  });

  it('lists every problem at once and never echoes a value', () => {
    let err: unknown;
    try {
      loadControlPlaneConfig({ ...good, PORTCULLIS_MASTER_KEY: 'tooshort-secret', PORT: 'x', DATABASE_URL: undefined });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toContain('PORTCULLIS_MASTER_KEY');
    expect(problems).toContain('PORT');
    expect(problems).toContain('DATABASE_URL');
    expect((err as Error).message).not.toContain('tooshort-secret');
  });

  it('reads the vault proxy settings: private access off by default, internal ranges as CIDRs', () => {
    const c = loadControlPlaneConfig(good);
    expect(c).toMatchObject({ proxyAllowPrivate: false, proxyPrivateCidrs: [], proxyTimeoutMs: 30_000, proxyMaxResponseBytes: 10_485_760 });
    const open = loadControlPlaneConfig({
      ...good,
      PORTCULLIS_PROXY_ALLOW_PRIVATE: 'true',
      PORTCULLIS_PROXY_PRIVATE_CIDRS: '10.1.0.0/16, fd00::/8,192.168.1.5',
    });
    expect(open.proxyAllowPrivate).toBe(true);
    expect(open.proxyPrivateCidrs).toEqual(['10.1.0.0/16', 'fd00::/8', '192.168.1.5']);
    expect(() => loadControlPlaneConfig({ ...good, PORTCULLIS_PROXY_PRIVATE_CIDRS: '10.0.0.0/33' })).toThrow(
      /PORTCULLIS_PROXY_PRIVATE_CIDRS/,
    );
    expect(() => loadControlPlaneConfig({ ...good, PORTCULLIS_PROXY_PRIVATE_CIDRS: 'intranet' })).toThrow(/PORTCULLIS_PROXY_PRIVATE_CIDRS/);
  });

  it('gives the worker the master key when set (dynamic-secret revocation), null otherwise', () => {
    expect(loadWorkerConfig({ DATABASE_URL: good.DATABASE_URL }).masterKey).toBeNull();
    expect(loadWorkerConfig({ DATABASE_URL: good.DATABASE_URL, PORTCULLIS_MASTER_KEY: good.PORTCULLIS_MASTER_KEY }).masterKey).toBe(
      good.PORTCULLIS_MASTER_KEY,
    );
  });

  it('worker: checkpoint key is optional but must be a 32-byte seed when given', () => {
    const w = loadWorkerConfig({ DATABASE_URL: good.DATABASE_URL });
    expect(w).toMatchObject({ port: 4100, checkpointKey: null, checkpointIntervalSeconds: 60, stampBatchSize: 500 });
    const seed = randomBytes(32).toString('hex');
    expect(loadWorkerConfig({ DATABASE_URL: good.DATABASE_URL, PORTCULLIS_CHECKPOINT_KEY: seed }).checkpointKey).toBe(seed);
    expect(() => loadWorkerConfig({ DATABASE_URL: good.DATABASE_URL, PORTCULLIS_CHECKPOINT_KEY: 'short-seed' })).toThrow(
      /PORTCULLIS_CHECKPOINT_KEY/,
    );
  });
});
