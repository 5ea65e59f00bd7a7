import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from '../core/logging/logger.js';

export class RedisNotInstalledError extends Error {
  constructor(bin: string) {
    super(
      `Cannot start Redis: "${bin}" was not found on the PATH.\n` +
        `Install it with:  sudo apt-get install -y redis-server\n` +
        `or point Vigil at an existing server with REDIS_URL=redis://host:6379`,
    );
    this.name = 'RedisNotInstalledError';
  }
}

export interface EmbeddedRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function commandExists(bin: string): boolean {
  if (bin.includes('/')) return fs.existsSync(bin);
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .some((dir) => dir && fs.existsSync(path.join(dir, bin)));
}

/**
 * Starts a private redis-server for the embedded default: loopback only, a free port, and an append-only file
 * under `dir` so queued batches survive a restart. BullMQ needs `noeviction`: an evicted job is a lost event.
 */
export async function startEmbeddedRedis(opts: {
  dir: string;
  bin?: string;
  logger?: Logger;
  readyTimeoutMs?: number;
}): Promise<EmbeddedRedis> {
  const bin = opts.bin ?? 'redis-server';
  if (!commandExists(bin)) throw new RedisNotInstalledError(bin);
  fs.mkdirSync(opts.dir, { recursive: true });
  const port = await freePort();
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--protected-mode', 'yes',
    '--dir', opts.dir,
    '--appendonly', 'yes',
    '--appendfsync', 'everysec',
    '--save', '',
    '--maxmemory-policy', 'noeviction',
    '--daemonize', 'no',
    '--logfile', '',
  ];
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let exited = false;
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    if (output.length < 20_000) output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    if (output.length < 20_000) output += d.toString();
  });
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      opts.logger?.info({ code, signal }, 'embedded redis stopped');
      resolve();
    });
  });
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new RedisNotInstalledError(bin) : err),
    ),
  );

  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 15_000);
  const waitReady = (async () => {
    // Loading a large AOF can take a while; PING answers LOADING until it is done.
    for (;;) {
      if (exited) throw new Error(`redis-server exited during start-up:\n${output.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not become ready:\n${output.slice(-2000)}`);
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        if ((await probe.ping()) === 'PONG') return;
      } catch {
        // not up yet
      } finally {
        probe.disconnect();
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();

  try {
    await Promise.race([waitReady, spawnError]);
  } catch (err) {
    if (!exited) child.kill('SIGKILL');
    throw err;
  }
  opts.logger?.info({ port, dir: opts.dir }, 'embedded redis started');

  return {
    url,
    port,
    async stop() {
      if (exited) return;
      // SIGTERM makes redis flush the AOF before it exits.
      child.kill('SIGTERM');
      const timer = setTimeout(() => !exited && child.kill('SIGKILL'), 10_000);
      await exitPromise;
      clearTimeout(timer);
    },
  };
}
