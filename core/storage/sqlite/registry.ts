/** Internal: which SQLite connection backs a Storage. Used by test-support.ts only; not part of the port. */
import type { Storage } from '../storage.port.js';
import type { SqliteConnection } from './connection.js';

const connections = new WeakMap<Storage, SqliteConnection>();

export function registerSqliteConnection(storage: Storage, conn: SqliteConnection): void {
  connections.set(storage, conn);
}

export function sqliteConnectionOf(storage: Storage): SqliteConnection {
  const conn = connections.get(storage);
  if (!conn) throw new Error('not a SQLite storage created by createSqliteStorage');
  return conn;
}
