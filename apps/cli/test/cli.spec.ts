import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REPO_ROOT,
  controlPlaneEnv,
  freePort,
  http,
  randomSlug,
  spawnApp,
  stampsQueue,
  startWorker,
  type RunningApp,
} from '@portcullis/testing';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI as a user runs it: its own process, configured by flags or environment. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [`${REPO_ROOT}apps/cli/dist/main.js`, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('portcullis audit', () => {
  let cp: RunningApp;
  let worker: RunningApp;
  let queue: Queue;
  let env: Record<string, string>;
  let agentId: string;
  let dir: string;

  beforeAll(async () => {
    const cpEnv = controlPlaneEnv();
    cp = await spawnApp('control-plane', await freePort(), cpEnv);
    worker = await startWorker();
    queue = stampsQueue();
    const slug = randomSlug();
    const tenant = await http<{ tenant: { id: string }; adminApiKey: string }>('POST', `${cp.url}/api/v1/platform/tenants`, {
      token: cpEnv.PORTCULLIS_ROOT_TOKEN,
      body: { name: slug, slug },
    });
    env = { PORTCULLIS_URL: cp.url, PORTCULLIS_API_KEY: tenant.body.adminApiKey };
    const agent = await http<{ agent: { id: string } }>('POST', `${cp.url}/api/v1/admin/agents`, {
      token: tenant.body.adminApiKey,
      body: { name: 'cli-bot', upstreamUrl: 'http://127.0.0.1:9', requiredCredentials: [] },
    });
    agentId = agent.body.agent.id;
    // Its `created` stamp (relayed from the outbox) is seq 1; the requests follow.
    for (let until = Date.now() + 15_000; ;) {
      const r = await cli(['audit', 'last', '--agent', agentId, '--json'], env);
      if (r.code === 0 && (JSON.parse(r.stdout) as unknown[]).length === 1) break;
      if (Date.now() > until) throw new Error(`no created stamp: ${r.stderr}`);
      await new Promise((res) => setTimeout(res, 100));
    }
    const events = Array.from({ length: 12 }, (_, i) => ({
      type: 'request',
      requestId: randomUUID(),
      tenantId: tenant.body.tenant.id,
      agentId,
      userId: null,
      authKind: 'runtime_token',
      method: 'POST',
      path: `/api/v1/agents/${agentId}/invoke`,
      status: 200,
      bytesIn: i,
      bytesOut: 1,
      startedAt: new Date().toISOString(),
      durationMs: 1,
      upstreamMs: 1,
      upstream: 'http://127.0.0.1:9',
      requestDigest: null,
      responseDigest: null,
    }));
    await queue.addBulk(events.map((data) => ({ name: 'stamp', data, opts: { jobId: data.requestId } })));
    dir = mkdtempSync(join(tmpdir(), 'portcullis-cli-'));
    // Wait until all 13 entries (created + 12 requests) are on the chain and a checkpoint has seen them.
    const until = Date.now() + 20_000;
    for (;;) {
      const r = await cli(['audit', 'checkpoint'], env);
      if (r.code === 0 && (JSON.parse(r.stdout) as { heads: { seq: number }[] }).heads[0]?.seq === 13) break;
      if (Date.now() > until) throw new Error(`no checkpoint at seq 13: ${r.stderr}${r.stdout}`);
      await new Promise((res) => setTimeout(res, 200));
    }
  });
  afterAll(async () => {
    await queue.close();
    await worker.stop();
    await cp.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('last and verify, by name or id, as text and JSON', async () => {
    const last = await cli(['audit', 'last', '--agent', 'cli-bot', '--limit', '2'], env);
    expect(last.code).toBe(0);
    expect(last.stdout).toMatch(/^#13 .*request +POST .* → 200/m);
    expect(last.stdout.trim().split('\n')).toHaveLength(2);
    const json = await cli(['audit', 'last', '--agent', agentId, '--json'], env);
    expect((JSON.parse(json.stdout) as { seq: number }[]).map((x) => x.seq)).toEqual([13, 12, 11, 10, 9, 8, 7, 6, 5, 4]);
    const v = await cli(['audit', 'verify', '--agent', 'cli-bot', '--json'], env);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout)).toEqual({ agentId, valid: true, length: 13 });
  });

  it('verify-file accepts an untouched export and rejects a touched or truncated one', async () => {
    const exp = await cli(['audit', 'export', '--agent', 'cli-bot'], env);
    expect(exp.code).toBe(0);
    const lines = exp.stdout.trim().split('\n');
    expect(lines).toHaveLength(13);
    const chain = join(dir, 'chain.jsonl');
    writeFileSync(chain, exp.stdout);
    const cpFile = join(dir, 'checkpoint.json');
    writeFileSync(cpFile, (await cli(['audit', 'checkpoint'], env)).stdout);
    const keyFile = join(dir, 'keys.json');
    writeFileSync(keyFile, (await cli(['audit', 'public-key'], env)).stdout);

    // Offline: no URL, no key in the environment.
    const ok = await cli(['audit', 'verify-file', chain, '--checkpoint', cpFile, '--public-key', keyFile]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('valid: 13 entries');
    expect(ok.stdout).toContain('checkpoint at seq 13');

    const touched = join(dir, 'touched.jsonl');
    const line5 = JSON.parse(lines[4]!) as { event: string };
    line5.event = line5.event.replace('"bytesIn":3', '"bytesIn":4');
    writeFileSync(touched, [...lines.slice(0, 4), JSON.stringify(line5), ...lines.slice(5)].join('\n'));
    const bad = await cli(['audit', 'verify-file', touched, '--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ valid: false, firstBadSequence: 5 });

    const truncated = join(dir, 'truncated.jsonl');
    writeFileSync(truncated, lines.slice(0, 10).join('\n'));
    expect((await cli(['audit', 'verify-file', truncated])).code).toBe(0);
    const cut = await cli(['audit', 'verify-file', truncated, '--checkpoint', cpFile, '--public-key', keyFile]);
    expect(cut.code).toBe(1);
    expect(cut.stdout).toContain('entries were removed');

    const forgedCp = join(dir, 'forged.json');
    const c = JSON.parse(readFileSync(cpFile, 'utf8')) as { heads: { seq: number }[] };
    c.heads[0]!.seq = 10;
    writeFileSync(forgedCp, JSON.stringify(c));
    const forged = await cli(['audit', 'verify-file', truncated, '--checkpoint', forgedCp, '--public-key', keyFile]);
    expect(forged.code).toBe(1);
    expect(forged.stdout).toContain('signature does not verify');
  });

  it('says clearly what is wrong', async () => {
    const noUrl = await cli(['audit', 'last', '--agent', 'cli-bot']);
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain('PORTCULLIS_URL');
    const badKey = await cli(['audit', 'verify', '--agent', agentId], { ...env, PORTCULLIS_API_KEY: 'pk_wrong' });
    expect(badKey.code).toBe(3);
    expect(badKey.stderr).toContain('401');
    expect(badKey.stderr).not.toContain('pk_wrong');
    const unknown = await cli(['audit', 'last', '--agent', 'no-such-bot'], env);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('no agent named "no-such-bot"');
    const down = await cli(['audit', 'last', '--agent', agentId, '--url', 'http://127.0.0.1:9'], env);
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('cannot reach the control plane');
    const needKey = await cli(['audit', 'verify-file', 'x.jsonl', '--checkpoint', 'c.json']);
    expect(needKey.code).toBe(2);
    expect((await cli(['audit', 'frobnicate'], env)).code).toBe(2);
    expect((await cli(['--bogus'])).code).toBe(2);
  });
});
