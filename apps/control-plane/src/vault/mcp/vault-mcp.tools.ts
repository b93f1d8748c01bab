/**
 * The vault's nine MCP tools. Each one is a thin adapter over the service a REST route uses, so
 * the rules, the policy checks, the stamps and the refusals are the REST API's own:
 *
 * | tool                | REST twin                              | listed when the policies grant | stamp                  |
 * | ------------------- | -------------------------------------- | ------------------------------ | ---------------------- |
 * | gatehouse_status    | GET /v1/auth/whoami (+ GET /v1/lease)  | always                         | auth.whoami            |
 * | gatehouse_list      | GET /v1/secrets?prefix=                | any capability                 | secret.list            |
 * | gatehouse_get       | GET /v1/secrets/<path>/value           | read                           | secret.read            |
 * | gatehouse_put       | PUT /v1/secrets/<path>                 | write                          | secret.write           |
 * | gatehouse_lease     | POST /v1/lease/<path>                  | lease                          | lease.create           |
 * | gatehouse_revoke    | DELETE /v1/lease/<id>                  | lease                          | lease.revoke           |
 * | gatehouse_scrub     | POST /v1/scrub                         | always                         | scrub                  |
 * | gatehouse_proxy     | POST /v1/proxy                         | proxy                          | proxy (+ method, host) |
 * | gatehouse_patterns  | GET /v1/proxy/patterns?secret=         | proxy or read                  | proxy.patterns         |
 *
 * "Listed" is on some path: a tool the policies cannot use anywhere is left out of tools/list.
 * Calling an unlisted tool anyway gets the REST answer (a 403 naming the missing capability), not
 * "unknown tool". Policy refusals are stamped `<action>.denied`, as on REST; the stamp also names the tool.
 */
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { DomainError, grantsByCapability, scrub, type Capability } from '@portcullis/domain';
import { IdPipe } from '../../common/id.pipe.js';
import { createValidationPipe } from '../../common/validation.js';
import type { TenantVaultPrincipal } from '../auth/vault-principal.js';
import { whoamiOf } from '../auth/whoami.js';
import { LEASE_TTL_DEFAULT, LEASE_TTL_MAX, LEASE_TTL_MIN, type LeasesService } from '../leases/leases.service.js';
import type { PatternsService } from '../patterns/patterns.service.js';
import { ProxyRequestDto } from '../proxy/proxy.dto.js';
import { PROXY_HEADERS, type ProxyService } from '../proxy/proxy.service.js';
import { ScrubDto } from '../scrub/scrub.controller.js';
import { SECRET_VALUE_MAX_LENGTH, SecretPutDto } from '../secrets/secrets.dto.js';
import type { SecretsService } from '../secrets/secrets.service.js';
import type { VaultQueues } from '../stamps/vault-queues.js';

/** What a tool call runs for: the caller resolved by VaultAuthGuard on this HTTP request, and its id. */
export interface ToolContext {
  principal: TenantVaultPrincipal;
  requestId: string;
}

export interface VaultToolServices {
  secrets: SecretsService;
  leases: LeasesService;
  proxy: ProxyService;
  patterns: PatternsService;
  queues: VaultQueues;
}

export interface VaultTool {
  name: string;
  title: string;
  description: string;
  input: z.ZodObject;
  annotations: ToolAnnotations;
  /** Given the globs each capability is granted on: may the caller use the tool at all? (tools/list shows it) */
  usable(grants: Map<Capability, string[]>): boolean;
  /** Runs the call with arguments that passed `input`; a refusal is thrown as on REST. */
  run(ctx: ToolContext, args: Record<string, unknown>): Promise<CallToolResult>;
}

const grants = (g: Map<Capability, string[]>, c: Capability): boolean => (g.get(c)?.length ?? 0) > 0;

const PATH_RULES =
  'segments of letters, digits, "." "_" "-" (starting with a letter or digit) joined by single "/", no leading or trailing "/", at most 256 characters';
const secretPath = (what: string) => z.string().min(1).max(256).describe(`${what}, e.g. "api-keys/openai" (${PATH_RULES})`);
const headerMap = (what: string) => z.record(z.string(), z.string()).optional().describe(what);

/** The same class-validator pipe the REST API applies to request bodies. */
const validation = createValidationPipe();
async function validated<T extends object>(cls: new () => T, value: Record<string, unknown>): Promise<T> {
  return (await validation.transform(value, { type: 'body', metatype: cls })) as T;
}

/** A successful result: the REST answer as JSON text, and as structured content. */
export function ok(body: Record<string, unknown>, isError = false): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(body, null, 2) }], structuredContent: body, ...(isError ? { isError } : {}) };
}

const TEXTUAL = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|problem\+json)|[^;]*\+(json|xml))/i;

