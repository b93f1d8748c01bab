/**
 * The wallet's fourteen tools, on a fresh McpServer per HTTP request (or per SSE connection). Each
 * tool answers with JSON text; a failure is a tool result with `isError` and a sentence the agent can
 * act on (which room to join, who holds the lock), never a protocol error.
 *
 * Stamping: `instrument` watches the transport, so every `tools/call` — including one with bad
 * arguments or an unknown tool name, which never reaches a handler — becomes one stamp on the caller's
 * chain when its response is sent. A handler adds only the facts its tool exists to record (`note`).
 */
import { createHash, randomUUID } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult, JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { DomainError } from '@portcullis/domain';
import {
  JWKS_PATH,
  WORKROOM_KINDS,
  type ArtifactView,
  type ChainHeadView,
  type WalletSession,
  type WalletStampEvent,
  type WalletStampView,
  type WorkroomPostView,
  type WorkroomReadView,
  type WorkroomView,
} from '@portcullis/contracts';
import { mintSessionToken, verifySessionToken } from '../auth/session-token.js';
import type { CompiledAgent, ConfigCache } from '../config-cache/config-cache.js';
import type { StampEmitter } from '../stamps/stamp-emitter.js';
import type { ControlPlaneClient } from './control-plane-client.js';
import { LOCK_TTL, type WalletLocks } from './locks.js';
import type { WalletSessions } from './sessions.js';

export type StampDetails = NonNullable<WalletStampEvent['details']>;

export interface WalletDeps {
  cp: ControlPlaneClient;
  cache: ConfigCache;
  locks: WalletLocks;
  sessions: WalletSessions;
  stamps: StampEmitter;
  sessionTokenTtlSeconds: number;
  /** Delivers a `request_sync` to the other members' open sessions on this pod (MCP log notification). */
  notify(agentIds: readonly string[], data: Record<string, unknown>): void;
}

export interface WalletContext {
  session: WalletSession;
  agent: CompiledAgent;
}

/** What one call adds to its stamp: its chain request id (fixed by the handler when it needs it) and facts. */
interface CallNote {
  requestId: string;
  details: StampDetails | null;
  error: string | null;
}

const HEX64 = /^[0-9a-fA-F]{64}$/;
const WORKROOM_NAME = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/)
  .describe('Workroom name: 1-64 letters, digits, dots, dashes or underscores (for example "release-2.4")');
const RESOURCE = z
  .string()
  .min(1)
  .max(512)
  .describe('The resource to lock, by a name every agent uses for it: a file path such as "src/app.ts", a branch, a table');
const TOOL_NAME_MAX = 64;

const ok = (value: unknown): CallToolResult => ({ content: [{ type: 'text', text: JSON.stringify(value, null, 2) }] });
const refuse = (text: string): CallToolResult => ({ content: [{ type: 'text', text }], isError: true });

function describeError(err: unknown): { code: string; text: string } {
  if (err instanceof DomainError) {
    const hint =
      err.code === 'unauthenticated'
        ? ' (re-authenticate: the runtime token or session token is no longer valid)'
        : err.code === 'unavailable'
          ? ' (temporary: try again shortly)'
          : '';
    return { code: err.code, text: `${err.message}${hint}` };
  }
  return { code: 'internal', text: 'internal error' };
}

export type CallNotes = Map<string | number, CallNote>;

