/**
 * The vault as an MCP server (`POST /v1/mcp`, Streamable HTTP).
 *
 * Stateless, JSON-response mode: every HTTP request gets a fresh `Server` and transport bound to the
 * caller that VaultAuthGuard resolved for that very request, and answers with one JSON body (no SSE,
 * no `Mcp-Session-Id`). So any control-plane pod serves any request, and a suspension, a disabled
 * agent or a policy change acts on the next message, exactly as on REST. The server only offers
 * tools, and its tools need no server-to-client messages, so nothing is lost by having no session.
 *
 * The low-level `Server` is used rather than `McpServer` so that tools/list can be filtered per caller
 * while a call to an unlisted tool still gets the REST answer (403 with the missing capability)
 * rather than "tool not found"; schemas are zod, converted to JSON Schema by the SDK's own converter.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { toJsonSchemaCompat } from '@modelcontextprotocol/sdk/server/zod-json-schema-compat.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { grantsByCapability } from '@portcullis/domain';
import { InjectConfig, type Config } from '../../common/config.js';
import { describeError } from '../../common/error.filter.js';
import { LOGGER } from '../../common/logger.provider.js';
import type { TenantVaultPrincipal } from '../auth/vault-principal.js';
import { LeasesService } from '../leases/leases.service.js';
import { PatternsService } from '../patterns/patterns.service.js';
import { ProxyService } from '../proxy/proxy.service.js';
import { SecretsService } from '../secrets/secrets.service.js';
import { VaultQueues } from '../stamps/vault-queues.js';
import { ok, vaultTools, type ToolContext, type VaultTool } from './vault-mcp.tools.js';

const RELOGIN =
  'log in again with POST /v1/auth/approle/login {role_id, secret_id} (or POST /v1/auth/refresh while the token is still valid), then reconnect to /v1/mcp with Authorization: Bearer <new token>';

const INSTRUCTIONS = [
  'Portcullis vault: credentials for your tasks, under your AppRole policies.',
  'Start with gatehouse_status (who you are, what you may do where). Prefer gatehouse_proxy (you never see the credential) over gatehouse_get;',
  'use gatehouse_lease with a short ttl for one task and gatehouse_revoke when done. Never print, log or commit a value; run text through gatehouse_scrub first.',
  'A failed call returns isError with JSON {error, status, request_id, ...}: 403 names required_capability and path (ask a tenant admin to grant it); 401 means log in again.',
].join(' ');

@Injectable()
export class VaultMcpService {
  private readonly tools: VaultTool[];
  private readonly byName: Map<string, VaultTool>;
  /** The tools/list entry of each tool, built once: schemas do not depend on the caller. */
  private readonly listed: Map<string, Tool>;

  constructor(
    secrets: SecretsService,
    leases: LeasesService,
    proxy: ProxyService,
    patterns: PatternsService,
    queues: VaultQueues,
    @InjectConfig() private readonly config: Config,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.tools = vaultTools({ secrets, leases, proxy, patterns, queues });
    this.byName = new Map(this.tools.map((t) => [t.name, t]));
    this.listed = new Map(
      this.tools.map((t) => [
        t.name,
        {
          name: t.name,
          title: t.title,
          description: t.description,
          inputSchema: toJsonSchemaCompat(t.input, { strictUnions: true, pipeStrategy: 'input' }) as Tool['inputSchema'],
          annotations: { title: t.title, ...t.annotations },
        },
      ]),
    );
  }

  /** Names of the tools `p`'s policies can use on some path (what tools/list shows). */
  toolsFor(p: TenantVaultPrincipal): string[] {
    const g = grantsByCapability(p.rules);
    return this.tools.filter((t) => t.usable(g)).map((t) => t.name);
  }

  /** Serves one Streamable HTTP POST for `p`, who VaultAuthGuard has just authenticated. */
  async handle(p: TenantVaultPrincipal, req: Request, res: Response): Promise<void> {
    const ctx: ToolContext = { principal: p, requestId: req.requestId };
    const server = new Server(
      { name: 'portcullis-vault', title: 'Portcullis vault', version: this.config.version },
      { capabilities: { tools: {} }, instructions: INSTRUCTIONS },
    );
    server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: this.toolsFor(p).map((name) => this.listed.get(name)!) }));
    server.setRequestHandler(CallToolRequestSchema, (request) => this.call(ctx, request.params.name, request.params.arguments));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    // SDK messages only (bad Accept, unsupported protocol version, malformed JSON-RPC): never a request body.
    transport.onerror = (err) =>
      this.logger.debug({ request_id: req.requestId, err: err.message.split('\n')[0]!.slice(0, 160) }, 'mcp transport');
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  }

  /** One tools/call: arguments checked against the tool's schema, then the tool; every failure is a tool result. */
  private async call(ctx: ToolContext, name: string, args: Record<string, unknown> | undefined): Promise<CallToolResult> {
    const tool = this.byName.get(name);
    if (!tool) {
      return this.failure(ctx, 404, {
        error: `no tool named ${name.slice(0, 64)}; the vault's tools are ${[...this.byName.keys()].join(', ')}`,
      });
    }
    const parsed = tool.input.safeParse(args ?? {});
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'arguments'}: ${i.message}`);
      return this.failure(ctx, 400, { error: `invalid arguments for ${name}: ${problems.join('; ')}` });
    }
    try {
      return await tool.run(ctx, parsed.data);
    } catch (e) {
      const [status, body] = describeError(e, ctx.requestId);
      if (status >= 500) {
        this.logger.error(
          { request_id: ctx.requestId, tool: name, err: e instanceof Error ? { name: e.name, stack: e.stack } : undefined },
          'mcp tool failed',
        );
      }
      return this.failure(ctx, status, body);
    }
  }

  /** The REST error body as a tool error, with the HTTP status it would have had and the next step. */
  private failure(ctx: ToolContext, status: number, body: Record<string, unknown>): CallToolResult {
    return ok({ ...body, status, request_id: ctx.requestId, ...(status === 401 ? { next_step: RELOGIN } : {}) }, true);
  }
}
