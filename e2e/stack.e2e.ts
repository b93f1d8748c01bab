/**
 * `npm start` end to end: scripts/dev.mjs brings up the control plane, proxy and worker as separate
 * processes on this run's database and Redis, makes the demo tenant and agent, writes dev.json, and
 * stops everything on Ctrl-C (SIGINT).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, controlPlaneEnv, freePort, http } from '@portcullis/testing';

interface DevJson {
  controlPlaneUrl: string;
  proxyUrl: string;
  workerUrl: string;
  rootToken: string;
  tenantId: string;
  adminApiKey: string;
  agentId: string;
  agentToken: string;
  databaseUrl: string;
  redisUrl: string;
}

describe('npm start (scripts/dev.mjs)', () => {
  const state = mkdtempSync(path.join(tmpdir(), 'portcullis-dev-'));
  let child: ChildProcess;
  let output = '';
  let dev: DevJson;

  beforeAll(async () => {
    const env = controlPlaneEnv();
    const ports = {
      CONTROL_PLANE_PORT: await freePort(),
      PROXY_PORT: await freePort(),
      WORKER_PORT: await freePort(),
      DEMO_UPSTREAM_PORT: await freePort(),
    };
    child = spawn(process.execPath, [path.join(REPO_ROOT, 'scripts/dev.mjs')], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        ...env,
        ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
        PORTCULLIS_STATE_DIR: state,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const until = Date.now() + 60_000;
    while (!output.includes('Ctrl-C stops everything')) {
      if (child.exitCode !== null) throw new Error(`dev.mjs exited early:\n${output}`);
      if (Date.now() > until) throw new Error(`dev.mjs did not come up:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    dev = JSON.parse(readFileSync(path.join(state, 'dev.json'), 'utf8')) as DevJson;
  }, 90_000);

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('writes dev.json with everything a script needs', () => {
    expect(dev).toMatchObject({
      controlPlaneUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      proxyUrl: expect.stringMatching(/^http:/),
      rootToken: expect.any(String),
      tenantId: expect.any(String),
      adminApiKey: expect.stringMatching(/^pk_/),
      agentId: expect.any(String),
      agentToken: expect.stringMatching(/^art_/),
      databaseUrl: expect.stringMatching(/^postgres/),
      redisUrl: expect.stringMatching(/^redis:/),
    });
    expect(output).toContain(dev.controlPlaneUrl);
    expect(output).toContain(dev.proxyUrl);
  });

  it('runs every app, and the demo tenant and agent answer on the admin API', async () => {
    for (const url of [dev.controlPlaneUrl, dev.proxyUrl, dev.workerUrl]) {
      expect((await http('GET', `${url}/healthz`)).body).toMatchObject({ status: 'ok' });
    }
    expect((await http('GET', `${dev.controlPlaneUrl}/readyz`)).status).toBe(200);
    const agent = await http('GET', `${dev.controlPlaneUrl}/api/v1/admin/agents/${dev.agentId}`, { token: dev.adminApiKey });
    expect(agent.body).toMatchObject({ id: dev.agentId, tenantId: dev.tenantId, name: 'demo-agent', status: 'active' });
    const tenant = await http('GET', `${dev.controlPlaneUrl}/api/v1/platform/tenants/${dev.tenantId}`, { token: dev.rootToken });
    expect(tenant.status).toBe(200);
  });

  it('the printed LLM recipe works: the demo agent reaches its keyless provider through /v1/chat/completions', async () => {
    expect(output).toContain(`${dev.proxyUrl}/v1/chat/completions`);
    const res = await http('POST', `${dev.proxyUrl}/v1/chat/completions`, {
      token: dev.agentToken,
      body: { model: 'demo', messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ object: 'chat.completion', choices: [{ message: { role: 'assistant' } }] });
  });

  it('keeps tokens out of every log, and stops everything on Ctrl-C', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    for (const url of [dev.controlPlaneUrl, dev.proxyUrl, dev.workerUrl]) {
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    }
    const logsDir = path.join(state, 'logs');
    expect(existsSync(logsDir)).toBe(true);
    const logs =
      readdirSync(logsDir)
        .map((f) => readFileSync(path.join(logsDir, f), 'utf8'))
        .join('\n') + output;
    expect(logs).toContain('control plane listening');
    for (const secret of [dev.adminApiKey, dev.agentToken, dev.rootToken]) expect(logs).not.toContain(secret);
  });
});