export function createWalletServer(ctx: WalletContext, d: WalletDeps, notes: CallNotes): McpServer {
  const server = new McpServer(
    { name: 'portcullis-wallet', version: '1.0.0' },
    {
      capabilities: { logging: {} },
      instructions:
        'The Portcullis agent wallet: your identity and audit chain, artifacts you vouch for, workrooms shared with the other agents of your tenant, and advisory locks. Every tool call is stamped on your chain.',
    },
  );
  const { session } = ctx;
  const agentId = session.agentId;
  const tenantId = session.tenantId;

  /** Registers a tool whose handler returns the answer and, optionally, facts for its stamp. */
  const tool = <S extends z.ZodRawShape>(
    name: string,
    description: string,
    shape: S,
    run: (args: z.infer<z.ZodObject<S>>, note: CallNote) => Promise<unknown>,
    annotations: { readOnlyHint?: boolean; idempotentHint?: boolean } = {},
  ): void => {
    server.registerTool(name, { description, inputSchema: shape, annotations }, (async (
      args: z.infer<z.ZodObject<S>>,
      extra: { requestId: string | number },
    ) => {
      const note: CallNote = { requestId: randomUUID(), details: null, error: null };
      notes.set(extra.requestId, note);
      try {
        const value = await run(args, note);
        if (note.error) return refuse(typeof value === 'string' ? value : JSON.stringify(value, null, 2));
        return ok(value);
      } catch (err) {
        const e = describeError(err);
        note.error = e.code;
        return refuse(e.text);
      }
    }) as never);
  };

  tool(
    'portcullis_get_identity',
    'Who you are to the gateway: your agent id and name, tenant, status, the end user this session acts for (if any), and the head of your audit chain (sequence number and state hash).',
    {},
    async () => {
      const [head, tenant] = await Promise.all([d.cp.get<ChainHeadView>(tenantId, agentId, 'head'), d.cache.tenant(tenantId)]);
      return {
        agent: { id: agentId, name: ctx.agent.snapshot.name, status: ctx.agent.snapshot.status },
        tenant: { id: tenantId, slug: tenant?.slug ?? null, status: tenant?.status ?? null },
        actingFor: session.userId === null ? null : { userId: session.userId, email: session.email, roles: session.roles },
        session: { id: session.id, transport: session.transport, authKind: session.authKind, since: session.createdAt },
        chainHead: head,
      };
    },
    { readOnlyHint: true },
  );

  tool(
    'portcullis_authenticate',
    "Re-checks your standing (kill switch, token) and returns a short-lived signed identity token (EdDSA/ES256 JWT) that anyone can verify against the gateway JWKS — hand it to a peer to prove who you are. With `sessionToken` (an X-Gateway-Session-Token from one of your invocations), this session acts for that invocation's end user from now on. Stamps an authenticate event on your chain.",
    {
      sessionToken: z
        .string()
        .min(1)
        .max(8192)
        .optional()
        .describe('Optional: an X-Gateway-Session-Token minted for you by the gateway; binds this session to its end user'),
    },
    async ({ sessionToken }, note) => {
      const keys = await d.cache.sessionKeys();
      if (!keys) throw new DomainError('unavailable', 'session keys not yet available');
      if (sessionToken !== undefined) {
        const claims = verifySessionToken(sessionToken, keys, agentId);
        if (!claims || claims.tenant_id !== tenantId)
          throw new DomainError('unauthenticated', 'the session token is invalid, expired, or not minted for this agent');
        session.userId = claims.user_id;
        session.email = claims.email;
        session.roles = claims.roles;
        session.authKind = 'session_token';
        await d.sessions.update(session);
      }
      const nowSeconds = Math.floor(Date.now() / 1000);
      const token = mintSessionToken(
        keys.signer,
        {
          tenantId,
          agentId,
          userId: session.userId,
          email: session.email,
          roles: session.roles,
          authKind: session.authKind,
          requestId: note.requestId,
        },
        d.sessionTokenTtlSeconds,
        nowSeconds,
      );
      note.details = { boundUser: sessionToken !== undefined, userId: session.userId };
      return {
        authenticated: true,
        agentId,
        tenantId,
        actingFor: session.userId,
        identityToken: token,
        expiresAt: new Date((nowSeconds + d.sessionTokenTtlSeconds) * 1000).toISOString(),
        verifyWith: JWKS_PATH,
      };
    },
  );

  tool(
    'portcullis_register_artifact',
    'Vouch for something you produced (a file, build, report): records its name and SHA-256 on your audit chain, so anyone in your tenant can later check with portcullis_verify_artifact that you registered exactly these bytes.',
    {
      name: z.string().min(1).max(256).describe('What the artifact is, e.g. "dist/app.tar.gz" or "report-2026-11.pdf"'),
      sha256: z.string().regex(HEX64).describe('SHA-256 of the artifact bytes, 64 hex digits'),
    },
    ({ name, sha256 }, note) => {
      note.details = { name, sha256: sha256.toLowerCase() };
      return Promise.resolve({
        registered: true,
        name,
        sha256: sha256.toLowerCase(),
        requestId: note.requestId,
        note: 'stamped on your chain within moments; portcullis_verify_artifact confirms it',
      });
    },
  );

  tool(
    'portcullis_verify_artifact',
    "Checks whether an artifact (by SHA-256, optionally also by name) was registered by an agent of your tenant, by whom and when, and whether that agent's chain still verifies up to the registration.",
    {
      sha256: z.string().regex(HEX64).describe('SHA-256 of the bytes to check, 64 hex digits'),
      name: z.string().min(1).max(256).optional().describe('Optional: require this registered name too'),
    },
    async ({ sha256, name }, note) => {
      const found = await d.cp.get<ArtifactView[]>(tenantId, agentId, 'artifacts', { sha256: sha256.toLowerCase(), name });
      note.details = { sha256: sha256.toLowerCase(), found: found.length };
      return { verified: found.some((a) => a.chainValid), registrations: found };
    },
    { readOnlyHint: true },
  );

  tool(
    'portcullis_verify_chain',
    "Verifies an audit chain. Without arguments: recomputes your whole chain from genesis (valid, length, first bad sequence). With `stateHash`: checks that this state hash is on your chain (or on `agentId`'s chain in your tenant) and everything up to it recomputes.",
    {
      stateHash: z.string().regex(HEX64).optional().describe('A state hash to look up (64 hex digits), e.g. from a receipt or a peer'),
      agentId: z.uuid().optional().describe('Optional, with stateHash: the agent whose chain to check (default: you)'),
    },
    async ({ stateHash, agentId: of }) => {
      if (stateHash === undefined) {
        if (of !== undefined) throw new DomainError('bad_request', 'agentId goes with stateHash; a full verify covers your own chain');
        return { chain: agentId, ...(await d.cp.get<Record<string, unknown>>(tenantId, agentId, 'verify')) };
      }
      return d.cp.get<Record<string, unknown>>(tenantId, agentId, 'verify-hash', { hash: stateHash.toLowerCase(), of });
    },
    { readOnlyHint: true },
  );

  tool(
    'portcullis_recent_stamps',
    'The newest entries of your audit chain, newest first: sequence, type, request id, state hash, time and a summary of the event.',
    {
      limit: z.number().int().min(1).max(50).optional().describe('How many (1-50, default 10)'),
      type: z.enum(['request', 'admin', 'vault', 'mcp']).optional().describe('Only this event type'),
    },
    async ({ limit, type }) => {
      const stamps = await d.cp.get<WalletStampView[]>(tenantId, agentId, 'stamps', { limit: limit ?? 10, type });
      return { stamps: stamps.map(({ event, ...s }) => ({ ...s, summary: summarize(event) })) };
    },
    { readOnlyHint: true },
  );

  tool(
    'workroom_list',
    'The workrooms of your tenant: name, members, whether you joined, and the newest message sequence.',
    {},
    () => d.cp.get<WorkroomView[]>(tenantId, agentId, 'workrooms').then((workrooms) => ({ workrooms })),
    { readOnlyHint: true },
  );

  tool(
    'workroom_join',
    "Joins a workroom (creating it if nobody has yet). Members read each other's posts.",
    { name: WORKROOM_NAME },
    async ({ name }, note) => {
      note.details = { workroom: name };
      return d.cp.post<WorkroomView>(tenantId, agentId, 'workrooms/join', { name });
    },
    { idempotentHint: true },
  );

  tool(
    'workroom_leave',
    'Leaves a workroom; you stop seeing its posts and others stop receiving yours.',
    { name: WORKROOM_NAME },
    async ({ name }, note) => {
      note.details = { workroom: name };
      return d.cp.post<unknown>(tenantId, agentId, 'workrooms/leave', { name });
    },
  );

  tool(
    'workroom_post',
    'Posts to a workroom you joined: announce_intent (what you are about to do, e.g. before editing a file), share_update (what you did or found), or request_sync (ask the other members to post their current state; it is delivered to them). The post is stamped on your chain.',
    {
      name: WORKROOM_NAME,
      kind: z.enum(WORKROOM_KINDS).describe('announce_intent | share_update | request_sync'),
      body: z.string().min(1).max(8000).describe('The message, up to 8000 characters. Never put secrets here: every member reads it'),
    },
    async ({ name, kind, body }, note) => {
      const posted = await d.cp.post<WorkroomPostView>(tenantId, agentId, 'workrooms/messages', {
        name,
        kind,
        body,
        requestId: note.requestId,
        ...(session.userId === null ? {} : { userId: session.userId }),
      });
      note.details = { workroom: name, seq: posted.message.seq, kind, bodySha256: createHash('sha256').update(body).digest('hex') };
      if (kind === 'request_sync' && posted.otherMembers.length) {
        d.notify(posted.otherMembers, { event: 'request_sync', message: posted.message });
      }
      return { posted: posted.message, deliveredTo: kind === 'request_sync' ? posted.otherMembers : undefined };
    },
  );

  tool(
    'workroom_read',
    "Reads a workroom's posts after `cursor` (omit it to start from the beginning), oldest first. Pass the returned cursor next time to get only what is new. `syncRequests` lists request_sync posts from others: answer them with a share_update.",
    {
      name: WORKROOM_NAME,
      cursor: z.number().int().min(0).optional().describe('The cursor a previous workroom_read returned'),
      limit: z.number().int().min(1).max(200).optional().describe('Most messages to return (1-200, default 50)'),
    },
    async ({ name, cursor, limit }, note) => {
      const read = await d.cp.get<WorkroomReadView>(tenantId, agentId, 'workrooms/messages', { name, cursor, limit });
      note.details = { workroom: name, cursor: read.cursor, messages: read.messages.length };
      return read;
    },
    { readOnlyHint: true },
  );

  tool(
    'lock_acquire',
    'Takes an advisory lock on a named resource so other agents (who also ask) keep off it until you release it or its TTL runs out; it also ends with your session. Acquiring a lock you already hold refreshes its TTL. When someone else holds it, the answer names the holder and when it expires.',
    {
      resource: RESOURCE,
      ttlSeconds: z
        .number()
        .int()
        .min(LOCK_TTL.minSeconds)
        .max(LOCK_TTL.maxSeconds)
        .optional()
        .describe(
          `Seconds until the lock frees itself (${LOCK_TTL.minSeconds}-${LOCK_TTL.maxSeconds}, default ${LOCK_TTL.defaultSeconds})`,
        ),
    },
    async ({ resource, ttlSeconds }, note) => {
      const r = await d.locks.acquire(session, ctx.agent.snapshot.name, resource, ttlSeconds ?? LOCK_TTL.defaultSeconds);
      note.details = { resource, acquired: r.acquired, holder: r.acquired ? agentId : r.holder.agentId };
      if (r.acquired) return { acquired: true, resource, expiresAt: r.lock.expiresAt };
      const h = r.holder;
      const who = h.agentId === agentId ? 'another session of yours' : `agent "${h.agentName}" (${h.agentId})`;
      return {
        acquired: false,
        resource,
        heldBy: { agentId: h.agentId, agentName: h.agentName, since: h.acquiredAt, expiresAt: h.expiresAt },
        message: `"${resource}" is held by ${who} since ${h.acquiredAt}, until ${h.expiresAt} at the latest; wait, or ask them in a workroom`,
      };
    },
  );

  tool(
    'lock_release',
    'Releases an advisory lock you hold (from this or another of your sessions).',
    { resource: RESOURCE },
    async ({ resource }, note) => {
      const r = await d.locks.release(session, resource);
      note.details = { resource, released: r.released };
      if (r.released) return { released: true, resource };
      if (r.holder) {
        note.error = 'forbidden';
        return `"${resource}" is held by agent "${r.holder.agentName}" (${r.holder.agentId}), not by you; only its holder can release it (or wait until ${r.holder.expiresAt})`;
      }
      return { released: false, resource, message: `"${resource}" is not locked` };
    },
  );

  tool(
    'lock_list',
    'The advisory locks currently held in your tenant: resource, holder, since and until when.',
    { prefix: z.string().max(512).optional().describe('Only resources starting with this, e.g. "src/"') },
    async ({ prefix }) => {
      const locks = await d.locks.list(tenantId, prefix);
      return {
        locks: locks.map((l) => ({
          resource: l.resource,
          heldBy: { agentId: l.agentId, agentName: l.agentName, you: l.agentId === agentId },
          since: l.acquiredAt,
          expiresAt: l.expiresAt,
        })),
      };
    },
    { readOnlyHint: true },
  );

  return server;
}

