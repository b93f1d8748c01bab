import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { createScrubStream, scrubValues, secretVariants } from './scrub-stream.js';

async function through(chunks: string[], values: string[]): Promise<{ out: string; count: number }> {
  const s = createScrubStream([{ replacement: '[REDACTED:k]', values }]);
  const out = await buffer(Readable.from(chunks.map((c) => Buffer.from(c, 'utf8'))).pipe(s));
  return { out: out.toString('utf8'), count: s.redacted() };
}

describe('createScrubStream', () => {
  const secret = 'sk-live-0123456789abcdef';

  it('removes a value however the stream happens to be cut', async () => {
    const body = `{"echo":"Bearer ${secret}","again":"${secret}"}`;
    for (let size = 1; size <= body.length; size += 3) {
      const chunks = body.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g'))!;
      const { out, count } = await through(chunks, [secret]);
      expect(out).toBe('{"echo":"Bearer [REDACTED:k]","again":"[REDACTED:k]"}');
      expect(count).toBe(2);
    }
  });

  it('holds back only a tail that could start a value, so complete text is not delayed', () => {
    const s = createScrubStream([{ replacement: '[REDACTED:k]', values: [secret] }]);
    const out: string[] = [];
    s.on('data', (c: Buffer) => out.push(c.toString('utf8')));
    s.write('data: first\n\n');
    expect(out.join('')).toBe('data: first\n\n');
    s.write('key=sk-li');
    expect(out.join('')).toBe('data: first\n\nkey=');
    s.end('ve-0123456789abcdef.');
    expect(out.join('')).toBe('data: first\n\nkey=[REDACTED:k].');
  });

  it('keeps multi-byte text intact and passes bodies without secrets unchanged', async () => {
    expect((await through(['héllo wörld ', '— ✓ ', 'sk-live-'], [secret])).out).toBe('héllo wörld — ✓ sk-live-');
    const bin = Buffer.from([0, 255, 1, 254, 2]);
    const s = createScrubStream([{ replacement: 'x', values: [secret] }]);
    expect((await buffer(Readable.from([bin]).pipe(s))).equals(bin)).toBe(true);
  });

  it('catches the encodings an echo uses', () => {
    const basic = Buffer.from(`bot:${secret}`).toString('base64');
    const values = secretVariants(secret);
    const text = `url=${encodeURIComponent(secret)} b64=${Buffer.from(secret).toString('base64')} json=${JSON.stringify(secret)}`;
    expect(scrubValues(text, [{ replacement: '[R]', values }]).text).not.toMatch(/sk-live|c2stbGl2ZS0wMTIzNDU2Nzg5YWJjZGVm/);
    const withBasic = secretVariants(`bot:${secret}`);
    expect(scrubValues(`Authorization: Basic ${basic}`, [{ replacement: '[R]', values: withBasic }]).text).toBe('Authorization: Basic [R]');
  });

  it('never redacts values too short to be secrets', () => {
    expect(scrubValues('a b c', [{ replacement: '[R]', values: ['a', 'b'] }]).text).toBe('a b c');
  });
});
