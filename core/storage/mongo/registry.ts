/** Internal: which Mongo connection backs a Storage. Used by test-support.ts only; not part of the port. */
import type { Storage } from '../storage.port.js';
import type { MongoConnection } from './connection.js';

const connections = new WeakMap<Storage, MongoConnection>();

export function registerMongoConnection(storage: Storage, conn: MongoConnection): void {
  connections.set(storage, conn);
}

export function mongoConnectionOf(storage: Storage): MongoConnection {
  const conn = connections.get(storage);
  if (!conn) throw new Error('not a Mongo storage created by createMongoStorage');
  return conn;
}
