/**
 * Versioned schema. Append a migration to add a table, column or index; never edit one that has shipped.
 * Each runs once, in its own transaction, recorded in `schema_migrations`.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    up(db) {
      db.exec(`
        CREATE TABLE agencies (
          id         TEXT PRIMARY KEY,
          name       TEXT NOT NULL,
          code       TEXT NOT NULL,
          created_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX agencies_code ON agencies(code);

        CREATE TABLE agents (
          id           TEXT PRIMARY KEY,
          agency_id    TEXT NOT NULL REFERENCES agencies(id),
          name         TEXT NOT NULL,
          key_prefix   TEXT NOT NULL,
          key_hash     TEXT NOT NULL,
          created_at   TEXT NOT NULL,
          revoked_at   TEXT,
          last_seen_at TEXT
        );
        CREATE UNIQUE INDEX agents_key_prefix ON agents(key_prefix);
        CREATE INDEX agents_agency ON agents(agency_id);

        -- username_key is the lower-cased username: usernames are unique and looked up case-insensitively.
        CREATE TABLE users (
          id            TEXT PRIMARY KEY,
          username      TEXT NOT NULL,
          username_key  TEXT NOT NULL,
          password_hash TEXT NOT NULL,
          role          TEXT NOT NULL,
          agency_id     TEXT REFERENCES agencies(id),
          created_at    TEXT NOT NULL,
          disabled      INTEGER NOT NULL DEFAULT 0
        );
        CREATE UNIQUE INDEX users_username_key ON users(username_key);

        -- rule_ids, techniques and entities are JSON. agency_id has no foreign key: it comes from an
        -- authenticated agent, and the Mongo adapter could not enforce one either.
        CREATE TABLE incidents (
          id          TEXT PRIMARY KEY,
          title       TEXT NOT NULL,
          severity    TEXT NOT NULL,
          category    TEXT NOT NULL,
          agency_id   TEXT NOT NULL,
          status      TEXT NOT NULL,
          assignee    TEXT,
          group_key   TEXT NOT NULL,
          rule_id     TEXT NOT NULL,
          rule_ids    TEXT NOT NULL,
          host        TEXT,
          techniques  TEXT NOT NULL,
          entities    TEXT NOT NULL,
          alert_count INTEGER NOT NULL,
          event_count INTEGER NOT NULL,
          first_seen  TEXT NOT NULL,
          last_seen   TEXT NOT NULL,
          created_at  TEXT NOT NULL,
          updated_at  TEXT NOT NULL
        );
        CREATE INDEX incidents_group ON incidents(group_key, status, last_seen);
        CREATE INDEX incidents_last_seen ON incidents(last_seen, id);
        CREATE INDEX incidents_agency ON incidents(agency_id, last_seen);

        CREATE TABLE alerts (
          id             TEXT PRIMARY KEY,
          incident_id    TEXT NOT NULL REFERENCES incidents(id),
          rule_id        TEXT NOT NULL,
          rule_title     TEXT NOT NULL,
          level          TEXT NOT NULL,
          agency_id      TEXT NOT NULL,
          agent_id       TEXT NOT NULL,
          host           TEXT,
          event_count    INTEGER NOT NULL,
          event_ids      TEXT NOT NULL,
          events         TEXT NOT NULL,
          tags           TEXT NOT NULL,
          rule_meta      TEXT NOT NULL,
          first_event_at TEXT NOT NULL,
          last_event_at  TEXT NOT NULL,
          created_at     TEXT NOT NULL
        );
        CREATE INDEX alerts_incident ON alerts(incident_id, created_at);

        CREATE TABLE incident_timeline (
          id          TEXT PRIMARY KEY,
          incident_id TEXT NOT NULL REFERENCES incidents(id),
          at          TEXT NOT NULL,
          actor       TEXT NOT NULL,
          action      TEXT NOT NULL,
          details     TEXT NOT NULL
        );
        CREATE INDEX incident_timeline_incident ON incident_timeline(incident_id, at);

        -- body is the whole exception as JSON: it is only ever read whole, and its shape is validated on the way in.
        CREATE TABLE detection_exceptions (
          id         TEXT PRIMARY KEY,
          rule_id    TEXT NOT NULL,
          body       TEXT NOT NULL,
          created_at TEXT NOT NULL
        );
        CREATE INDEX detection_exceptions_created ON detection_exceptions(created_at, id);

        CREATE TABLE rule_settings (
          rule_id    TEXT PRIMARY KEY,
          enabled    INTEGER NOT NULL,
          updated_by TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
      `);
    },
  },
];

/** Applies the pending migrations. IMMEDIATE, so two processes opening one file do not both migrate. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const run = db.transaction(() => {
    const done = new Set(
      (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
    );
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      m.up(db);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
      applied.push(m.version);
    }
    return applied;
  });
  return run.immediate();
}
