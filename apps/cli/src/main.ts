#!/usr/bin/env node
/**
 * `portcullis`: the command-line client. Talks to the control plane's REST API only (URL and API key
 * from flags or PORTCULLIS_URL / PORTCULLIS_API_KEY); `audit verify-file` needs no server at all.
 * Exit codes: 0 ok, 1 verification failed, 2 usage, 3 server or network.
 */
import { parseArgs } from 'node:util';
import { Api, CliError } from './api.js';
import { checkpoint, exportChain, last, publicKeys, verify, verifyFile } from './audit.js';
import { mcpConfig } from './mcp-config.js';

const USAGE = `usage: portcullis <command> [options]

  audit last --agent <name|id> [--limit n]     newest stamps of an agent's chain
  audit verify --agent <name|id>               recompute the agent's whole chain on the server
  audit export --agent <name|id> > chain.jsonl the chain as JSON lines, oldest first
  audit checkpoint > checkpoint.json           the tenant's latest signed checkpoint
  audit public-key > keys.json                 the keys that sign checkpoints
  audit verify-file <chain.jsonl> [--checkpoint file --public-key file]
                                               verify an export offline (no server)
  mcp-config --agent <name|id> [--dir path] [--url gateway-url] [--transport http|sse]
             (--token art_… | --regenerate-token)
                                               write .mcp-<NAME>.json for claude --mcp-config
                                               (the agent wallet on the gateway, mode 0600)

options: --url <control-plane URL> (PORTCULLIS_URL), --api-key <pk_…> (PORTCULLIS_API_KEY),
         for mcp-config: --url is the gateway URL (PORTCULLIS_GATEWAY_URL, default http://127.0.0.1:4000),
         --control-plane <URL> (PORTCULLIS_URL), --token (PORTCULLIS_AGENT_TOKEN),
         --json (machine-readable output), --help`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      url: { type: 'string' },
      'api-key': { type: 'string' },
      agent: { type: 'string' },
      limit: { type: 'string' },
      checkpoint: { type: 'string' },
      'public-key': { type: 'string' },
      json: { type: 'boolean', default: false },
      dir: { type: 'string' },
      token: { type: 'string' },
      'regenerate-token': { type: 'boolean', default: false },
      transport: { type: 'string' },
      'control-plane': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const out = (t: string): void => void process.stdout.write(`${t}\n`);
  const [group, command, ...rest] = positionals;
  if (values.help || !group) {
    out(USAGE);
    return values.help ? 0 : 2;
  }
  if (group === 'mcp-config') {
    if (command) throw new CliError(`unexpected argument: ${command}`, 2);
    const api = new Api({
      url: values['control-plane'] ?? process.env.PORTCULLIS_URL,
      apiKey: values['api-key'] ?? process.env.PORTCULLIS_API_KEY,
    });
    return mcpConfig(
      api,
      {
        agent: values.agent,
        dir: values.dir,
        gatewayUrl: values.url ?? process.env.PORTCULLIS_GATEWAY_URL,
        token: values.token ?? process.env.PORTCULLIS_AGENT_TOKEN,
        regenerate: values['regenerate-token'],
        transport: values.transport,
      },
      out,
    );
  }
  if (group !== 'audit' || !command) throw new CliError(`unknown command: ${positionals.join(' ')}\n\n${USAGE}`, 2);
  if (command === 'verify-file') return verifyFile(rest[0], values.checkpoint, values['public-key'], values.json, out);
  if (rest.length) throw new CliError(`unexpected argument: ${rest[0]}`, 2);
  const api = (): Api =>
    new Api({ url: values.url ?? process.env.PORTCULLIS_URL, apiKey: values['api-key'] ?? process.env.PORTCULLIS_API_KEY });
  switch (command) {
    case 'last': {
      const limit = values.limit === undefined ? 10 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError('--limit must be a whole number from 1 to 1000', 2);
      return last(api(), values.agent, limit, values.json, out);
    }
    case 'verify':
      return verify(api(), values.agent, values.json, out);
    case 'export':
      return exportChain(api(), values.agent, out);
    case 'checkpoint':
      return checkpoint(api(), out);
    case 'public-key':
      return publicKeys(api(), out);
    default:
      throw new CliError(`unknown command: audit ${command}\n\n${USAGE}`, 2);
  }
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof CliError) {
      process.stderr.write(`portcullis: ${err.message}\n`);
      process.exitCode = err.exitCode;
    } else if (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`portcullis: ${err.message}\n\n${USAGE}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`portcullis: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 3;
    }
  },
);
