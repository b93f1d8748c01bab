import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mintSessionToken, verifySessionToken } from '../src/auth/session-token.js';
import type { SessionKeys } from '../src/config-cache/config-cache.js';

const subject = { tenantId: 't-1', agentId: 'a-1', userId: 'u-1', email: null, roles: [], authKind: 'runtime_token', requestId: 'r-1' };

function keysFor(alg: 'EdDSA' | 'ES256', kid = 'k1'): { keys: SessionKeys; privateKey: KeyObject } {
  const pair = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  const signer = {
    kid,
    alg,
    key: pair.privateKey,
    encodedHeader: Buffer.from(JSON.stringify({ alg, typ: 'JWT', kid })).toString('base64url'),
  };
  return { keys: { signer, jwks: '{}', verifiers: new Map([[kid, { alg, key: pair.publicKey }]]) }, privateKey: pair.privateKey };
}

describe('verifySessionToken', () => {
  for (const alg of ['EdDSA', 'ES256'] as const) {
    it(`accepts the gateway's own ${alg} token for its agent and nothing else`, () => {
      const { keys } = keysFor(alg);
      const token = mintSessionToken(keys.signer, subject, 60);
      expect(verifySessionToken(token, keys, 'a-1')).toMatchObject({ agent_id: 'a-1', tenant_id: 't-1', user_id: 'u-1' });
      expect(verifySessionToken(token, keys, 'a-2')).toBeNull();
      const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      expect(verifySessionToken(forged, keys, 'a-1')).toBeNull();
      expect(verifySessionToken(token, keysFor(alg).keys, 'a-1')).toBeNull();
    });
  }

  it('refuses expired tokens, tokens for another audience, and junk', () => {
    const { keys } = keysFor('EdDSA');
    const old = mintSessionToken(keys.signer, subject, 60, Math.floor(Date.now() / 1000) - 120);
    expect(verifySessionToken(old, keys, 'a-1')).toBeNull();
    const forServer = mintSessionToken(keys.signer, { ...subject, audience: 'mcp-server:s-1' }, 60);
    expect(verifySessionToken(forServer, keys, 'a-1')).toBeNull();
    for (const junk of ['', 'a.b', 'a.b.c', `${'x'.repeat(9000)}.b.c`]) expect(verifySessionToken(junk, keys, 'a-1')).toBeNull();
  });
});
