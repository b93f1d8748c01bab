import { describe, expect, it } from 'vitest';
import { planInjection } from './injection.js';

const values = new Map([
  ['api-keys/openai', 'sk-live-abc/+='],
  ['db/creds', 'admin:p@ss'],
  ['hooks/slack', 'T000/B000/XXXX'],
]);

describe('planInjection', () => {
  it('fills placeholders in the URL (encoded), headers and JSON body (escaped)', () => {
    const plan = planInjection({
      method: 'post',
      url: 'https://hooks.slack.com/services/{{secret:hooks/slack}}?k={{ secret:api-keys/openai }}',
      headers: { 'X-Key': '{{secret:api-keys/openai}}', 'content-type': 'application/json' },
      body: '{"auth":"{{secret:db/creds}}","quote":"{{secret:api-keys/openai}}"}',
    });
    expect(plan.paths.sort()).toEqual(['api-keys/openai', 'db/creds', 'hooks/slack']);
    const r = plan.render(values);
    expect(r.method).toBe('POST');
    expect(r.url).toBe('https://hooks.slack.com/services/T000%2FB000%2FXXXX?k=sk-live-abc%2F%2B%3D');
    expect(r.headers['X-Key']).toBe('sk-live-abc/+=');
    expect(JSON.parse(r.body!)).toEqual({ auth: 'admin:p@ss', quote: 'sk-live-abc/+=' });
  });

  it('injects Authorization as Bearer, other headers as they are, and basic: as Basic', () => {
    const r = planInjection({
      method: 'GET',
      url: 'https://api.x.io/',
      headers: { authorization: 'stale' },
      inject: { Authorization: 'api-keys/openai', 'X-Api-Key': 'api-keys/openai' },
    }).render(values);
    expect(r.headers).toEqual({ Authorization: 'Bearer sk-live-abc/+=', 'X-Api-Key': 'sk-live-abc/+=' });
    const b = planInjection({ method: 'GET', url: 'https://db.x.io/', inject: { Authorization: 'basic:db/creds' } }).render(values);
    expect(b.headers.Authorization).toBe(`Basic ${Buffer.from('admin:p@ss').toString('base64')}`);
  });

  it('refuses a value pasted into inject with 403 and the right form', () => {
    for (const bad of ['Bearer sk-live-abc', 'sk live', '../etc/passwd', '/abs/path', '']) {
      let err: unknown;
      try {
        planInjection({ method: 'GET', url: 'https://x.io/', inject: { Authorization: bad } });
      } catch (e) {
        err = e;
      }
      expect(err, bad).toMatchObject({ code: 'forbidden', message: expect.stringContaining('must name a secret path') });
      expect((err as Error).message).not.toContain('sk-live-abc');
    }
  });

  it('refuses bad placeholder paths, unknown secrets and line breaks in headers', () => {
    expect(() => planInjection({ method: 'GET', url: 'https://x.io/{{secret:../x}}' })).toThrow(/not a valid secret path/);
    expect(() => planInjection({ method: 'GET', url: 'https://x.io/{{secret:nope}}' }).render(values)).toThrow(/secret nope not found/);
    expect(() =>
      planInjection({ method: 'GET', url: 'https://x.io/', headers: { X: '{{secret:k}}' } }).render(new Map([['k', 'a\r\nInjected: 1']])),
    ).toThrow(/line break/);
  });
});
