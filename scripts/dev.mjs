// `npm start`: the whole stack on this machine, for a newcomer.
//   Postgres + Redis (yours, or embedded) → migrate → control plane, proxy, worker → demo tenant,
//   demo agent and a local demo upstream → `.portcullis/dev.json` for scripts → Ctrl-C stops it all.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { ROOT, STATE_DIR as DEFAULT_STATE_DIR, createDatabase, ensureServices, log, migrate, portOpen } from './lib/services.mjs';

const STATE_DIR = process.env.PORTCULLIS_STATE_DIR ? path.resolve(process.env.PORTCULLIS_STATE_DIR) : DEFAULT_STATE_DIR;
const PORTS = {
  controlPlane: Number(process.env.CONTROL_PLANE_PORT ?? 3100),
  proxy: Number(process.env.PROXY_PORT ?? 4000),
  worker: Number(process.env.WORKER_PORT ?? 4100),
  upstream: Number(process.env.DEMO_UPSTREAM_PORT ?? 4900),
};

mkdirSync(path.join(STATE_DIR, 'logs'), { recursive: true });
const children = [];
let services;
let upstream;
let stopping = false;

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  log('stopping');
  await Promise.all(
    children.map(
      (c) =>
        new Promise((resolve) => {
          if (c.exitCode !== null) return resolve();
          const t = setTimeout(() => c.kill('SIGKILL'), 5000);
          c.once('exit', () => (clearTimeout(t), resolve()));
          c.kill('SIGTERM');
        }),
    ),
  );
  upstream?.close();
  await services?.stop();
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

/** Secrets for this checkout, made once and kept in .portcullis/ so sealed data survives restarts. */
function devSecrets() {
  const file = path.join(STATE_DIR, 'secrets.json');
  const saved = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const hex = (n) => randomBytes(n).toString('hex');
  const s = {
    PORTCULLIS_ROOT_TOKEN: process.env.PORTCULLIS_ROOT_TOKEN ?? saved.PORTCULLIS_ROOT_TOKEN ?? `root_${hex(24)}`,
    PORTCULLIS_MASTER_KEY: process.env.PORTCULLIS_MASTER_KEY ?? saved.PORTCULLIS_MASTER_KEY ?? hex(32),
    PORTCULLIS_DATA_PLANE_KEY: process.env.PORTCULLIS_DATA_PLANE_KEY ?? saved.PORTCULLIS_DATA_PLANE_KEY ?? hex(32),
    PORTCULLIS_JWT_SECRET: process.env.PORTCULLIS_JWT_SECRET ?? saved.PORTCULLIS_JWT_SECRET ?? hex(32),
    PORTCULLIS_INTERNAL_TOKEN: process.env.PORTCULLIS_INTERNAL_TOKEN ?? saved.PORTCULLIS_INTERNAL_TOKEN ?? `int_${hex(24)}`,
    PORTCULLIS_CHECKPOINT_KEY: process.env.PORTCULLIS_CHECKPOINT_KEY ?? saved.PORTCULLIS_CHECKPOINT_KEY ?? hex(32),
  };
  writeFileSync(file, JSON.stringify(s, null, 2), { mode: 0o600 });
  return s;
}

