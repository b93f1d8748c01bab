import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CanonicalJsonError, canonicalJson } from './canonical-json.js';
import {
  chainGenesis,
  checkpointPublicKey,
  checkpointSigner,
  extendChain,
  stateHash,
  verifyAgainstCheckpoint,
  verifyChain,
  type ChainEntry,
} from './chain.js';

describe('canonicalJson (RFC 8785)', () => {
  it('serialises numbers as RFC 8785 appendix B lists', () => {
    // [IEEE 754 value, expected text] from RFC 8785 appendix B, the ones a JS number can hold.
    const cases: [number, string][] = [
      [0, '0'],
      [-0, '0'],
      [5e-324, '5e-324'],
      [-5e-324, '-5e-324'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
      [9007199254740992, '9007199254740992'],
      [-9007199254740992, '-9007199254740992'],
      [295147905179352830000, '295147905179352830000'],
      [9.999999999999997e22, '9.999999999999997e+22'],
      [1e23, '1e+23'],
      [1e21, '1e+21'],
      [999999999999999700000, '999999999999999700000'],
      [1e-7, '1e-7'],
      [0.000001, '0.000001'],
      [333333333.3333333, '333333333.3333333'],
      [4.5, '4.5'],
      [2e-3, '0.002'],
      [1e-27, '1e-27'],
    ];
    for (const [n, text] of cases) expect(canonicalJson(n)).toBe(text);
  });

  it('rejects numbers JSON cannot hold', () => {
    for (const n of [NaN, Infinity, -Infinity]) expect(() => canonicalJson({ n })).toThrow(CanonicalJsonError);
  });

  it('escapes strings as RFC 8785 §3.2.2.2 and its example show', () => {
    expect(canonicalJson('\u20ac$\u000F\u000aA\'\u0042\u0022\u005c\\"/')).toBe('"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"');
    expect(canonicalJson('\b\t\n\f\r\u0000\u001f\u007f')).toBe('"\\b\\t\\n\\f\\r\\u0000\\u001f\u007f"');
    expect(canonicalJson('😀 é <>&')).toBe('"😀 é <>&"');
    expect(() => canonicalJson('\ud83d')).toThrow(CanonicalJsonError);
    expect(() => canonicalJson({ ['\ude00x']: 1 })).toThrow(CanonicalJsonError);
    // Text that merely spells an escape is an ordinary string.
    expect(canonicalJson('\\ud83d')).toBe('"\\\\ud83d"');
    expect(() => canonicalJson(['ok', 'x\udbff'])).toThrow(CanonicalJsonError);
  });

  it('sorts keys by UTF-16 code units (RFC 8785 §3.2.3 example) and recursively', () => {
    const o = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    expect(canonicalJson(o)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","😀":"Emoji: Grinning Face","דּ":"Hebrew Letter Dalet With Dagesh"}',
    );
    expect(canonicalJson({ b: [3, { z: null, a: true }], a: { d: false, c: 'x' }, u: undefined })).toBe(
      '{"a":{"c":"x","d":false},"b":[3,{"a":true,"z":null}]}',
    );
  });

  it('matches the RFC 8785 §3.2.2 sample object', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    ) as unknown;
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('rejects what is not JSON', () => {
    expect(() => canonicalJson(new Date())).toThrow(CanonicalJsonError);
    expect(() => canonicalJson(1n)).toThrow(CanonicalJsonError);
    expect(() => canonicalJson([undefined])).toThrow(CanonicalJsonError);
  });
});

const agentId = '3f1c1a7e-8b1e-4a53-9c62-0c5b8d3a9e01';
const events = Array.from({ length: 5 }, (_, i) => ({ type: 'request', requestId: `r${i}`, agentId, status: 200 + i }));

function chainOf(n = events.length): ChainEntry[] {
  return extendChain({ seq: 0, stateHash: chainGenesis(agentId) }, events.slice(0, n));
}

describe('chain', () => {
  it('follows the rule: seq n, prev = previous state, state = H(prev ‖ H(canonical(event)))', () => {
    const chain = chainOf();
    expect(chain.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(chain[0]!.prevHash).toBe(createHash('sha256').update(`portcullis/chain/v1/genesis:${agentId}`).digest('hex'));
    for (const [i, e] of chain.entries()) {
      const inner = createHash('sha256').update(e.event).digest();
      const expected = createHash('sha256')
        .update(Buffer.concat([Buffer.from(e.prevHash, 'hex'), inner]))
        .digest('hex');
      expect(e.stateHash).toBe(expected);
      if (i > 0) expect(e.prevHash).toBe(chain[i - 1]!.stateHash);
      expect(e.event).toBe(canonicalJson(events[i]));
    }
    expect(chainGenesis(agentId)).not.toBe(chainGenesis('another-agent'));
  });

  it('extending a head continues the same chain', () => {
    const first = chainOf(2);
    const rest = extendChain(first[1]!, events.slice(2));
    expect([...first, ...rest]).toEqual(chainOf());
  });

  it('verifies an untouched chain and names the first bad sequence of a touched one', () => {
    expect(verifyChain(agentId, chainOf())).toEqual({ valid: true, length: 5, head: { seq: 5, stateHash: chainOf()[4]!.stateHash } });
    expect(verifyChain(agentId, [])).toMatchObject({ valid: true, length: 0 });

    const edited = chainOf();
    edited[2] = { ...edited[2]!, event: edited[2]!.event.replace('"status":202', '"status":500') };
    expect(verifyChain(agentId, edited)).toMatchObject({ valid: false, firstBadSequence: 3 });

    const gap = chainOf().filter((e) => e.seq !== 4);
    expect(verifyChain(agentId, gap)).toMatchObject({ valid: false, firstBadSequence: 4 });

    // Rewriting an entry and recomputing its hash still breaks the link to the next one.
    const rehashed = chainOf();
    const ev = rehashed[1]!.event.replace('"status":201', '"status":500');
    rehashed[1] = { ...rehashed[1]!, event: ev, stateHash: stateHash(rehashed[1]!.prevHash, ev) };
    expect(verifyChain(agentId, rehashed)).toMatchObject({ valid: false, firstBadSequence: 3 });

    expect(verifyChain('another-agent', chainOf())).toMatchObject({ valid: false, firstBadSequence: 1 });
  });

  it('a signed checkpoint catches removed tail entries and a consistently rewritten chain', () => {
    const signer = checkpointSigner(randomBytes(32));
    const chain = chainOf();
    const cp = signer.sign({
      tenantId: 't1',
      createdAt: '2026-11-22T00:00:00.000Z',
      heads: [{ agentId, seq: 4, stateHash: chain[3]!.stateHash }],
    });
    const pub = checkpointPublicKey(signer.publicKey);
    const at = (c: ChainEntry[]) => (seq: number) => c[seq - 1]?.stateHash;

    expect(verifyAgainstCheckpoint(agentId, at(chain), chain.length, cp, pub)).toEqual({ valid: true, seq: 4 });

    const truncated = chain.slice(0, 3);
    expect(verifyChain(agentId, truncated).valid).toBe(true);
    expect(verifyAgainstCheckpoint(agentId, at(truncated), truncated.length, cp, pub)).toMatchObject({ valid: false, reason: 'truncated' });

    // A forger who rewrites event 2 and recomputes every later hash has a chain that verifies alone.
    const forged = extendChain(chain[0]!, [{ ...events[1], status: 500 }, ...events.slice(2)]);
    const whole = [chain[0]!, ...forged];
    expect(verifyChain(agentId, whole).valid).toBe(true);
    expect(verifyAgainstCheckpoint(agentId, at(whole), whole.length, cp, pub)).toMatchObject({ valid: false, reason: 'rewritten' });

    const tampered = { ...cp, heads: [{ ...cp.heads[0]!, seq: 3, stateHash: chain[2]!.stateHash }] };
    expect(verifyAgainstCheckpoint(agentId, at(truncated), truncated.length, tampered, pub)).toMatchObject({
      valid: false,
      reason: 'bad_signature',
    });
    const other = checkpointPublicKey(checkpointSigner(randomBytes(32)).publicKey);
    expect(verifyAgainstCheckpoint(agentId, at(chain), chain.length, cp, other)).toMatchObject({ valid: false, reason: 'bad_signature' });
  });

  it('accepts the public key as PEM too', () => {
    const signer = checkpointSigner(randomBytes(32));
    const pem = checkpointPublicKey(signer.publicKey).export({ format: 'pem', type: 'spki' }).toString();
    const cp = signer.sign({ tenantId: 't', createdAt: 'x', heads: [] });
    expect(verifyAgainstCheckpoint(agentId, () => undefined, 0, cp, checkpointPublicKey(pem))).toMatchObject({
      reason: 'agent_not_in_checkpoint',
    });
  });
});
