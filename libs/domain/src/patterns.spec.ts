import { describe, expect, it } from 'vitest';
import { headerNames, patternConfidence, schemaOf, schemaOfBody, urlTemplate } from './patterns.js';

describe('urlTemplate', () => {
  it.each([
    ['https://api.github.com/repos/acme/web/issues/42?state=open&page=2', 'https://api.github.com/repos/acme/web/issues/{n}?page=&state='],
    ['https://api.example.com/v1/users/6f1c2e0a-8a4b-4c1d-9e2f-3a4b5c6d7e8f/orders', 'https://api.example.com/v1/users/{uuid}/orders'],
    ['https://api.example.com/objects/deadbeefdeadbeefdeadbeef', 'https://api.example.com/objects/{hex}'],
    ['https://api.stripe.com/v1/customers/cus_9s6XKzkNRiz8i3x', 'https://api.stripe.com/v1/customers/{id}'],
    ['http://localhost:8080/a/b/', 'http://localhost:8080/a/b/'],
    ['https://hooks.slack.com/services/{{secret:slack/webhook}}', 'https://hooks.slack.com/services/{{secret:slack/webhook}}'],
  ])('%s → %s', (url, template) => {
    expect(urlTemplate(url)).toBe(template);
  });
  it('never keeps a query value', () => {
    expect(urlTemplate('https://x.io/search?q=password123&key=sk-live-abc')).toBe('https://x.io/search?key=&q=');
  });
});

describe('schemaOf', () => {
  it('maps field paths to types and holds no value', () => {
    const s = schemaOf({ user: { id: 7, name: 'ann', score: 1.5 }, tags: ['a', 'b'], ok: true, none: null, items: [{ n: 1 }, { n: 2.5 }] });
    expect(s).toEqual({
      user: 'object',
      'user.id': 'integer',
      'user.name': 'string',
      'user.score': 'number',
      tags: 'array',
      'tags[]': 'string',
      ok: 'boolean',
      none: 'null',
      items: 'array',
      'items[]': 'object',
      'items[].n': 'number',
    });
    expect(JSON.stringify(s)).not.toContain('ann');
  });
  it('is bounded for huge or deep bodies, and absent for non-JSON', () => {
    const wide = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]));
    expect(Object.keys(schemaOf(wide)).length).toBe(200);
    let deep: unknown = 1;
    for (let i = 0; i < 50; i++) deep = { d: deep };
    expect(Object.keys(schemaOf(deep)).length).toBeLessThanOrEqual(6);
    expect(schemaOfBody('not json')).toBeNull();
    expect(schemaOfBody('')).toBeNull();
  });
});

describe('headerNames', () => {
  it('keeps names only, lower-cased and sorted, without noise', () => {
    expect(
      headerNames({ Authorization: 'Bearer x', 'Content-Type': 'application/json', Host: 'a', 'X-Trace': '1', 'content-length': '3' }),
    ).toEqual(['authorization', 'content-type', 'x-trace']);
  });
});

describe('patternConfidence', () => {
  const now = new Date('2026-11-22T00:00:00Z');
  it('ranks many successes over few, failures down, and old patterns lower', () => {
    const few = patternConfidence({ successes: 3, failures: 0, verifiers: 1, lastUsedAt: now }, now);
    const many = patternConfidence({ successes: 300, failures: 0, verifiers: 1, lastUsedAt: now }, now);
    const failing = patternConfidence({ successes: 300, failures: 300, verifiers: 1, lastUsedAt: now }, now);
    const old = patternConfidence({ successes: 300, failures: 0, verifiers: 1, lastUsedAt: new Date('2026-08-22T00:00:00Z') }, now);
    const shared = patternConfidence({ successes: 300, failures: 0, verifiers: 4, lastUsedAt: now }, now);
    expect(many).toBeGreaterThan(few);
    expect(many).toBeGreaterThan(failing);
    expect(many).toBeGreaterThan(old);
    expect(shared).toBeGreaterThan(many);
    expect(shared).toBeLessThanOrEqual(1);
    expect(patternConfidence({ successes: 0, failures: 0, verifiers: 0, lastUsedAt: now }, now)).toBe(0);
  });
});