/** A stand-in agent runtime: answers every request with what it received (method, path, headers, body). */
function startDemoUpstream(port) {
  return new Promise((resolve, reject) => {
    const server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        res.writeHead(200, { 'content-type': 'application/json' });
        if (req.method === 'POST' && req.url?.split('?')[0].endsWith('/chat/completions')) {
          // A keyless local "provider" for the LLM gateway demo: echoes the last message back.
          let said = '';
          try {
            said = JSON.parse(body).messages?.at(-1)?.content ?? '';
          } catch {
            /* not JSON: nothing to echo */
          }
          const reply = `demo provider heard: ${typeof said === 'string' ? said : JSON.stringify(said)}`;
          res.end(
            JSON.stringify({
              id: `chatcmpl-demo-${Date.now()}`,
              object: 'chat.completion',
              created: Math.floor(Date.now() / 1000),
              model: 'demo',
              choices: [{ index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop' }],
              usage: { prompt_tokens: said.length, completion_tokens: reply.length, total_tokens: said.length + reply.length },
            }),
          );
          return;
        }
        res.end(JSON.stringify({ agent: 'demo', method: req.method, path: req.url, headers: req.headers, body }));
      });
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

function startApp(name, port, env) {
  const out = createWriteStream(path.join(STATE_DIR, 'logs', `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [path.join(ROOT, `apps/${name}/dist/main.js`)], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: process.env.HOST ?? '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  child.stderr.on('data', (d) => process.stderr.write(`[${name}] ${d}`));
  child.on('exit', (code, signal) => {
    if (!stopping) {
      log(`${name} exited (${code ?? signal}); see ${path.join(STATE_DIR, 'logs', `${name}.log`)}`);
      void shutdown(1);
    }
  });
  children.push(child);
  return child;
}

async function waitHealthy(name, url) {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${name} did not become healthy at ${url}`);
}

async function api(method, url, token, body) {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** The demo tenant and agent: reused from dev.json while they still exist, else made anew. */
async function demo(cp, secrets, upstreamUrl) {
  // The demo upstream also answers OpenAI-format chat completions (an echo): a keyless local "provider".
  const provider = { kind: 'openai-compatible', baseUrl: `${upstreamUrl}/v1` };
  const file = path.join(STATE_DIR, 'dev.json');
  const saved = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
  if (saved?.tenantId && saved?.agentId && saved?.adminApiKey) {
    const agent = await api('GET', `${cp}/api/v1/admin/agents/${saved.agentId}`, saved.adminApiKey);
    if (agent.status === 200) {
      if (agent.body.upstreamUrl !== upstreamUrl || agent.body.provider?.baseUrl !== provider.baseUrl)
        await api('PATCH', `${cp}/api/v1/admin/agents/${saved.agentId}`, saved.adminApiKey, { upstreamUrl, provider });
      return { tenantId: saved.tenantId, adminApiKey: saved.adminApiKey, agentId: saved.agentId, agentToken: saved.agentToken };
    }
  }
  let tenant = await api('POST', `${cp}/api/v1/platform/tenants`, secrets.PORTCULLIS_ROOT_TOKEN, { name: 'Demo', slug: 'demo' });
  if (tenant.status === 409) {
    const slug = `demo-${randomBytes(3).toString('hex')}`;
    tenant = await api('POST', `${cp}/api/v1/platform/tenants`, secrets.PORTCULLIS_ROOT_TOKEN, { name: 'Demo', slug });
  }
  if (tenant.status !== 201) throw new Error(`could not create the demo tenant: ${tenant.status} ${JSON.stringify(tenant.body)}`);
  const adminApiKey = tenant.body.adminApiKey;
  const agent = await api('POST', `${cp}/api/v1/admin/agents`, adminApiKey, {
    name: 'demo-agent',
    description: 'Echoes what it receives; runs inside npm start.',
    upstreamUrl,
    requiredCredentials: [],
    provider,
  });
  if (agent.status !== 201) throw new Error(`could not create the demo agent: ${agent.status} ${JSON.stringify(agent.body)}`);
  return { tenantId: tenant.body.tenant.id, adminApiKey, agentId: agent.body.agent.id, agentToken: agent.body.runtimeToken };
}

try {
  for (const [name, port] of Object.entries(PORTS)) {
    if (await portOpen(port))
      throw new Error(
        `port ${port} (${name}) is already in use: stop what uses it, or set ${name === 'controlPlane' ? 'CONTROL_PLANE_PORT' : name === 'proxy' ? 'PROXY_PORT' : name === 'worker' ? 'WORKER_PORT' : 'DEMO_UPSTREAM_PORT'}`,
      );
  }
  services = await ensureServices();
  const databaseUrl = process.env.DATABASE_URL ?? (await createDatabase(services.databaseAdminUrl, 'portcullis_dev'));
  log(`postgres: ${services.sources.postgres}; redis: ${services.sources.redis}`);
  migrate(databaseUrl);
  const secrets = devSecrets();
  const controlPlaneUrl = `http://127.0.0.1:${PORTS.controlPlane}`;
  const proxyUrl = `http://127.0.0.1:${PORTS.proxy}`;
  const env = {
    ...secrets,
    DATABASE_URL: databaseUrl,
    REDIS_URL: services.redisUrl,
    PORTCULLIS_REDIS_PREFIX: process.env.PORTCULLIS_REDIS_PREFIX ?? 'portcullis',
    PORTCULLIS_PUBLIC_URL: process.env.PORTCULLIS_PUBLIC_URL ?? controlPlaneUrl,
    PORTCULLIS_CONTROL_PLANE_URL: controlPlaneUrl,
  };
  upstream = await startDemoUpstream(PORTS.upstream);
  startApp('control-plane', PORTS.controlPlane, env);
  await waitHealthy('control-plane', controlPlaneUrl);
  startApp('proxy', PORTS.proxy, env);
  startApp('worker', PORTS.worker, env);
  await Promise.all([waitHealthy('proxy', proxyUrl), waitHealthy('worker', `http://127.0.0.1:${PORTS.worker}`)]);
  const d = await demo(controlPlaneUrl, secrets, `http://127.0.0.1:${PORTS.upstream}`);
  const dev = {
    controlPlaneUrl,
    proxyUrl,
    workerUrl: `http://127.0.0.1:${PORTS.worker}`,
    rootToken: secrets.PORTCULLIS_ROOT_TOKEN,
    tenantId: d.tenantId,
    adminApiKey: d.adminApiKey,
    agentId: d.agentId,
    agentToken: d.agentToken,
    databaseUrl,
    redisUrl: services.redisUrl,
  };
  writeFileSync(path.join(STATE_DIR, 'dev.json'), JSON.stringify(dev, null, 2) + '\n', { mode: 0o600 });
  process.stdout.write(`
Portcullis is running.

  control plane   ${controlPlaneUrl}   (OpenAPI: ${controlPlaneUrl}/docs)
  proxy           ${proxyUrl}
  worker          ${dev.workerUrl}
  demo upstream   http://127.0.0.1:${PORTS.upstream}
  postgres        ${services.sources.postgres}
  redis           ${services.sources.redis}
  logs            ${path.join(STATE_DIR, 'logs')}/
  tokens & URLs   ${path.join(STATE_DIR, 'dev.json')}

Try it:
  curl -s ${controlPlaneUrl}/api/v1/admin/agents -H "Authorization: Bearer $(jq -r .adminApiKey ${path.join(STATE_DIR, 'dev.json')})"
  curl -s ${proxyUrl}/api/v1/agents/${d.agentId}/invoke -H "Authorization: Bearer $(jq -r .agentToken ${path.join(STATE_DIR, 'dev.json')})" -d '{"hello":"agent"}'
  curl -s ${proxyUrl}/v1/chat/completions -H "Authorization: Bearer $(jq -r .agentToken ${path.join(STATE_DIR, 'dev.json')})" -H 'content-type: application/json' -d '{"model":"demo","messages":[{"role":"user","content":"hi"}]}'

Ctrl-C stops everything.
`);
} catch (e) {
  log(`npm start failed: ${e.message}`);
  await shutdown(1);
}
