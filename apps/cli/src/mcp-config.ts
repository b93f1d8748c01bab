/**
 * `portcullis mcp-config`: writes `.mcp-<NAME>.json`, an MCP client config (the `mcpServers` shape
 * `claude --mcp-config` reads) pointing at the agent wallet on the gateway, with the agent's auth header.
 *
 * The control plane stores only hashes of runtime tokens, so it can never hand an existing token back.
 * The token comes from `--token` / PORTCULLIS_AGENT_TOKEN (the one shown when the agent was created), or
 * `--regenerate-token` rotates it (the old token stops working at once) and writes the new one. The
 * file holds a credential: it is written with mode 0600 and its token is never printed.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseToken } from '@portcullis/domain';
import { CliError, type Api } from './api.js';
import { resolveAgent, type Out } from './audit.js';

export interface McpConfigOptions {
  agent: string | undefined;
  dir: string | undefined;
  gatewayUrl: string | undefined;
  token: string | undefined;
  regenerate: boolean;
  transport: string | undefined;
}

export async function mcpConfig(api: Api, o: McpConfigOptions, out: Out): Promise<number> {
  if (o.token !== undefined && o.regenerate) throw new CliError('--token and --regenerate-token exclude each other', 2);
  if (o.token !== undefined && parseToken(o.token) !== 'runtime') throw new CliError('--token must be the agent runtime token (art_…)', 2);
  if (o.token === undefined && !o.regenerate) {
    throw new CliError(
      'the control plane keeps only a hash of the runtime token, so it cannot be looked up: pass --token art_… (or PORTCULLIS_AGENT_TOKEN), or --regenerate-token to rotate it (the old token stops working)',
      2,
    );
  }
  const transport = o.transport ?? 'http';
  if (transport !== 'http' && transport !== 'sse') throw new CliError('--transport must be http or sse', 2);
  let base: URL;
  try {
    base = new URL(o.gatewayUrl ?? 'http://127.0.0.1:4000');
  } catch {
    throw new CliError('--url must be the gateway (proxy) base URL, e.g. https://gateway.example.com', 2);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new CliError('--url must be an http(s) URL', 2);

  const id = await resolveAgent(api, o.agent);
  const agent = await api.get<{ id: string; name: string; status: string }>(`/api/v1/admin/agents/${id}`);
  const token = o.regenerate
    ? (await api.post<{ runtimeToken: string }>(`/api/v1/admin/agents/${id}/regenerate-token`)).runtimeToken
    : o.token!;

  const url = `${base.origin}${base.pathname.replace(/\/+$/, '')}${transport === 'sse' ? '/mcp/sse' : '/mcp'}`;
  const safeName = agent.name.replace(/[^A-Za-z0-9._-]/g, '_');
  const config = {
    mcpServers: {
      [`portcullis-${safeName}`]: {
        type: transport,
        url,
        headers: { Authorization: `Bearer ${token}`, 'X-Agent-Id': agent.id },
      },
    },
  };
  const dir = resolve(o.dir ?? '.');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `.mcp-${safeName}.json`);
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // an existing file keeps its old mode on write
  out(file);
  process.stderr.write(
    `wrote ${file} (mode 0600; it holds the agent's runtime token${o.regenerate ? ', just regenerated: the previous token no longer works' : ''})\n` +
      `use it with: claude --mcp-config ${file}\n`,
  );
  if (agent.status !== 'active')
    process.stderr.write(`note: agent "${agent.name}" is ${agent.status}; the wallet refuses it until it is enabled\n`);
  return 0;
}
