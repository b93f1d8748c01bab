// Shared by the benchmark scripts: a throwaway database and Redis prefix, the control plane, N proxies,
// the fake upstream (own process), and a tenant with one agent that uses every feature: art_ auth,
// a required credential injected, an upstream secret, a session token and a stamp per request.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { controlPlaneEnv, freePort, http, spawnApp } from '@portcullis/testing';
import { ROOT, createDatabase, dropDatabase, ensureServices, migrate } from '../../../scripts/lib/services.mjs';

export function child(script, args) {
  const proc = spawn(process.execPath, [new URL(script, import.meta.url).pathname, ...args.map(String)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    proc.stdout.once('data', () => resolve(proc));
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

export function run(cmd, args, env = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited with ${code}`))));
  });
}

export async function startBenchStack({ proxies = 1, proxyEnv = {} } = {}) {
  const services = await ensureServices();
  const runId = randomBytes(4).toString('hex');
  const dbName = `portcullis_bench_${runId}`;
  const prefix = `pb-${runId}`;
  const databaseUrl = await createDatabase(services.databaseAdminUrl, dbName);
  migrate(databaseUrl);
  process.env.DATABASE_URL = databaseUrl;
  process.env.REDIS_URL = services.redisUrl;
  process.env.PORTCULLIS_REDIS_PREFIX = prefix;
  const env = controlPlaneEnv({ LOG_LEVEL: 'warn' });
  const upstreamPort = await freePort();
  const upstream = await child('upstream.mjs', [upstreamPort]);
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
  const pxs = [];
  let cp;
  const stop = async () => {
    for (const p of pxs) await p.stop();
    await cp?.stop();
    upstream.kill('SIGTERM');
    await dropDatabase(services.databaseAdminUrl, dbName).catch(() => {});
    const redis = new Redis(services.redisUrl);
    for (const pattern of [`${prefix}*`, `{${prefix}}*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
    }
    redis.disconnect();
    await services.stop();
  };
  try {
    cp = await spawnApp('control-plane', await freePort(), env);
  } catch (e) {
    await stop();
    throw e;
  }
  const basePxEnv = {
    REDIS_URL: env.REDIS_URL,
    PORTCULLIS_REDIS_PREFIX: prefix,
    PORTCULLIS_DATA_PLANE_KEY: env.PORTCULLIS_DATA_PLANE_KEY,
    PORTCULLIS_INTERNAL_TOKEN: env.PORTCULLIS_INTERNAL_TOKEN,
    PORTCULLIS_CONTROL_PLANE_URL: cp.url,
    PORTCULLIS_STAMP_SPOOL_PATH: `${ROOT}/.portcullis/bench-${runId}.spool`,
    LOG_LEVEL: 'warn',
  };
  const startProxy = async (extra = {}, nodeArgs = []) => {
    const p = await spawnApp('proxy', await freePort(), { ...basePxEnv, ...proxyEnv, ...extra }, nodeArgs);
    pxs.push(p);
    for (;;) {
      if ((await fetch(`${p.url}/readyz`)).ok) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return p;
  };
  try {
    for (let i = 0; i < proxies; i++) await startProxy();
  } catch (e) {
    await stop();
    throw e;
  }
  const tenant = await http('POST', `${cp.url}/api/v1/platform/tenants`, {
    token: env.PORTCULLIS_ROOT_TOKEN,
    body: { name: 'bench', slug: `bench-${runId}` },
  });
  const adminKey = tenant.body.adminApiKey;
  await http('POST', `${cp.url}/api/v1/admin/credentials`, {
    token: adminKey,
    body: { serviceType: 'github', value: 'bench-github-token' },
  });
  const agent = await http('POST', `${cp.url}/api/v1/admin/agents`, {
    token: adminKey,
    body: { name: 'bench-agent', upstreamUrl, requiredCredentials: [{ serviceType: 'github' }], upstreamSecret: 'bench-upstream-secret' },
  });
  return {
    cp,
    proxies: pxs,
    startProxy,
    upstreamUrl,
    adminKey,
    agentId: agent.body.agent.id,
    runtimeToken: agent.body.runtimeToken,
    /** The environment the proxies were started with (for starting one by hand, e.g. profiled). */
    pxEnv: { ...basePxEnv, ...proxyEnv },
    stop,
  };
}

/** The LLM-route bench agents (an OpenAI-kind provider at the fake upstream), without and with a budget. */
export const LLM_BENCH_AGENTS = [
  ['Portcullis LLM route', []],
  ['Portcullis LLM route + budget', [{ window: 'day', requests: 1_000_000_000 }]],
];

/** Creates an agent whose provider is the bench upstream; returns its runtime token. */
export async function createLlmAgent(stack, name, budgets = []) {
  const res = await http('POST', `${stack.cp.url}/api/v1/admin/agents`, {
    token: stack.adminKey,
    body: {
      name: name.replace(/[^\w]+/g, '-'),
      upstreamUrl: stack.upstreamUrl,
      requiredCredentials: [],
      provider: { kind: 'openai', baseUrl: `${stack.upstreamUrl}/v1`, apiKey: 'bench-provider-key' },
      budgets,
    },
  });
  if (res.status !== 201) throw new Error(`agent: ${res.status} ${res.text}`);
  return res.body.runtimeToken;
}

/** The small OpenAI-format chat body every LLM-route benchmark sends. */
export const CHAT = JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content: 'Say hello in five words.' }] });

/** A wrk script that POSTs CHAT as JSON; returns its path. */
export function chatWrkScript() {
  const lua = join(mkdtempSync(join(tmpdir(), 'portcullis-wrk-')), 'post.lua');
  writeFileSync(lua, `wrk.method = "POST"\nwrk.body = [[${CHAT}]]\nwrk.headers["Content-Type"] = "application/json"\n`);
  return lua;
}
