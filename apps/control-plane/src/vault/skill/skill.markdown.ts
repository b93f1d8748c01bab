/**
 * The vault skill: what an agent installs to know when and how to use the vault. The situation table
 * is rendered against the caller's actual capabilities, so the agent knows up front what it may do
 * instead of discovering it through 403s.
 */
import { grantsByCapability, isVaultAdmin, type Capability, type PolicyRule } from '@portcullis/domain';

export interface SkillCaller {
  identity: string;
  policies: string[];
  rules: PolicyRule[];
}

interface Situation {
  when: string;
  call: string;
  capability: Capability | 'any' | 'none' | 'vault-admin';
}

const SITUATIONS: Situation[] = [
  { when: 'You need to know which secrets exist', call: '`GET /v1/secrets?prefix=<prefix>`', capability: 'any' },
  {
    when: 'You need a credential to call a service',
    call: '`GET /v1/secrets/<path>/value` (add `Accept: text/plain` for the bare value)',
    capability: 'read',
  },
  {
    when: 'You need a credential for one short task only',
    call: '`POST /v1/lease/<path>` `{"ttl": 300}` then `DELETE /v1/lease/<id>` when done',
    capability: 'lease',
  },
  { when: 'You must store or update a credential', call: '`PUT /v1/secrets/<path>` `{"value": "…", "metadata": {}}`', capability: 'write' },
  { when: 'A credential is obsolete', call: '`DELETE /v1/secrets/<path>`', capability: 'delete' },
  {
    when: 'You must call an API with a secret (preferred: you never see it)',
    call: '`POST /v1/proxy` `{"method": "GET", "url": "https://…", "inject": {"Authorization": "<path>"}}` (or `{{secret:<path>}}` in the URL, a header or the body; never paste a value)',
    capability: 'proxy',
  },
  {
    when: 'You are unsure how to call an API with a secret, or a proxy call failed',
    call: '`GET /v1/proxy/patterns?secret=<path>` (calls that worked before), or the `suggestions` of the failed call',
    capability: 'proxy',
  },
  {
    when: 'You need a database login or an SSH certificate of your own',
    call: '`POST /v1/dynamic/<path>/checkout` `{"ttl": 900}` then `DELETE /v1/dynamic/lease/<lease_id>` when done',
    capability: 'lease',
  },
  {
    when: 'You are about to log, print, commit or send text that may hold secrets',
    call: '`POST /v1/scrub` `{"text": "…"}` and use `scrubbed`',
    capability: 'none',
  },
  { when: 'Your token expires soon', call: '`POST /v1/auth/refresh` with the current token', capability: 'none' },
  { when: 'You got a 401', call: 'log in again: `POST /v1/auth/approle/login` `{"role_id", "secret_id"}`', capability: 'none' },
  {
    when: 'You got a 403 `Forbidden`',
    call: 'read `required_capability` and `path` in the body; ask a tenant admin to grant it',
    capability: 'none',
  },
  {
    when: "Another AppRole's secret_id must be replaced",
    call: '`POST /v1/rotate` `{"approle_id": "…"}` → a one-time rotate URL',
    capability: 'vault-admin',
  },
];

function yours(s: Situation, caller: SkillCaller | null, grants: Map<Capability, string[]>): string {
  if (!caller) return 'log in first';
  if (s.capability === 'none') return 'yes';
  if (s.capability === 'vault-admin') return isVaultAdmin(caller.rules) ? 'yes' : 'no';
  const globs = s.capability === 'any' ? [...new Set([...grants.values()].flat())] : (grants.get(s.capability) ?? []);
  return globs.length ? `yes, on ${globs.map((g) => `\`${g}\``).join(', ')}` : 'no';
}

export function skillMarkdown(baseUrl: string, caller: SkillCaller | null): string {
  const grants = grantsByCapability(caller?.rules ?? []);
  const rows = SITUATIONS.map(
    (s) => `| ${s.when} | ${s.call} | ${s.capability === 'none' ? '—' : s.capability} | ${yours(s, caller, grants)} |`,
  );
  return [
    '---',
    'name: portcullis-vault',
    'description: Fetch, lease, store and scrub credentials through the Portcullis secrets vault instead of holding them in code, prompts or logs.',
    '---',
    '',
    '# Portcullis vault',
    '',
    `Base URL: ${baseUrl}. Send \`Authorization: Bearer <token>\` on every call; get the token with`,
    '`POST /v1/auth/approle/login` `{"role_id": "$PORTCULLIS_ROLE_ID", "secret_id": "$PORTCULLIS_SECRET_ID"}`.',
    `The same calls are MCP tools (\`gatehouse_*\`) at ${baseUrl}/v1/mcp (Streamable HTTP, same bearer token).`,
    caller
      ? `You are \`${caller.identity}\` with policies ${caller.policies.map((p) => `\`${p}\``).join(', ') || '(none)'}.`
      : 'You are not logged in: the last column fills in once you call this with your token.',
    '',
    '## Rules',
    '- Fetch a secret right before you use it; do not cache it on disk, in memory longer than the task, or in a prompt.',
    '- Never print, log or commit a secret value. Pass text through `POST /v1/scrub` before it leaves you.',
    '- Prefer a lease with the shortest TTL that fits the task (10 to 86400 s).',
    '',
    '## Situations',
    '| situation | call | capability | you |',
    '|---|---|---|---|',
    ...rows,
    '',
    '## Errors',
    'Every error is JSON `{"error", "request_id"}`; `error` says what to do next.',
    '- 400: fix the request as the message says (bad path, bad ttl, unknown field).',
    '- 401: log in again; if login fails, the message says why (suspended, agent disabled, IP not allowed).',
    '- 403 `Forbidden`: missing capability; see `required_capability`, `path`, `hint`.',
    '- 404: no such secret or lease. 410: the link or lease has already been used up.',
    '',
  ].join('\n');
}