/** Reads a (scrubbed) proxy answer into a tool result: text when the content type says so, else base64. */
async function readAnswer(answer: Awaited<ReturnType<ProxyService['callAudited']>>): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let completed = false;
  try {
    for await (const chunk of answer.body) chunks.push(chunk as Buffer);
    completed = true;
  } catch (e) {
    if (e instanceof DomainError) throw e;
    throw new DomainError('upstream_failed', 'the upstream answer broke off before its end');
  } finally {
    answer.done(completed);
  }
  const body = Buffer.concat(chunks);
  const headers: Record<string, string | string[]> = {};
  let suggestions: unknown;
  for (const [k, v] of Object.entries(answer.headers)) {
    if (k === PROXY_HEADERS.suggestions) suggestions = JSON.parse(String(v)) as unknown;
    else if (!k.startsWith('x-portcullis-')) headers[k] = v;
  }
  const type = String(answer.headers['content-type'] ?? '');
  const text = type === '' || TEXTUAL.test(type);
  return {
    status: answer.status,
    upstream: answer.headers[PROXY_HEADERS.upstream],
    secrets: String(answer.headers[PROXY_HEADERS.secrets] ?? '')
      .split(',')
      .filter(Boolean),
    headers,
    ...(text ? { body: body.toString('utf8') } : { body: body.toString('base64'), body_encoding: 'base64' }),
    ...(suggestions ? { suggestions } : {}),
  };
}

