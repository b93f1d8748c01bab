/**
 * The markdown an agent reads from a link. It must be enough on its own: who the agent will be, the
 * one call that claims the credentials, and how to install the vault skill in common harnesses.
 */
export interface LinkPage {
  kind: 'onboard' | 'rotate';
  baseUrl: string;
  token: string;
  identity: string;
  policies: string[];
  expiresAt: Date;
}

const fence = (lang: string, body: string): string => '```' + lang + '\n' + body + '\n```';

function install(baseUrl: string): string {
  const skill = `curl -sS -H "Authorization: Bearer $PORTCULLIS_TOKEN" ${baseUrl}/v1/skill`;
  return [
    '## Install the vault skill',
    '',
    "Keep `PORTCULLIS_URL`, `PORTCULLIS_ROLE_ID` and `PORTCULLIS_SECRET_ID` in your runtime's secret store",
    '(environment variables), never in code, prompts, commits or logs. `PORTCULLIS_TOKEN` is the JWT from login.',
    '',
    '### Claude Code',
    fence('sh', `mkdir -p ~/.claude/skills/portcullis-vault\n${skill} > ~/.claude/skills/portcullis-vault/SKILL.md`),
    '',
    '### MCP (Claude Code or any MCP client)',
    `The same vault as MCP tools (\`gatehouse_status\`, \`gatehouse_get\`, \`gatehouse_proxy\`, ...): Streamable HTTP at ${baseUrl}/v1/mcp, with the token as a bearer header.`,
    fence('sh', `claude mcp add --transport http portcullis-vault ${baseUrl}/v1/mcp --header "Authorization: Bearer $PORTCULLIS_TOKEN"`),
    '',
    '### Codex, Cursor, Windsurf',
    'Append the skill to the instructions file your harness reads (`AGENTS.md` for Codex, `.cursor/rules/portcullis-vault.md` for Cursor, `.windsurfrules` for Windsurf):',
    fence('sh', `${skill} >> AGENTS.md`),
    '',
    '### Generic HTTP',
    'Any HTTP client works: log in, then send `Authorization: Bearer <token>` on every `/v1` call.',
    fence(
      'sh',
      `curl -sS -X POST ${baseUrl}/v1/auth/approle/login -H 'content-type: application/json' \\\n  -d "{\\"role_id\\":\\"$PORTCULLIS_ROLE_ID\\",\\"secret_id\\":\\"$PORTCULLIS_SECRET_ID\\"}"\n# → {"token":"…","identity":"approle:…","policies":[…],"expires_in":86400}\ncurl -sS -H "Authorization: Bearer $PORTCULLIS_TOKEN" ${baseUrl}/v1/secrets`,
    ),
  ].join('\n');
}

export function linkMarkdown(page: LinkPage): string {
  const exchange = `${page.baseUrl}/v1/${page.kind}/${page.token}/exchange`;
  const head =
    page.kind === 'onboard'
      ? [`# Portcullis vault onboarding: ${page.identity}`, '', 'This link gives you a machine identity in the Portcullis secrets vault.']
      : [
          `# Portcullis vault credential rotation: ${page.identity}`,
          '',
          'This link replaces your `secret_id`. The old one stops working when you exchange it.',
        ];
  const response =
    page.kind === 'onboard'
      ? '`{"role_id", "secret_id", "token", "identity", "policies", "expires_in", "base_url"}`: new credentials (the role_id changes too) and a token to start with.'
      : '`{"role_id", "secret_id", "base_url", "role_display_name"}`. Tokens you already hold keep working until they expire; log in with the new secret_id after that.';
  return [
    ...head,
    '',
    `- Identity: \`${page.identity}\``,
    `- Base URL: ${page.baseUrl}`,
    `- Policies: ${page.policies.length ? page.policies.map((p) => `\`${p}\``).join(', ') : '(none yet)'}`,
    `- This link works once and expires at ${page.expiresAt.toISOString()}. You may read this page again until it is exchanged.`,
    '',
    '## Step 1: exchange the link (exactly once)',
    fence('sh', `curl -sS -X POST ${exchange}`),
    '',
    `Response: ${response}`,
    'Store role_id and secret_id at once as secrets of your runtime. A second exchange answers 410 Gone: if you lost the response, ask your operator for a new link.',
    fence(
      'sh',
      page.kind === 'onboard'
        ? `export PORTCULLIS_URL=${page.baseUrl} PORTCULLIS_ROLE_ID=<role_id> PORTCULLIS_SECRET_ID=<secret_id> PORTCULLIS_TOKEN=<token>`
        : 'export PORTCULLIS_ROLE_ID=<role_id> PORTCULLIS_SECRET_ID=<secret_id>   # then log in again when your token expires',
    ),
    '',
    install(page.baseUrl),
    '',
    '## Errors',
    '| status | meaning | what to do |',
    '|---|---|---|',
    '| 401 | token missing, expired or revoked; AppRole suspended; agent disabled; IP not allowed | log in again; if login fails too, the message says why (ask an admin) |',
    '| 403 `Forbidden` | your policies lack the capability (`required_capability` in the body) | ask a tenant admin to grant it |',
    '| 404 | no such secret, lease or link | check the path (`GET /v1/secrets`) |',
    '| 410 | link already exchanged or expired; lease already ended | ask for a new link / take a new lease |',
    '',
  ].join('\n');
}
