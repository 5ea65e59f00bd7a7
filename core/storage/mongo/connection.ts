import mongoose, { type Connection } from 'mongoose';
import { registerModels, type MongoModels } from './models.js';

/** A dedicated mongoose connection (never the global one) and the models registered on it. */
export class MongoConnection {
  #conn: Connection | null = null;
  #models: MongoModels | null = null;

  constructor(readonly uri: string) {}

  get connected(): boolean {
    return this.#conn !== null;
  }

  /** Throws when the storage is not connected. */
  get models(): MongoModels {
    if (!this.#models) throw new Error('Mongo storage is not connected: call connect() first');
    return this.#models;
  }

  get connection(): Connection {
    if (!this.#conn) throw new Error('Mongo storage is not connected: call connect() first');
    return this.#conn;
  }

  async open(): Promise<void> {
    if (this.#conn) return;
    // autoIndex off: indexes are created (and awaited) here, once, instead of in the background.
    const conn = mongoose.createConnection(this.uri, {
      autoIndex: false,
      autoCreate: true,
      serverSelectionTimeoutMS: 10_000,
    });
    try {
      await conn.asPromise();
      const models = registerModels(conn);
      for (const model of Object.values(models) as MongoModels[keyof MongoModels][]) {
        await model.init(); // creates the collection (autoCreate); autoIndex is off
        await model.createIndexes();
      }
      this.#conn = conn;
      this.#models = models;
    } catch (err) {
      await conn.close().catch(() => undefined);
      throw err;
    }
  }

  async close(): Promise<void> {
    const conn = this.#conn;
    this.#conn = null;
    this.#models = null;
    if (conn) await conn.close();
  }

  async ping(): Promise<boolean> {
    try {
      const db = this.#conn?.db;
      if (!db) return false;
      const res = await db.command({ ping: 1 });
      return res.ok === 1;
    } catch {
      return false;
    }
  }
}
