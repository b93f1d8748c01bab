/**
 * What the gateway reads of an MCP client's JSON-RPC request body (a single message or a batch):
 * each message's method and, for `tools/call`, the tool name — never argument values — and whether
 * every `tools/call` names a tool on the server's allow-list.
 *
 * A refused call never reaches the upstream. The refusal is a JSON-RPC error response with HTTP 200:
 * MCP clients (the SDK's Client among them) settle the pending request with an McpError carrying the
 * code and message, the way an upstream's own "unknown tool" error arrives, whereas a 403 surfaces as
 * a transport failure. Code -32602 (invalid params) is what MCP servers use for an unknown tool; the
 * tool is also absent from the filtered `tools/list`. A batch holding any refused call is refused whole
 * (its other requests get -32600), so nothing of it runs.
 */
import { DomainError } from '@portcullis/domain';
import type { McpCallSummary } from '@portcullis/contracts';

export type McpCall = McpCallSummary['calls'][number];

interface Message {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

export interface Inspection {
  calls: McpCall[];
  /** The JSON body to answer with instead of forwarding; null when the body may go upstream. */
  refusal: string | null;
  /** The body asks for `tools/list`: its answer must be filtered. */
  listsTools: boolean;
}

const MAX_NAME = 128;
export const TOOL_NOT_ALLOWED = -32602;
const BATCH_REFUSED = -32600;

const clip = (s: string): string => (s.length > MAX_NAME ? s.slice(0, MAX_NAME) : s);
const isRequest = (m: Message): boolean => typeof m.method === 'string' && m.id !== undefined && m.id !== null;

function toolOf(m: Message): string | null {
  const params = m.params;
  if (typeof params !== 'object' || params === null) return null;
  const name = (params as { name?: unknown }).name;
  return typeof name === 'string' ? name : null;
}

/** Reads a request body; a body that is not JSON-RPC is refused with 400 (the gateway cannot vet it). */
export function inspectRequest(body: Buffer, allowed: ReadonlySet<string> | null): Inspection {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new DomainError('bad_request', 'the request body is not JSON: MCP messages are JSON-RPC 2.0');
  }
  const batch = Array.isArray(parsed);
  const messages = (batch ? parsed : [parsed]) as unknown[];
  if (messages.length === 0 || messages.some((m) => typeof m !== 'object' || m === null || Array.isArray(m))) {
    throw new DomainError('bad_request', 'the request body is not a JSON-RPC 2.0 message or batch');
  }
  const calls: McpCall[] = [];
  const refused: Message[] = [];
  let listsTools = false;
  for (const m of messages as Message[]) {
    if (typeof m.method !== 'string') {
      calls.push({ method: 'response' });
      continue;
    }
    const call: McpCall = { method: clip(m.method) };
    if (m.method === 'tools/list') listsTools = true;
    if (m.method === 'tools/call') {
      const tool = toolOf(m);
      if (tool !== null) call.tool = clip(tool);
      if (allowed !== null && (tool === null || !allowed.has(tool))) {
        call.refused = true;
        refused.push(m);
      }
    }
    calls.push(call);
  }
  if (!refused.length) return { calls, refusal: null, listsTools };
  const named = refused.map((m) => toolOf(m) ?? '(no name)');
  const responses = (messages as Message[]).filter(isRequest).map((m) => {
    const tool = toolOf(m);
    const error = refused.includes(m)
      ? { code: TOOL_NOT_ALLOWED, message: `Tool ${tool ?? '(no name)'} is not allowed through the gateway for this agent` }
      : { code: BATCH_REFUSED, message: `Batch refused: it calls a tool that is not allowed (${named.join(', ')})` };
    return { jsonrpc: '2.0', id: m.id, error };
  });
  const refusal = responses.length === 0 ? '' : JSON.stringify(batch ? responses : responses[0]);
  return { calls, refusal, listsTools };
}

/**
 * Narrows a `tools/list` result in place to the allowed tools. True when the message was such a
 * result (any JSON-RPC response whose result holds a `tools` array).
 */
export function filterToolsResult(message: unknown, allowed: ReadonlySet<string>): boolean {
  if (typeof message !== 'object' || message === null) return false;
  const result = (message as { result?: unknown }).result;
  if (typeof result !== 'object' || result === null) return false;
  const tools = (result as { tools?: unknown }).tools;
  if (!Array.isArray(tools)) return false;
  (result as { tools: unknown[] }).tools = tools.filter(
    (t) =>
      typeof t === 'object' &&
      t !== null &&
      typeof (t as { name?: unknown }).name === 'string' &&
      allowed.has((t as { name: string }).name),
  );
  return true;
}
