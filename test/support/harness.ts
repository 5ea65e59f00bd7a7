import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../core/config/config.js';
import { createLogger } from '../../core/logging/logger.js';
import { startVigil, type VigilHandle } from '../../server/vigil.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../workers/redis-launcher.js';

export const ADMIN_PASSWORD = 'test-admin-password-1';
export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

const tempDirs: string[] = [];
process.once('exit', () => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory under the OS temp dir, removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `vigil-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}

/** A real redis-server of our own for a test file; stopped in `after`. */
export async function startTestRedis(): Promise<EmbeddedRedis> {
  return startEmbeddedRedis({ dir: tempDir('redis') });
}

/** Vigil in this process, on port 0, with a fresh SQLite file unless a data dir is given. */
export async function startTestVigil(env: Record<string, string> = {}): Promise<VigilHandle & { dataDir: string }> {
  const dataDir = env.DATA_DIR ?? tempDir('data');
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    RULES_DIR: path.join(REPO_ROOT, 'rules'),
    VIGIL_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...env,
  });
  const vigil = await startVigil(config, createLogger(config.logLevel));
  return Object.assign(vigil, { dataDir });
}

// `any` by default: tests read response bodies field by field and assert each value, so a type adds nothing.
export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A real HTTP client that keeps the session cookie like a browser would. */
export class ApiClient {
  cookie = '';
  constructor(readonly baseUrl: string) {}

  async request<T = any>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonResponse<T>> {
    const init: RequestInit = { method, headers: { ...headers } };
    if (this.cookie) (init.headers as Record<string, string>).cookie = this.cookie;
    if (body !== undefined) {
      if (typeof body === 'string' || Buffer.isBuffer(body)) init.body = body as string;
      else {
        init.body = JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] = 'application/json';
      }
    }
    const res = await fetch(this.baseUrl + url, init);
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON; keep the text
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  get<T = any>(url: string) {
    return this.request<T>('GET', url);
  }
  post<T = any>(url: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('POST', url, body, headers);
  }

  async login(username: string, password: string): Promise<void> {
    const r = await this.post('/api/v1/auth/login', { username, password });
    if (r.status !== 200) throw new Error(`login failed: ${r.status} ${JSON.stringify(r.body)}`);
  }
}

/** Logs in as admin and creates an agency with one agent; returns the agent key. */
export async function provisionAgent(baseUrl: string, code = 'MOF'): Promise<{ admin: ApiClient; agencyId: string; agentId: string; key: string }> {
  const admin = new ApiClient(baseUrl);
  await admin.login('admin', ADMIN_PASSWORD);
  const agency = await admin.post('/api/v1/agencies', { name: `Agency ${code}`, code });
  if (agency.status !== 201) throw new Error(`agency: ${agency.status} ${JSON.stringify(agency.body)}`);
  const agent = await admin.post('/api/v1/agents', { agencyId: agency.body.id, name: `${code}-sensor-1` });
  if (agent.status !== 201) throw new Error(`agent: ${agent.status} ${JSON.stringify(agent.body)}`);
  return { admin, agencyId: agency.body.id, agentId: agent.body.id, key: agent.body.key };
}

export async function postEvents(baseUrl: string, key: string, body: unknown, headers: Record<string, string> = {}) {
  const client = new ApiClient(baseUrl);
  return client.post('/api/v1/events', body, { authorization: `Bearer ${key}`, ...headers });
}

/** Polls until `fn` returns a truthy value or the time is up (then throws with the last value seen). */
export async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    last = await fn();
    if (last) return last as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A Windows process-creation event that the starter ransomware rule matches. */
export function shadowCopyDeletion(host: string, time = new Date().toISOString()) {
  return {
    time,
    host,
    logsource: { product: 'windows', category: 'process_creation' },
    fields: {
      Image: 'C:\\Windows\\System32\\vssadmin.exe',
      CommandLine: 'vssadmin.exe delete shadows /all /quiet',
      ParentImage: 'C:\\Windows\\System32\\cmd.exe',
      User: 'CORP\\svc-backup',
    },
  };
}

export function benignProcess(host: string, time = new Date().toISOString()) {
  return {
    time,
    host,
    logsource: { product: 'windows', category: 'process_creation' },
    fields: {
      Image: 'C:\\Windows\\System32\\notepad.exe',
      CommandLine: 'notepad.exe C:\\Users\\an\\todo.txt',
      ParentImage: 'C:\\Windows\\explorer.exe',
      User: 'CORP\\an',
    },
  };
}

export type TestVigil = Awaited<ReturnType<typeof startTestVigil>>;

/**
 * The usual setup of an end-to-end test file, as mocha hooks: its own Redis, Vigil, and an agency with one agent.
 * `env` is read when the hooks run, so it may use values prepared in an earlier `before`; `beforeClose` runs
 * while Redis is still up (e.g. to stop worker processes of the test).
 */
export function useVigil(env: () => Record<string, string> = () => ({}), hooks: { beforeClose?: () => Promise<void> } = {}) {
  const ctx = {} as { redis: EmbeddedRedis; vigil: TestVigil; admin: ApiClient; agencyId: string; agentId: string; key: string };
  before(async () => {
    ctx.redis = await startTestRedis();
    ctx.vigil = await startTestVigil({ REDIS_URL: ctx.redis.url, ...env() });
    Object.assign(ctx, await provisionAgent(ctx.vigil.url));
  });
  after(async () => {
    await hooks.beforeClose?.();
    await ctx.vigil?.close();
    await ctx.redis?.stop();
  });
  return ctx;
}