export function vaultTools(s: VaultToolServices): VaultTool[] {
  /** Runs a service call under the REST stamping rule (VaultQueues.audited), naming the tool. */
  const audited = <T>(ctx: ToolContext, tool: string, action: string, path: string | null, run: () => Promise<T>): Promise<T> =>
    s.queues.audited(() => ({ p: ctx.principal, action, path }), ctx.requestId, run, tool);

  return [
    {
      name: 'gatehouse_status',
      title: 'Who am I in the vault',
      description:
        'Your vault identity, policies, token expiry, what each capability is granted on, and your active leases. Call this first, and when a token expires soon (expires_in) or a call was refused.',
      input: z.strictObject({}),
      annotations: { readOnlyHint: true, openWorldHint: false },
      usable: () => true,
      run: (ctx) =>
        audited(ctx, 'gatehouse_status', 'auth.whoami', null, async () => {
          const g = grantsByCapability(ctx.principal.rules);
          const { leases } = await s.leases.list(ctx.principal);
          return ok({
            ...whoamiOf(ctx.principal),
            grants: Object.fromEntries([...g].filter(([, globs]) => globs.length > 0)),
            leases,
            token_renewal:
              'POST /v1/auth/refresh with the current token before it expires, or POST /v1/auth/approle/login {role_id, secret_id}; then reconnect with the new bearer token',
          });
        }),
    },
    {
      name: 'gatehouse_list',
      title: 'List secrets',
      description:
        'The secrets you may use (any capability), with version, metadata and the best learned proxy pattern. Never returns values.',
      input: z.strictObject({
        prefix: z
          .string()
          .max(256)
          .optional()
          .describe('only paths starting with this, e.g. "api-keys/" (default: every secret you may use)'),
      }),
      annotations: { readOnlyHint: true, openWorldHint: false },
      usable: (g) => [...g.values()].some((globs) => globs.length > 0),
      run: (ctx, a) =>
        audited(ctx, 'gatehouse_list', 'secret.list', null, async () =>
          ok(await s.secrets.list(ctx.principal, (a.prefix as string) ?? '')),
        ),
    },
    {
      name: 'gatehouse_get',
      title: 'Read a secret value',
      description:
        'The value of a secret (needs "read" on its path). Fetch it right before use; never print, log or commit it. Prefer gatehouse_proxy when you only need to call an API with it, or gatehouse_lease for a short task.',
      input: z.strictObject({
        path: secretPath('the secret path'),
        version: z.number().int().min(1).optional().describe('an earlier version to read (default: the current one)'),
      }),
      annotations: { readOnlyHint: true, openWorldHint: false },
      usable: (g) => grants(g, 'read'),
      run: (ctx, a) =>
        audited(ctx, 'gatehouse_get', 'secret.read', a.path as string, async () =>
          ok(await s.secrets.value(ctx.principal, a.path as string, a.version as number | undefined)),
        ),
    },
    {
      name: 'gatehouse_put',
      title: 'Store a secret',
      description:
        'Writes a new version of a secret (needs "write" on its path); earlier versions are kept. Metadata such as allowed_domains ("api.example.com, uploads.example.com:443") or allow_private ("true") also limits proxy calls that use the secret.',
      input: z.strictObject({
        path: secretPath('where to store it'),
        value: z.string().min(1).max(SECRET_VALUE_MAX_LENGTH).describe('the secret value'),
        metadata: headerMap('flat map of strings, at most 32 keys (keys: letters, digits, _ . -; values at most 1024 characters)'),
      }),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
      usable: (g) => grants(g, 'write'),
      run: (ctx, a) =>
        audited(ctx, 'gatehouse_put', 'secret.write', a.path as string, async () => {
          const dto = await validated(SecretPutDto, { value: a.value, ...(a.metadata ? { metadata: a.metadata } : {}) });
          return ok(await s.secrets.put(ctx.principal, a.path as string, dto));
        }),
    },
    {
      name: 'gatehouse_lease',
      title: 'Lease a secret for a short task',
      description: `Takes a lease on a secret (needs "lease" on its path): its value, valid for ttl seconds, revocable with gatehouse_revoke. Use the shortest ttl that fits the task.`,
      input: z.strictObject({
        path: secretPath('the secret path'),
        ttl: z
          .number()
          .int()
          .min(LEASE_TTL_MIN)
          .max(LEASE_TTL_MAX)
          .optional()
          .describe(`lease length in seconds, ${LEASE_TTL_MIN} to ${LEASE_TTL_MAX} (default ${LEASE_TTL_DEFAULT})`),
      }),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
      usable: (g) => grants(g, 'lease'),
      run: (ctx, a) =>
        audited(ctx, 'gatehouse_lease', 'lease.create', a.path as string, async () =>
          ok(await s.leases.create(ctx.principal, a.path as string, a.ttl === undefined ? undefined : { ttl: a.ttl })),
        ),
    },
    {
      name: 'gatehouse_revoke',
      title: 'End a lease early',
      description:
        'Ends one of your leases now (the id from gatehouse_lease or gatehouse_status). Revoke a lease as soon as the task is done.',
      input: z.strictObject({ lease_id: z.string().max(64).describe('the lease id (a uuid)') }),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
      usable: (g) => grants(g, 'lease'),
      run: (ctx, a) =>
        audited(ctx, 'gatehouse_revoke', 'lease.revoke', null, async () => {
          const id = new IdPipe().transform(a.lease_id as string);
          await s.leases.revoke(ctx.principal, id);
          return ok({ revoked: id });
        }),
    },
    {
      name: 'gatehouse_scrub',
      title: 'Scrub secrets out of text',
      description:
        'Returns the text with the values of every secret you may use, and well-known key shapes (OpenAI, Anthropic, AWS, GitHub, Slack, JWT, PEM keys, Portcullis tokens), replaced by [REDACTED:...]. Run text through it before you log, print, commit or send it.',
      input: z.strictObject({ text: z.string().max(1_000_000).describe('the text to scrub (at most 1,000,000 characters)') }),
      annotations: { readOnlyHint: true, openWorldHint: false },
      usable: () => true,
      run: (ctx, a) =>
        audited(ctx, 'gatehouse_scrub', 'scrub', null, async () => {
          const dto = await validated(ScrubDto, { text: a.text });
          return ok({ ...scrub(dto.text, await s.secrets.usableValues(ctx.principal)) });
        }),
    },
    {
      name: 'gatehouse_proxy',
      title: 'Call an HTTP API with a secret you never see',
      description: [
        'Makes an HTTP call with secrets filled in by the vault (needs "proxy" on every secret path used) and returns the upstream answer with every injected value scrubbed out.',
        'Name secrets with inject {"Authorization": "<path>"} (adds "Bearer "; "basic:<path>" for a user:password secret) or with {{secret:<path>}} in the URL, a header value or the body. Never paste a value.',
        'Private and loopback addresses are refused unless the secrets allow them; a call that uses no secret is refused.',
        'A failing call (isError) may carry suggestions: call patterns that worked before with these secrets (see also gatehouse_patterns).',
      ].join(' '),
      input: z.strictObject({
        method: z
          .string()
          .regex(/^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$/i)
          .describe('GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS'),
        url: z.string().min(1).max(8192).describe('absolute http(s) URL; may hold {{secret:<path>}} (URL-encoded when filled in)'),
        headers: headerMap('header name → value; values may hold {{secret:<path>}}'),
        body: z
          .union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown()), z.number(), z.boolean()])
          .optional()
          .describe(
            'a string (sent as is) or a JSON value (sent as JSON, content-type application/json unless given); may hold {{secret:<path>}}',
          ),
        inject: headerMap(
          'header name → secret path, e.g. {"Authorization": "api-keys/github"}; "basic:<path>" for a user:password secret',
        ),
      }),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
      usable: (g) => grants(g, 'proxy'),
      run: async (ctx, a) => {
        const dto = await validated(ProxyRequestDto, a);
        const answer = await s.proxy.callAudited(ctx.principal, dto, ctx.requestId, 'gatehouse_proxy');
        const out = await readAnswer(answer);
        return ok(out, answer.status >= 400);
      },
    },
    {
      name: 'gatehouse_patterns',
      title: 'How others called APIs with a secret',
      description:
        'Learned call patterns of a secret (needs "proxy" or "read" on it): method, URL template with {{secret:...}} placeholders, request headers and body schema, response schema, and a confidence score, best first. Use them to build a gatehouse_proxy call that is known to work.',
      input: z.strictObject({ secret: secretPath('the secret path') }),
      annotations: { readOnlyHint: true, openWorldHint: false },
      usable: (g) => grants(g, 'proxy') || grants(g, 'read'),
      run: (ctx, a) =>
        audited(ctx, 'gatehouse_patterns', 'proxy.patterns', a.secret as string, async () =>
          ok(await s.patterns.list(ctx.principal, a.secret as string)),
        ),
    },
  ];
}
