import Database from 'better-sqlite3';
import { migrate } from './migrations.js';

/**
 * One open better-sqlite3 database plus its prepared statements, each prepared once (keyed by SQL text,
 * so the few dynamic list/summary queries are cached per filter shape too).
 */
export interface SqliteHandle {
  /** Throws when the storage is not connected. */
  readonly db: Database.Database;
  stmt(sql: string): Database.Statement;
  /** `db.transaction(fn)`, created once per connection under `key`. */
  tx<F extends (...args: never[]) => unknown>(key: string, fn: F): Database.Transaction<F>;
}

export class SqliteConnection implements SqliteHandle {
  #db: Database.Database | null = null;
  #stmts = new Map<string, Database.Statement>();
  #txs = new Map<string, unknown>();

  constructor(readonly file: string) {}

  get connected(): boolean {
    return this.#db !== null;
  }

  get db(): Database.Database {
    if (!this.#db) throw new Error('SQLite storage is not connected: call connect() first');
    return this.#db;
  }

  open(): void {
    if (this.#db) return;
    const db = new Database(this.file, { timeout: 5000 });
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      migrate(db);
    } catch (err) {
      db.close();
      throw err;
    }
    this.#db = db;
  }

  close(): void {
    const db = this.#db;
    this.#db = null;
    this.#stmts.clear();
    this.#txs.clear();
    if (db?.open) db.close();
  }

  stmt(sql: string): Database.Statement {
    let s = this.#stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.#stmts.set(sql, s);
    }
    return s;
  }

  tx<F extends (...args: never[]) => unknown>(key: string, fn: F): Database.Transaction<F> {
    let t = this.#txs.get(key) as Database.Transaction<F> | undefined;
    if (!t) {
      t = this.db.transaction(fn);
      this.#txs.set(key, t);
    }
    return t;
  }
}
