import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT, postEvents, tempDir, useVigil, waitFor } from '../support/harness.js';

const SSH_BRUTE_FORCE = 'ffe6a994-f8f8-4ab4-9d20-7da91219162f';

const failedLogin = (host: string, at: number) => ({
  time: new Date(at).toISOString(),
  host,
  logsource: { product: 'linux', service: 'sshd' },
  fields: { message: 'Failed password for invalid user admin from 198.18.7.21 port 52144 ssh2', program: 'sshd' },
});
const success = (host: string, at: number) => ({
  time: new Date(at).toISOString(),
  host,
  logsource: { product: 'linux', service: 'sshd' },
  fields: { message: 'Accepted password for admin from 198.18.7.21 port 52190 ssh2', program: 'sshd' },
});

function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'workers/main.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return waitFor(async () => out.includes('worker ready'), 20_000, 'a worker process').then(() => child);
}

describe('correlation through the pipeline with two worker processes (real Redis, BullMQ, SQLite)', function () {
  this.timeout(60_000);
  const dataDir = tempDir('corr');
  // Only the server runs in this process: detection happens in the two worker processes.
  const workers: ChildProcess[] = [];
  const t = useVigil(() => ({ VIGIL_ROLE: 'server', DATA_DIR: dataDir }), {
    beforeClose: async () => {
      await Promise.all(workers.map((w) => new Promise((r) => (w.once('exit', r), w.kill('SIGTERM')))));
    },
  });

  before(async () => {
    const env = { REDIS_URL: t.redis.url, DATA_DIR: dataDir, RULES_DIR: path.join(REPO_ROOT, 'rules'), WORKER_CONCURRENCY: '1' };
    workers.push(...(await Promise.all([startWorker(env), startWorker(env)])));
  });

  it('twenty failed logins then a success, spread over both workers, make exactly one brute-force incident', async () => {
    const start = Date.now() - 4 * 60_000;
    const posts = [];
    for (let b = 0; b < 10; b++) {
      // Ten batches of two, so both workers take some; event times stay in order within five minutes.
      posts.push(postEvents(t.vigil.url, t.key, { batchId: `bf-${b}`, events: [failedLogin('bastion-07', start + b * 2000), failedLogin('bastion-07', start + b * 2000 + 1000)] }));
    }
    const statuses = (await Promise.all(posts)).map((r) => r.status);
    assert.ok(statuses.every((s) => s === 202));
    await postEvents(t.vigil.url, t.key, { batchId: 'bf-success', events: [success('bastion-07', start + 30_000)] });

    const page = await waitFor(async () => {
      const p = await t.admin.get('/api/v1/incidents?q=bastion-07');
      return p.body.total >= 1 ? p.body : null;
    }, 20_000, 'the brute-force incident');
    await new Promise((r) => setTimeout(r, 1500)); // anything still in flight would show now
    const again = await t.admin.get('/api/v1/incidents?q=bastion-07');
    assert.equal(again.body.total, 1, JSON.stringify(again.body.items.map((i: { title: string }) => i.title)));
    assert.equal(again.body.items[0].ruleId, SSH_BRUTE_FORCE);
    assert.equal(again.body.items[0].severity, 'high');
    assert.equal(page.items[0].id, again.body.items[0].id);
    // The single failures feed the correlation only (generate: false): no incident of their own.
    assert.ok(again.body.items.every((i: { ruleId: string }) => i.ruleId === SSH_BRUTE_FORCE));
  });
});