/** A short, secret-free line for an event of any type. */
function summarize(event: unknown): string {
  const e = (event ?? {}) as Record<string, unknown>;
  switch (e.type) {
    case 'request':
      return `${String(e.method)} ${String(e.path)} → ${String(e.status)}`;
    case 'admin':
      return `admin: ${String(e.action)} by ${String(e.actor)}`;
    case 'vault':
      return `vault: ${String(e.action)}${typeof e.path === 'string' ? ` ${e.path}` : ''}`;
    case 'mcp':
      return e.action === 'authenticate' ? `mcp: session opened (${String(e.transport)})` : `mcp: ${String(e.tool)} → ${String(e.outcome)}`;
    default:
      return String(e.type);
  }
}

/**
 * Watches a connected transport: every incoming `tools/call` is remembered, and when its response goes
 * out (or the transport closes first) one stamp is emitted with the tool name, outcome and the handler's
 * note. Nothing from the arguments is read here.
 */
export function instrument(
  transport: Transport,
  notes: Map<string | number, CallNote>,
  emit: (call: {
    tool: string;
    requestId: string;
    outcome: 'ok' | 'error';
    error: string | null;
    details: StampDetails | null;
    startedAt: Date;
    durationMs: number;
  }) => void,
): void {
  const pending = new Map<string | number, { tool: string; startedAt: Date; started: number }>();
  const onmessage = transport.onmessage;
  transport.onmessage = (message, extra) => {
    const m = message as { id?: string | number; method?: string; params?: { name?: unknown } };
    if (m.method === 'tools/call' && m.id !== undefined) {
      const name = typeof m.params?.name === 'string' ? m.params.name.slice(0, TOOL_NAME_MAX) : '(missing)';
      pending.set(m.id, { tool: name, startedAt: new Date(), started: performance.now() });
    }
    onmessage?.(message, extra);
  };
  const settle = (id: string | number, message: JSONRPCMessage | null): void => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    const note = notes.get(id);
    notes.delete(id);
    const r = message as { result?: { isError?: boolean }; error?: { message?: string } } | null;
    const failed = r === null || r.error !== undefined || r.result?.isError === true;
    emit({
      tool: p.tool,
      requestId: note?.requestId ?? randomUUID(),
      outcome: failed ? 'error' : 'ok',
      error: failed ? (note?.error ?? (r === null ? 'cut' : r.error ? 'protocol_error' : 'bad_request')) : null,
      details: note?.details ?? null,
      startedAt: p.startedAt,
      durationMs: Math.round((performance.now() - p.started) * 1000) / 1000,
    });
  };
  const send = transport.send.bind(transport);
  transport.send = async (message, options) => {
    const id = (message as { id?: string | number }).id;
    try {
      return await send(message, options);
    } finally {
      if (id !== undefined && !('method' in message)) settle(id, message);
    }
  };
  const onclose = transport.onclose;
  transport.onclose = () => {
    for (const id of [...pending.keys()]) settle(id, null);
    onclose?.();
  };
}
