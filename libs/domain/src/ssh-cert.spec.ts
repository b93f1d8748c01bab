import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateEd25519, opensshPrivateKey, signSshUserCertificate, sshPublicKeyLine, verifySshCertificate } from './ssh-cert.js';

describe('SSH user certificates', () => {
  const ca = generateEd25519();
  const user = generateEd25519();
  const validAfter = new Date(Date.now() - 60_000);
  const validBefore = new Date(Date.now() + 3_600_000);
  const cert = signSshUserCertificate({
    ca: ca.privateKey,
    subject: user.publicKey,
    keyId: 'lease-123',
    principals: ['deploy', 'ops'],
    validAfter,
    validBefore,
  });

  it("verifies against the CA's public key and names its principals", () => {
    const v = verifySshCertificate(cert, ca.publicKey);
    expect(v.valid).toBe(true);
    expect(v.principals).toEqual(['deploy', 'ops']);
    expect(Math.abs(v.validBefore.getTime() - validBefore.getTime())).toBeLessThan(1000);
    expect(verifySshCertificate(cert, generateEd25519().publicKey).valid).toBe(false);
    const blob = Buffer.from(cert.split(' ')[1]!, 'base64');
    blob[120]! ^= 1;
    expect(verifySshCertificate(`${cert.split(' ')[0]} ${blob.toString('base64')}`, ca.publicKey).valid).toBe(false);
  });

  it('is read and signature-checked by OpenSSH (ssh-keygen -L), and the private key by ssh-keygen -y', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ssh-cert-'));
    writeFileSync(path.join(dir, 'id-cert.pub'), cert + '\n');
    const listing = execFileSync('ssh-keygen', ['-L', '-f', path.join(dir, 'id-cert.pub')], { encoding: 'utf8' });
    expect(listing).toContain('user certificate');
    expect(listing).toContain('Key ID: "lease-123"');
    expect(listing).toMatch(/Principals:\s+deploy\s+ops/);
    expect(listing).toContain('permit-pty');
    writeFileSync(path.join(dir, 'ca.pub'), sshPublicKeyLine(ca.publicKey, 'ca') + '\n');
    const caFingerprint = execFileSync('ssh-keygen', ['-l', '-f', path.join(dir, 'ca.pub')], { encoding: 'utf8' }).split(' ')[1]!;
    expect(listing).toContain(`Signing CA: ED25519 ${caFingerprint}`);

    const [type, body, id] = cert.split(' ') as [string, string, string];
    const tampered = Buffer.from(body, 'base64');
    tampered[tampered.length - 5]! ^= 1;
    writeFileSync(path.join(dir, 'bad-cert.pub'), `${type} ${tampered.toString('base64')} ${id}\n`);
    expect(() => execFileSync('ssh-keygen', ['-L', '-f', path.join(dir, 'bad-cert.pub')], { stdio: 'pipe' })).toThrow(
      /incorrect signature/,
    );

    const keyFile = path.join(dir, 'id');
    writeFileSync(keyFile, opensshPrivateKey(user.privateKey, 'lease-123'), { mode: 0o600 });
    const derived = execFileSync('ssh-keygen', ['-y', '-f', keyFile], { encoding: 'utf8' }).trim();
    expect(derived.split(' ').slice(0, 2).join(' ')).toBe(sshPublicKeyLine(user.publicKey));
  });

  it('refuses certificates without principals or with an empty window', () => {
    expect(() =>
      signSshUserCertificate({ ca: ca.privateKey, subject: user.publicKey, keyId: 'x', principals: [], validAfter, validBefore }),
    ).toThrow();
    expect(() =>
      signSshUserCertificate({
        ca: ca.privateKey,
        subject: user.publicKey,
        keyId: 'x',
        principals: ['a'],
        validAfter: validBefore,
        validBefore: validAfter,
      }),
    ).toThrow();
  });
});
