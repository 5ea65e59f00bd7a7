import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Queue } from 'bullmq';
import { EVENTS_QUEUE } from '../../core/queues/events-queue.js';
import { createRedis } from '../../core/queues/redis.js';
import { createStorage } from '../../core/storage/create-storage.js';
import { freePort, type EmbeddedRedis } from '../../workers/redis-launcher.js';
import { ADMIN_PASSWORD, REPO_ROOT, postEvents, provisionAgent, shadowCopyDeletion, startTestRedis, tempDir, waitFor } from '../support/harness.js';

/** Starts `server/main.ts` as its own process, the way `npm start` runs it, and waits for its ready line. */
async function startProcess(env: Record<string, string>): Promise<{ child: ChildProcess; exited: Promise<number | null>; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'server/main.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'info', VIGIL_ADMIN_PASSWORD: ADMIN_PASSWORD, HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor(async () => out.includes('Vigil is ready') || child.exitCode !== null, 20_000, 'Vigil to start');
  if (child.exitCode !== null) throw new Error(`Vigil exited during start-up:\n${out}`);
  return { child, exited, output: () => out };
}

async function sumEventCounts(dataDir: string): Promise<number> {
  const storage = createStorage({ dataDir });
  await storage.connect();
  try {
    let sum = 0;
    let cursor: string | null = null;
    do {
      const page = await storage.incidents.list({}, { limit: 500, cursor });
      sum += page.items.reduce((s, i) => s + i.eventCount, 0);
      cursor = page.nextCursor;
    } while (cursor);
    return sum;
  } finally {
    await storage.close();
  }
}

describe('no event lost on shutdown (real process, SIGTERM during ingest, restart)', function () {
  this.timeout(90_000);
  let redis: EmbeddedRedis;

  before(async () => {
    redis = await startTestRedis();
  });
  after(async () => {
    await redis?.stop();
  });

  async function interruptAndRestart(firstRole: 'all' | 'server'): Promise<{ processed: number; pending: number }> {
    const dataDir = tempDir('shutdown');
    const port = String(await freePort());
    const env = { REDIS_URL: redis.url, DATA_DIR: dataDir, PORT: port, WORKER_CONCURRENCY: '1' };
    const first = await startProcess({ ...env, VIGIL_ROLE: firstRole });
    const url = `http://127.0.0.1:${port}`;
    const { key } = await provisionAgent(url);

    let accepted = 0;
    let batch = 0;
    let stop = false;
    const sender = async () => {
      while (!stop) {
        const n = batch++;
        const events = Array.from({ length: 100 }, () => shadowCopyDeletion(`HOST-${n % 7}`));
        try {
          const r = await postEvents(url, key, { batchId: `s-${n}`, events });
          if (r.status === 202) accepted += r.body.accepted;
        } catch {
          return; // the server is gone: this batch was never acknowledged, so it does not count
        }
      }
    };
    const senders = [sender(), sender(), sender(), sender()];
    await waitFor(async () => accepted >= 3000, 20_000, '3,000 accepted events');
    first.child.kill('SIGTERM');
    const code = await Promise.race([first.exited, new Promise((r) => setTimeout(() => r('hung'), 20_000))]);
    if (code === 'hung') {
      first.child.kill('SIGKILL');
      throw new Error(`Vigil did not exit within 20 s of SIGTERM:\n${first.output()}`);
    }
    stop = true;
    await Promise.all(senders);
    assert.equal(code, 0, 'a clean exit on SIGTERM');
    assert.ok(accepted >= 3000);

    const processed = await sumEventCounts(dataDir);
    const queueConnection = createRedis(redis.url);
    const queue = new Queue(EVENTS_QUEUE, { connection: queueConnection });
    const pendingJobs = await queue.getJobs(['waiting', 'active', 'delayed', 'prioritized']);
    const pending = pendingJobs.reduce((s, j) => s + (j?.data?.events?.length ?? 0), 0);
    const failed = await queue.getFailedCount();
    await queue.close();
    queueConnection.disconnect();
    assert.equal(failed, 0);
    assert.equal(processed + pending, accepted, `processed ${processed} + still queued ${pending} = accepted ${accepted}`);

    const second = await startProcess(env);
    try {
      await waitFor(async () => (await sumEventCounts(dataDir)) === accepted, 30_000, 'every accepted event to be processed');
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
    return { processed, pending };
  }

  it('SIGTERM during ingest: every accepted event is processed or still queued, and processed after restart', async () => {
    await interruptAndRestart('all');
  });

  it('batches queued while no worker runs survive a restart and are processed by the next worker', async () => {
    const { processed, pending } = await interruptAndRestart('server');
    assert.equal(processed, 0);
    assert.ok(pending >= 3000);
  });
});
