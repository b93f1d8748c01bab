import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { inspectRequest } from '../src/mcp/jsonrpc.js';
import { JsonToolsFilter, SseToolsFilter } from '../src/mcp/tools-filter.js';

const allowed = new Set(['search', 'read']);
const msg = (m: unknown): Buffer => Buffer.from(JSON.stringify(m));
const call = (id: number, name: unknown, args: unknown = { q: 'secret-value' }) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
});
const toolsResult = (id: number) => ({
  jsonrpc: '2.0',
  id,
  result: { tools: [{ name: 'search' }, { name: 'drop_table' }, { name: 'read' }], nextCursor: 'c' },
});

async function through(filter: SseToolsFilter | JsonToolsFilter, chunks: string[]): Promise<string> {
  return (await buffer(Readable.from(chunks.map((c) => Buffer.from(c))).pipe(filter))).toString('utf8');
}

describe('inspectRequest', () => {
  it('records methods and tool names, never arguments', () => {
    const r = inspectRequest(
      msg([{ jsonrpc: '2.0', id: 1, method: 'tools/list' }, call(2, 'search'), { jsonrpc: '2.0', method: 'notifications/initialized' }]),
      allowed,
    );
    expect(r).toEqual({
      calls: [{ method: 'tools/list' }, { method: 'tools/call', tool: 'search' }, { method: 'notifications/initialized' }],
      refusal: null,
      listsTools: true,
    });
    expect(JSON.stringify(r)).not.toContain('secret-value');
  });

  it('refuses a call outside the allow-list with a JSON-RPC error for its id', () => {
    const r = inspectRequest(msg(call(7, 'drop_table')), allowed);
    expect(r.calls).toEqual([{ method: 'tools/call', tool: 'drop_table', refused: true }]);
    expect(JSON.parse(r.refusal!)).toEqual({
      jsonrpc: '2.0',
      id: 7,
      error: { code: -32602, message: expect.stringContaining('drop_table is not allowed') },
    });
  });

  it('refuses a whole batch that holds one refused call, answering each request in it', () => {
    const r = inspectRequest(msg([call(1, 'search'), call(2, 'drop_table'), { jsonrpc: '2.0', method: 'notifications/x' }]), allowed);
    const answers = JSON.parse(r.refusal!) as { id: number; error: { code: number } }[];
    expect(answers.map((a) => [a.id, a.error.code])).toEqual([
      [1, -32600],
      [2, -32602],
    ]);
  });

  it('refuses a call without a tool name when an allow-list applies, and lets everything through without one', () => {
    expect(inspectRequest(msg(call(1, 42)), allowed).refusal).not.toBeNull();
    expect(inspectRequest(msg(call(1, 'anything')), null).refusal).toBeNull();
  });

  it('rejects bodies that are not JSON-RPC', () => {
    expect(() => inspectRequest(Buffer.from('{nope'), allowed)).toThrow(/not JSON/);
    expect(() => inspectRequest(msg([]), allowed)).toThrow(/JSON-RPC/);
    expect(() => inspectRequest(msg([1, 2]), allowed)).toThrow(/JSON-RPC/);
  });
});

describe('tools/list filters', () => {
  it('narrows a JSON answer, single or batch, and leaves other answers byte for byte', async () => {
    const single = JSON.parse(
      await through(new JsonToolsFilter(allowed, 1 << 20), [
        JSON.stringify(toolsResult(1)).slice(0, 10),
        JSON.stringify(toolsResult(1)).slice(10),
      ]),
    );
    expect(single.result).toEqual({ tools: [{ name: 'search' }, { name: 'read' }], nextCursor: 'c' });
    const batch = JSON.parse(
      await through(new JsonToolsFilter(allowed, 1 << 20), [JSON.stringify([toolsResult(1), { jsonrpc: '2.0', id: 2, result: {} }])]),
    );
    expect(batch[0].result.tools).toHaveLength(2);
    const other = '{"jsonrpc":"2.0", "id":3, "result":{"content":[]}}';
    expect(await through(new JsonToolsFilter(allowed, 1 << 20), [other])).toBe(other);
  });

  it('rewrites only the tools/list event of an SSE stream, split anywhere, and passes the rest unchanged', async () => {
    const progress = 'event: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}}\n\n';
    const list = `id: 5\nevent: message\ndata: ${JSON.stringify(toolsResult(2))}\n\n`;
    const comment = ': keep-alive\r\n\r\n';
    const text = progress + list + comment;
    for (const size of [1, 7, text.length]) {
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
      const out = await through(new SseToolsFilter(allowed, 1 << 20), chunks);
      expect(out.startsWith(progress)).toBe(true);
      expect(out.endsWith(comment)).toBe(true);
      const event = out.slice(progress.length, out.length - comment.length);
      expect(event).toMatch(/^id: 5\nevent: message\ndata: /);
      expect(JSON.parse(event.split('data: ')[1]!).result.tools).toEqual([{ name: 'search' }, { name: 'read' }]);
    }
  });

  it('emits each complete SSE event at once, before the stream ends', async () => {
    const filter = new SseToolsFilter(allowed, 1 << 20);
    const seen: string[] = [];
    filter.on('data', (c: Buffer) => seen.push(c.toString()));
    filter.write('data: {"a":1}\n\ndata: {"b"');
    await new Promise((r) => setImmediate(r));
    expect(seen.join('')).toBe('data: {"a":1}\n\n');
    filter.end(':2}\n\n');
    await new Promise((r) => filter.once('end', r));
    expect(seen.join('')).toBe('data: {"a":1}\n\ndata: {"b":2}\n\n');
  });
});
