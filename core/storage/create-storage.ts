import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createMongoStorage } from './mongo/index.js';
import { createSqliteStorage } from './sqlite/index.js';
import type { Storage } from './storage.port.js';

export interface CreateStorageOptions {
  /** When set, MongoDB through mongoose; otherwise SQLite. */
  mongodbUri?: string | null;
  /** SQLite lives at `<dataDir>/vigil.sqlite`; the directory is created when missing. */
  dataDir: string;
}

export const SQLITE_FILE_NAME = 'vigil.sqlite';

/** The storage the configuration selects. Not connected yet: call connect(). */
export function createStorage(opts: CreateStorageOptions): Storage {
  if (opts.mongodbUri) return createMongoStorage({ uri: opts.mongodbUri });
  mkdirSync(opts.dataDir, { recursive: true });
  return createSqliteStorage({ file: path.join(opts.dataDir, SQLITE_FILE_NAME) });
}
