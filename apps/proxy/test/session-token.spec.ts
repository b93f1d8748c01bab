import { generateKeyPairSync } from 'node:crypto';
import { importSPKI, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { SESSION_TOKEN_ISSUER } from '@portcullis/contracts';
import { mintSessionToken } from '../src/auth/session-token.js';

const subject = {
  tenantId: 't-1',
  agentId: 'a-1',
  userId: 'u-1',
  email: 'u@example.com',
  roles: ['r'],
  authKind: 'user_jwt',
  requestId: 'req-1',
};

describe('session token', () => {
  for (const [alg, type] of [
    ['EdDSA', 'ed25519'],
    ['ES256', 'ec'],
  ] as const) {
    it(`is a ${alg} JWS any JOSE library verifies, with the subject's claims`, async () => {
      const pair = type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
      const signer = {
        kid: 'k1',
        alg,
        key: pair.privateKey,
        encodedHeader: Buffer.from(JSON.stringify({ alg, typ: 'JWT', kid: 'k1' })).toString('base64url'),
      };
      const token = mintSessionToken(signer, subject, 300);
      const key = await importSPKI(pair.publicKey.export({ format: 'pem', type: 'spki' }) as string, alg);
      const { payload, protectedHeader } = await jwtVerify(token, key, {
        issuer: SESSION_TOKEN_ISSUER,
        audience: 'a-1',
        algorithms: [alg],
      });
      expect(protectedHeader).toMatchObject({ alg, kid: 'k1' });
      expect(payload).toMatchObject({ sub: 'u-1', tenant_id: 't-1', agent_id: 'a-1', roles: ['r'], jti: 'req-1', email: 'u@example.com' });
      expect(payload.exp! - payload.iat!).toBe(300);
      const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      await expect(jwtVerify(forged, key)).rejects.toThrow();
    });
  }

  it('names the agent as subject when no end user called', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const token = mintSessionToken(
      { kid: 'k', alg: 'EdDSA', key: privateKey, encodedHeader: 'e30' },
      { ...subject, userId: null, email: null, roles: [] },
      60,
    );
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(payload).toMatchObject({ sub: 'agent:a-1', user_id: null });
  });
});
