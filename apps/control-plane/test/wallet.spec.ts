/**
 * The internal endpoints behind the proxy's wallet: only the internal token gets in; every call is
 * scoped to the agent's tenant (another tenant's agent or room is a 404); workroom membership, message
 * order and cursors; bad input is a 400 that changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WALLET_INTERNAL_PATH } from '@portcullis/contracts';
import { http } from '@portcullis/testing';
import { startControlPlane, type Harness } from './harness.js';

describe('internal wallet endpoints', () => {
  let h: Harness;
  let internal: string;
  beforeAll(async () => {
    h = await startControlPlane();
    internal = h.env.PORTCULLIS_INTERNAL_TOKEN!;
  });
  afterAll(async () => h?.close());

  const agent = async (adminKey: string): Promise<string> => {
    const res = await http('POST', `${h.url}/api/v1/admin/agents`, {
      token: adminKey,
      body: { name: `w-${randomUUID().slice(0, 8)}`, upstreamUrl: 'http://127.0.0.1:9', requiredCredentials: [] },
    });
    return res.body.agent.id as string;
  };
  const at = (tenantId: string, agentId: string, path: string): string =>
    `${h.url}${WALLET_INTERNAL_PATH}/tenants/${tenantId}/agents/${agentId}/${path}`;

  it('admits only the internal token', async () => {
    const t = await h.createTenant();
    const a = await agent(t.adminKey);
    for (const token of [undefined, t.adminKey, h.rootToken]) {
      const res = await http('GET', at(t.tenantId, a, 'head'), { token });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'internal routes need the internal token', request_id: expect.any(String) });
    }
    const head = await http('GET', at(t.tenantId, a, 'head'), { token: internal });
    expect(head.status).toBe(200);
    expect(head.body).toMatchObject({ seq: expect.any(Number), stateHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('keeps tenants apart and workrooms to their members, in order, from a cursor', async () => {
    const t = await h.createTenant();
    const other = await h.createTenant();
    const [a, b, stranger] = [await agent(t.adminKey), await agent(t.adminKey), await agent(other.adminKey)];

    // another tenant's agent, named under this tenant: not found, for every endpoint
    for (const path of ['head', 'stamps', 'verify', 'workrooms']) {
      expect((await http('GET', at(t.tenantId, stranger, path), { token: internal })).status).toBe(404);
    }
    expect((await http('POST', at(t.tenantId, stranger, 'workrooms/join'), { token: internal, body: { name: 'ops' } })).status).toBe(404);

    const join = await http('POST', at(t.tenantId, a, 'workrooms/join'), { token: internal, body: { name: 'ops' } });
    expect(join.status).toBe(200);
    expect(join.body).toMatchObject({ name: 'ops', joined: true, lastSeq: 0, members: [{ agentId: a }] });
    // the same name in the other tenant is another room
    await http('POST', at(other.tenantId, stranger, 'workrooms/join'), { token: internal, body: { name: 'ops' } });
    expect((await http('GET', at(t.tenantId, a, 'workrooms'), { token: internal })).body[0].members).toHaveLength(1);

    const post = (agentId: string, body: Record<string, unknown>) =>
      http('POST', at(t.tenantId, agentId, 'workrooms/messages'), {
        token: internal,
        body: { name: 'ops', requestId: randomUUID(), ...body },
      });
    expect((await post(b, { kind: 'share_update', body: 'x' })).status).toBe(403);
    expect((await post(a, { kind: 'shout', body: 'x' })).status).toBe(400);
    expect((await http('POST', at(t.tenantId, a, 'workrooms/join'), { token: internal, body: { name: '../etc' } })).status).toBe(400);

    await http('POST', at(t.tenantId, b, 'workrooms/join'), { token: internal, body: { name: 'ops' } });
    const posted = await Promise.all(Array.from({ length: 10 }, (_, i) => post(i % 2 ? a : b, { kind: 'share_update', body: `m${i}` })));
    expect(posted.every((p) => p.status === 201)).toBe(true);
    expect(posted[0]!.body.otherMembers).toHaveLength(1);
    const sync = await post(a, { kind: 'request_sync', body: 'state?' });
    expect(sync.body.message.seq).toBe(11);

    const first = await http('GET', at(t.tenantId, b, 'workrooms/messages'), { token: internal });
    expect(first.status).toBe(400); // the room name is required
    const page = await http('GET', `${at(t.tenantId, b, 'workrooms/messages')}?name=ops&limit=6`, { token: internal });
    expect(page.body.messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    const rest = await http('GET', `${at(t.tenantId, b, 'workrooms/messages')}?name=ops&cursor=${page.body.cursor}`, { token: internal });
    expect(rest.body.messages.map((m: { seq: number }) => m.seq)).toEqual([7, 8, 9, 10, 11]);
    expect(rest.body.syncRequests).toEqual([expect.objectContaining({ seq: 11, agentId: a, kind: 'request_sync' })]);
    const own = await http('GET', `${at(t.tenantId, a, 'workrooms/messages')}?name=ops&cursor=10`, { token: internal });
    expect(own.body.syncRequests).toEqual([]); // your own request_sync is not asked of you

    expect(
      (await http('GET', `${at(other.tenantId, stranger, 'workrooms/messages')}?name=ops`, { token: internal })).body.messages,
    ).toEqual([]);
    expect((await http('POST', at(t.tenantId, a, 'workrooms/leave'), { token: internal, body: { name: 'ops' } })).status).toBe(200);
    expect((await http('GET', `${at(t.tenantId, a, 'workrooms/messages')}?name=ops`, { token: internal })).status).toBe(403);
    expect((await http('GET', `${at(t.tenantId, a, 'workrooms/messages')}?name=nope`, { token: internal })).status).toBe(404);
  });
});
