import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifySshCertificate } from '@portcullis/domain';
import { SshProvider } from './ssh.provider.js';

describe('ssh dynamic secrets', () => {
  const ca = generateKeyPairSync('ed25519');
  const pem = ca.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

  it('issues a key pair and a certificate the CA signed, valid for the lease only', () => {
    const provider = new SshProvider({ caPrivateKey: pem, principals: ['deploy'] });
    const { credential, expiresAt } = provider.checkout(600, 'lease-1');
    const v = verifySshCertificate(credential.certificate, createPublicKey(ca.privateKey));
    expect(v).toMatchObject({ valid: true, principals: ['deploy'] });
    expect(Math.abs(v.validBefore.getTime() - expiresAt.getTime())).toBeLessThan(1000);
    expect(credential.private_key).toContain('BEGIN OPENSSH PRIVATE KEY');
    expect(credential.valid_before).toBe(expiresAt.toISOString());
    expect(provider.caPublicKey()).toMatch(/^ssh-ed25519 AAAA/);
    expect(provider.checkout(600, 'lease-2').credential.private_key).not.toBe(credential.private_key);
  });

  it('refuses a CA that is not Ed25519 and an empty principal list', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => new SshProvider({ caPrivateKey: rsa, principals: ['a'] })).toThrow(/Ed25519/);
    expect(() => new SshProvider({ caPrivateKey: pem, principals: [] })).toThrow(/principal/);
  });
});
