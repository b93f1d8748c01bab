/**
 * OpenSSH user certificates signed by an Ed25519 CA, for the vault's `ssh` dynamic secrets.
 *
 * Wire format (PROTOCOL.certkeys): string "ssh-ed25519-cert-v01@openssh.com", string nonce, string pk,
 * uint64 serial, uint32 type (1 = user), string key id, string principals, uint64 valid_after,
 * uint64 valid_before, string critical options, string extensions, string reserved, string CA key,
 * then string signature over everything before it. Private keys are written in the unencrypted
 * `openssh-key-v1` format so `ssh -i` and `ssh-keygen` read them as they are.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';

const CERT_TYPE = 'ssh-ed25519-cert-v01@openssh.com';
const KEY_TYPE = 'ssh-ed25519';
const USER_CERT = 1;
export const DEFAULT_SSH_EXTENSIONS = [
  'permit-X11-forwarding',
  'permit-agent-forwarding',
  'permit-port-forwarding',
  'permit-pty',
  'permit-user-rc',
];

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
function u64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
}
function str(data: Buffer | string): Buffer {
  const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return Buffer.concat([u32(b.length), b]);
}

function rawPublic(key: KeyObject): Buffer {
  const jwk = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || !jwk.x) throw new Error('an Ed25519 key is required');
  return Buffer.from(jwk.x, 'base64url');
}

function rawSeed(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || !jwk.d) throw new Error('an Ed25519 private key is required');
  return Buffer.from(jwk.d, 'base64url');
}

function publicBlob(key: KeyObject): Buffer {
  return Buffer.concat([str(KEY_TYPE), str(rawPublic(key))]);
}

/** `ssh-ed25519 AAAA… comment`, as in authorized_keys or a CA's TrustedUserCAKeys file. */
export function sshPublicKeyLine(key: KeyObject, comment = ''): string {
  return `${KEY_TYPE} ${publicBlob(key).toString('base64')}${comment ? ` ${comment}` : ''}`;
}

/** The key in `-----BEGIN OPENSSH PRIVATE KEY-----` form, unencrypted. */
export function opensshPrivateKey(key: KeyObject, comment = ''): string {
  const pk = rawPublic(key);
  const check = randomBytes(4);
  let section = Buffer.concat([check, check, str(KEY_TYPE), str(pk), str(Buffer.concat([rawSeed(key), pk])), str(comment)]);
  const pad: number[] = [];
  for (let i = 1; (section.length + pad.length) % 8 !== 0; i++) pad.push(i);
  section = Buffer.concat([section, Buffer.from(pad)]);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    str('none'),
    str('none'),
    str(''),
    u32(1),
    str(publicBlob(key)),
    str(section),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

export interface SshUserCertificateRequest {
  /** The CA's Ed25519 private key. */
  ca: KeyObject;
  /** The user's Ed25519 public (or private) key to certify. */
  subject: KeyObject;
  keyId: string;
  principals: string[];
  validAfter: Date;
  validBefore: Date;
  serial?: bigint;
  extensions?: string[];
}

/** A signed user certificate as one `ssh-ed25519-cert-v01@openssh.com AAAA… keyId` line. */
export function signSshUserCertificate(req: SshUserCertificateRequest): string {
  if (req.principals.length === 0) throw new Error('a certificate needs at least one principal');
  if (req.validBefore <= req.validAfter) throw new Error('validBefore must be after validAfter');
  const seconds = (d: Date): bigint => BigInt(Math.floor(d.getTime() / 1000));
  const extensions = [...new Set(req.extensions ?? DEFAULT_SSH_EXTENSIONS)].sort();
  const tbs = Buffer.concat([
    str(CERT_TYPE),
    str(randomBytes(32)),
    str(rawPublic(req.subject)),
    u64(req.serial ?? BigInt('0x' + randomBytes(8).toString('hex'))),
    u32(USER_CERT),
    str(req.keyId),
    str(Buffer.concat(req.principals.map((p) => str(p)))),
    u64(seconds(req.validAfter)),
    u64(seconds(req.validBefore)),
    str(''),
    str(Buffer.concat(extensions.flatMap((e) => [str(e), str('')]))),
    str(''),
    str(publicBlob(req.ca)),
  ]);
  const signature = sign(null, tbs, req.ca);
  const blob = Buffer.concat([tbs, str(Buffer.concat([str(KEY_TYPE), str(signature)]))]);
  return `${CERT_TYPE} ${blob.toString('base64')} ${req.keyId}`;
}

/** Checks a certificate line's signature against a CA public key, and reads its validity window. */
export function verifySshCertificate(line: string, caPublic: KeyObject): { valid: boolean; principals: string[]; validBefore: Date } {
  const blob = Buffer.from(line.split(' ')[1] ?? '', 'base64');
  let off = 0;
  const readStr = (): Buffer => {
    const n = blob.readUInt32BE(off);
    const v = blob.subarray(off + 4, off + 4 + n);
    off += 4 + n;
    return v;
  };
  try {
    if (readStr().toString() !== CERT_TYPE) return { valid: false, principals: [], validBefore: new Date(0) };
    readStr(); // nonce
    readStr(); // pk
    off += 8 + 4; // serial, type
    readStr(); // key id
    const principalsBlob = readStr();
    off += 8;
    const validBefore = new Date(Number(blob.readBigUInt64BE(off)) * 1000);
    off += 8;
    readStr();
    readStr();
    readStr();
    const caBlob = readStr();
    const signed = blob.subarray(0, off);
    const sigBlob = readStr();
    const principals: string[] = [];
    for (let p = 0; p < principalsBlob.length;) {
      const n = principalsBlob.readUInt32BE(p);
      principals.push(principalsBlob.subarray(p + 4, p + 4 + n).toString());
      p += 4 + n;
    }
    const sigLen = sigBlob.readUInt32BE(0);
    const sig = sigBlob.subarray(4 + sigLen + 4);
    const valid = caBlob.equals(publicBlob(caPublic)) && verify(null, signed, caPublic, sig);
    return { valid, principals, validBefore };
  } catch {
    return { valid: false, principals: [], validBefore: new Date(0) };
  }
}

export function generateEd25519(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ed25519');
}

/** Reads an Ed25519 CA private key given as PKCS#8 PEM. */
export function parseEd25519PrivateKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('the CA key must be an Ed25519 private key');
  return key;
}
