/**
 * `npm run bench`: Vigil in its own process (the embedded default, SQLite, its own Redis), fed by concurrent
 * simulated agents for a fixed time. Prints events/s accepted and processed, event→console latency (p50/p99) and
 * Vigil's peak RSS, first flat out (throughput; latency then includes queueing) and then paced at --rate events/s
 * (latency of a system with headroom). Options: --seconds N (default 20), --agents N (default 8), --batch N (500),
 * --rate N (default 10000).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { io as ioClient } from 'socket.io-client';
import { EVENTS_QUEUE } from '../core/queues/events-queue.js';
import { createRedis } from '../core/queues/redis.js';
import { freePort, startEmbeddedRedis } from '../workers/redis-launcher.js';
import { writeSyntheticRules } from './synthetic-rules.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const SECONDS = opt('seconds', 20);
const AGENTS = opt('agents', 8);
const BATCH = opt('batch', 500);
const PACED_RATE = opt('rate', 10_000);
const PASSWORD = 'bench-admin-password';

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function benign(host: string, i: number) {
  const t = new Date().toISOString();
  return i % 2
    ? { time: t, host, logsource: { product: 'windows', category: 'process_creation' }, fields: { Image: 'C:\\Windows\\System32\\svchost.exe', CommandLine: `svchost.exe -k netsvcs -p -s Schedule ${i}`, ParentImage: 'C:\\Windows\\System32\\services.exe', User: 'NT AUTHORITY\\SYSTEM' } }
    : { time: t, host, logsource: { category: 'webserver' }, fields: { 'cs-method': 'GET', 'c-uri': `/news/${i}`, 'c-uri-query': `page=${i % 9}`, 'sc-status': 200, 'c-ip': '198.51.100.7', 'c-useragent': 'Mozilla/5.0 (Windows NT 10.0)' } };
}

function attack(host: string) {
  return { time: new Date().toISOString(), host, logsource: { product: 'windows', category: 'process_creation' }, fields: { Image: 'C:\\Windows\\System32\\vssadmin.exe', CommandLine: 'vssadmin.exe delete shadows /all /quiet', ParentImage: 'C:\\Windows\\System32\\cmd.exe', User: 'GOV\\svc' } };
}

function peakRssMb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-'));
  const rulesDir = path.join(work, 'rules');
  const ruleCount = writeSyntheticRules(path.join(root, 'rules'), rulesDir, 100);
  const redis = await startEmbeddedRedis({ dir: path.join(work, 'redis') });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const entry = fs.existsSync(path.join(root, 'dist/server/main.js'))
    ? [path.join(root, 'dist/server/main.js')]
    : ['--import', 'tsx', path.join(root, 'server/main.ts')];
  const child = spawn(process.execPath, entry, {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: path.join(work, 'data'), RULES_DIR: rulesDir, REDIS_URL: redis.url, VIGIL_ADMIN_PASSWORD: PASSWORD, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('Vigil is ready') && resolve());
    child.once('exit', (code) => reject(new Error(`Vigil exited (${code})`)));
  });

  const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const post = async (p: string, body: unknown) =>
    (await fetch(url + p, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body) })).json() as Promise<{ id: string; key: string }>;
  const agency = await post('/api/v1/agencies', { name: 'Bench Agency', code: 'BENCH' });
  const keys: string[] = [];
  for (let i = 0; i < AGENTS; i++) keys.push((await post('/api/v1/agents', { agencyId: agency.id, name: `bench-${i}` })).key);

  // Each batch carries one attack on a host of its own, so its incident:new marks when that batch reached a console.
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const socket = ioClient(`${url}/console`, { extraHeaders: { cookie }, transports: ['websocket'] });
  socket.on('incident:new', (inc: { host: string | null }) => {
    const t0 = inc.host ? sentAt.get(inc.host) : undefined;
    if (t0 !== undefined) latencies.push(performance.now() - t0);
  });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));

  const queueConnection = createRedis(redis.url);
  const queue = new Queue(EVENTS_QUEUE, { connection: queueConnection });
  let batchNo = 0;

  /**
   * Sends for `seconds` from every agent; `rate` (events/s over all agents) 0 = as fast as Vigil accepts them.
   * Ends when the queue is empty again, so "processed" counts every event through to storage.
   */
  async function phase(seconds: number, rate: number) {
    latencies.length = 0;
    let accepted = 0;
    let throttled = 0;
    const started = performance.now();
    const deadline = started + seconds * 1000;
    const batchIntervalMs = rate > 0 ? (BATCH * keys.length * 1000) / rate : 0;
    await Promise.all(
      keys.map(async (key, a) => {
        let next = performance.now() + (batchIntervalMs * a) / keys.length;
        while (performance.now() < deadline) {
          if (batchIntervalMs) {
            const wait = next - performance.now();
            if (wait > 0) await new Promise((r) => setTimeout(r, wait));
            next += batchIntervalMs;
          }
          const n = batchNo++;
          const host = `LAT-${a}-${n}`;
          const events: unknown[] = [attack(host)];
          for (let i = 1; i < BATCH; i++) events.push(benign(`bench-${a}`, n * BATCH + i));
          const body = JSON.stringify({ batchId: `bench-${a}-${n}`, events });
          sentAt.set(host, performance.now());
          const res = await fetch(`${url}/api/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });
          const out = (await res.json()) as { accepted?: number };
          if (res.status === 202) accepted += out.accepted ?? 0;
          else if (res.status === 429 || res.status === 503) {
            throttled++;
            await new Promise((r) => setTimeout(r, 200));
          }
        }
      }),
    );
    const sendSeconds = (performance.now() - started) / 1000;
    for (;;) {
      const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      if (!c.waiting && !c.active && !c.delayed && !c.prioritized) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const totalSeconds = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 300));
    const sorted = [...latencies].sort((x, y) => x - y);
    return { accepted, throttled, sendSeconds, totalSeconds, p50: percentile(sorted, 50), p99: percentile(sorted, 99), samples: sorted.length };
  }

  const flat = await phase(SECONDS, 0);
  const paced = await phase(Math.min(SECONDS, 10), PACED_RATE);
  await queue.close();
  queueConnection.disconnect();
  const rss = peakRssMb(child.pid!);
  socket.close();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await redis.stop();
  fs.rmSync(work, { recursive: true, force: true });

  const lines = [
    `Vigil bench: ${AGENTS} agents, batches of ${BATCH}, ${ruleCount} rules, ${os.cpus().length} cores`,
    `  flat out (${SECONDS} s of sending):`,
    `    accepted:   ${flat.accepted} events, ${(flat.accepted / flat.sendSeconds).toFixed(0)} events/s (${flat.throttled} answers were 429/503)`,
    `    processed:  ${flat.accepted} events in ${flat.totalSeconds.toFixed(1)} s, ${(flat.accepted / flat.totalSeconds).toFixed(0)} events/s`,
    `    event→console latency: p50 ${flat.p50.toFixed(0)} ms, p99 ${flat.p99.toFixed(0)} ms (${flat.samples} samples; includes queueing at saturation)`,
    `  paced at ${PACED_RATE} events/s:`,
    `    processed:  ${paced.accepted} events, ${(paced.accepted / paced.totalSeconds).toFixed(0)} events/s`,
    `    event→console latency: p50 ${paced.p50.toFixed(0)} ms, p99 ${paced.p99.toFixed(0)} ms (${paced.samples} samples)`,
    `  Vigil peak RSS: ${rss.toFixed(0)} MB`,
  ];
  console.log(lines.join('\n'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
