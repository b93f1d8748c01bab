/**
 * Token format, shared by every secret Portcullis hands out:
 *
 *   <prefix>_<body><checksum>
 *
 * - prefix:   what the token is (`art` runtime token, `pk` tenant API key, `olt` one-time link, ...),
 *             so a leaked token is recognisable by secret scanners and by a human.
 * - body:     32 random bytes, base62, left-padded to 43 characters.
 * - checksum: CRC32 of `<prefix>_<body>`, base62, left-padded to 6 characters; lets us reject typos
 *             and scanners confirm a match without any lookup.
 *
 * Only SHA-256(token) is ever stored. Comparisons of secrets are constant-time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

export const TOKEN_PREFIXES = {
  runtime: 'art',
  apiKey: 'pk',
  link: 'olt',
  secretId: 'sid',
} as const;
export type TokenKind = keyof typeof TOKEN_PREFIXES;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BODY_LENGTH = 43; // ceil(256 / log2(62))
const CHECKSUM_LENGTH = 6; // ceil(32 / log2(62))

function toBase62(value: bigint, width: number): string {
  let out = '';
  let v = value;
  while (v > 0n) {
    out = ALPHABET[Number(v % 62n)]! + out;
    v /= 62n;
  }
  return out.padStart(width, '0');
}

/** The checksum: a CRC32 fits a double exactly, so plain arithmetic does here (no BigInt on the request path). */
function checksum(text: string): string {
  let out = '';
  for (let v = crc32(text); v > 0; v = Math.floor(v / 62)) out = ALPHABET[v % 62]! + out;
  return out.padStart(CHECKSUM_LENGTH, '0');
}

const KIND_OF_PREFIX = new Map<string, TokenKind>(Object.entries(TOKEN_PREFIXES).map(([kind, prefix]) => [prefix, kind as TokenKind]));

/** A fresh token of the given kind. Show it once; store `hashToken(token)`. */
export function generateToken(kind: TokenKind): string {
  const head = `${TOKEN_PREFIXES[kind]}_${toBase62(BigInt('0x' + randomBytes(32).toString('hex')), BODY_LENGTH)}`;
  return head + checksum(head);
}

const TOKEN_SHAPE = /^([a-z]+)_([0-9A-Za-z]{49})$/;

/** The token's kind when it is well-formed and its checksum matches, else null. No lookup involved. */
export function parseToken(token: string): TokenKind | null {
  const m = TOKEN_SHAPE.exec(token);
  if (!m) return null;
  const kind = KIND_OF_PREFIX.get(m[1]!);
  if (!kind) return null;
  const head = token.slice(0, token.length - CHECKSUM_LENGTH);
  const sum = token.slice(token.length - CHECKSUM_LENGTH);
  return constantTimeEqual(sum, checksum(head)) ? kind : null;
}

export function isTokenOfKind(token: string, kind: TokenKind): boolean {
  return parseToken(token) === kind;
}

/** Hex SHA-256 of a token: the only form in which tokens are stored or used as lookup keys. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time string equality (the length check leaks only the length). */
export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ab.length !== bb.length) return false;
  return timingSafeEqual(ab, bb);
}

/** A short, non-secret hint for listings: prefix and the first characters of the body. */
export function tokenHint(token: string): string {
  const i = token.indexOf('_');
  return token.slice(0, i + 5) + '…';
}
