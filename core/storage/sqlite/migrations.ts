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
  {
    version: 2,
    name: 'incident lifecycle',
    up(db) {
      db.exec(`
        -- Optional incident fields (NULL / 0 read as absent), see domain/types.ts Incident.
        ALTER TABLE incidents ADD COLUMN type TEXT;
        ALTER TABLE incidents ADD COLUMN custom_status TEXT;
        ALTER TABLE incidents ADD COLUMN merged_into TEXT;
        ALTER TABLE incidents ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
        -- KPIs select incidents by creation time.
        CREATE INDEX incidents_created ON incidents(created_at, id);

        CREATE TABLE incident_comments (
          id          TEXT PRIMARY KEY,
          incident_id TEXT NOT NULL REFERENCES incidents(id),
          author      TEXT NOT NULL,
          body        TEXT NOT NULL,
          at          TEXT NOT NULL,
          merged_from TEXT
        );
        CREATE INDEX incident_comments_incident ON incident_comments(incident_id, at);

        -- One row per link, a < b, so a link has one row whichever way it was made.
        CREATE TABLE incident_links (
          a          TEXT NOT NULL REFERENCES incidents(id),
          b          TEXT NOT NULL REFERENCES incidents(id),
          created_by TEXT NOT NULL,
          created_at TEXT NOT NULL,
          PRIMARY KEY (a, b),
          CHECK (a < b)
        );
        CREATE INDEX incident_links_b ON incident_links(b);

        CREATE TABLE audit_log (
          id          TEXT PRIMARY KEY,
          at          TEXT NOT NULL,
          actor       TEXT NOT NULL,
          action      TEXT NOT NULL,
          target_type TEXT NOT NULL,
          target      TEXT NOT NULL,
          details     TEXT NOT NULL
        );
        CREATE INDEX audit_log_at ON audit_log(at);
        CREATE INDEX audit_log_target ON audit_log(target, at);

        CREATE TABLE status_definitions (
          key        TEXT PRIMARY KEY,
          label      TEXT NOT NULL,
          stage      TEXT NOT NULL,
          created_by TEXT NOT NULL,
          created_at TEXT NOT NULL
        );
      `);
    },
  },
  {
    version: 3,
    name: 'statistics roll-ups',
    up(db) {
      db.exec(`
        -- Roll-ups re-read the incidents of a day (first_seen) and those changed since a watermark (updated_at).
        CREATE INDEX incidents_first_seen ON incidents(first_seen);
        CREATE INDEX incidents_updated ON incidents(updated_at, id);

        -- Counters per grain ('d' YYYY-MM-DD, 'm' YYYY-MM, 'y' YYYY) and period: see shared/stats-rules.ts.
        CREATE TABLE stats_counts (
          grain     TEXT NOT NULL,
          period    TEXT NOT NULL,
          agency_id TEXT NOT NULL,
          category  TEXT NOT NULL,
          severity  TEXT NOT NULL,
          n         INTEGER NOT NULL,
          PRIMARY KEY (grain, period, agency_id, category, severity)
        ) WITHOUT ROWID;
        CREATE TABLE stats_techniques (
          grain     TEXT NOT NULL,
          period    TEXT NOT NULL,
          agency_id TEXT NOT NULL,
          technique TEXT NOT NULL,
          n         INTEGER NOT NULL,
          PRIMARY KEY (grain, period, agency_id, technique)
        ) WITHOUT ROWID;
        -- Time-to-resolve histogram: bucket = floor(ln(1 + minutes) / ln(1.05)).
        CREATE TABLE stats_resolve (
          grain     TEXT NOT NULL,
          period    TEXT NOT NULL,
          agency_id TEXT NOT NULL,
          bucket    INTEGER NOT NULL,
          n         INTEGER NOT NULL,
          PRIMARY KEY (grain, period, agency_id, bucket)
        ) WITHOUT ROWID;
        -- What each counted incident adds to the counters (its day, dimensions, techniques JSON and resolve
        -- bucket), so a change is applied as the exact difference between what it added and what it adds now.
        CREATE TABLE stats_contributions (
          incident_id TEXT PRIMARY KEY,
          day         TEXT NOT NULL,
          agency_id   TEXT NOT NULL,
          category    TEXT NOT NULL,
          severity    TEXT NOT NULL,
          techniques  TEXT NOT NULL,
          bucket      INTEGER
        ) WITHOUT ROWID;
        -- watermark, refreshed_at, rebuilt_at.
        CREATE TABLE stats_state (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        );
      `);
    },
  },
  {
    version: 4,
    name: 'incident reports',
    up(db) {
      db.exec(`
        -- impact, indicators and incident_ids are JSON. Deadlines are columns so that the overdue filter, the
        -- late-first order and the on-time statistics are plain comparisons (report.ts ReportDeadlines).
        CREATE TABLE reports (
          id              TEXT PRIMARY KEY,
          agency_id       TEXT NOT NULL REFERENCES agencies(id),
          reporter        TEXT NOT NULL,
          reporter_id     TEXT NOT NULL,
          title           TEXT NOT NULL,
          category        TEXT NOT NULL,
          type            TEXT,
          description     TEXT NOT NULL,
          awareness_at    TEXT NOT NULL,
          occurred_at     TEXT,
          severity        TEXT NOT NULL,
          tlp             TEXT NOT NULL,
          impact          TEXT NOT NULL,
          indicators      TEXT NOT NULL,
          actions_taken   TEXT NOT NULL,
          incident_ids    TEXT NOT NULL,
          status          TEXT NOT NULL,
          last_stage      TEXT,
          version         INTEGER NOT NULL,
          revision        INTEGER NOT NULL,
          ew_due_at       TEXT NOT NULL,
          ew_at           TEXT,
          nt_due_at       TEXT NOT NULL,
          nt_at           TEXT,
          fn_due_at       TEXT NOT NULL,
          fn_at           TEXT,
          next_due_at     TEXT,
          submitted_at    TEXT,
          acknowledged_at TEXT,
          acknowledged_by TEXT,
          closed_at       TEXT,
          closed_by       TEXT,
          created_at      TEXT NOT NULL,
          updated_at      TEXT NOT NULL
        );
        CREATE INDEX reports_agency ON reports(agency_id, updated_at);
        CREATE INDEX reports_updated ON reports(updated_at, id);
        CREATE INDEX reports_next_due ON reports(next_due_at);
        CREATE INDEX reports_awareness ON reports(awareness_at);

        -- content is the whole ReportContent as JSON: versions are only ever read whole and never change.
        CREATE TABLE report_versions (
          report_id    TEXT NOT NULL REFERENCES reports(id),
          version      INTEGER NOT NULL,
          stage        TEXT NOT NULL,
          submitted_at TEXT NOT NULL,
          submitted_by TEXT NOT NULL,
          content      TEXT NOT NULL,
          PRIMARY KEY (report_id, version)
        );

        CREATE TABLE report_attachments (
          id           TEXT PRIMARY KEY,
          report_id    TEXT NOT NULL REFERENCES reports(id),
          filename     TEXT NOT NULL,
          content_type TEXT NOT NULL,
          size         INTEGER NOT NULL,
          sha256       TEXT NOT NULL,
          uploaded_by  TEXT NOT NULL,
          uploaded_at  TEXT NOT NULL
        );
        CREATE INDEX report_attachments_report ON report_attachments(report_id, uploaded_at);

        -- One warning per report, deadline, level and due time, whichever process raises it first.
        CREATE TABLE report_notifications (
          id         TEXT PRIMARY KEY,
          report_id  TEXT NOT NULL REFERENCES reports(id),
          agency_id  TEXT NOT NULL,
          deadline   TEXT NOT NULL,
          level      TEXT NOT NULL,
          due_at     TEXT NOT NULL,
          created_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX report_notifications_once ON report_notifications(report_id, deadline, level, due_at);
        CREATE INDEX report_notifications_agency ON report_notifications(agency_id, created_at);
        CREATE INDEX report_notifications_created ON report_notifications(created_at);
      `);
    },
  },
  {
    version: 5,
    name: 'agent health',
    up(db) {
      db.exec(`
        CREATE TABLE agent_health (
          agent_id        TEXT PRIMARY KEY REFERENCES agents(id),
          silence_minutes INTEGER,
          silent_since    TEXT,
          incident_id     TEXT,
          updated_at      TEXT NOT NULL
        );
      `);
    },
  },
  {
    version: 6,
    name: 'saved views and alert counts',
    up(db) {
      db.exec(`
        -- name_key is the lower-cased name: unique per owner. scope is the agency a shared view is visible in (NULL
        -- for national roles); owner_id has no foreign key, as the Mongo adapter could not enforce one either.
        CREATE TABLE saved_views (
          id         TEXT PRIMARY KEY,
          owner_id   TEXT NOT NULL,
          owner      TEXT NOT NULL,
          scope      TEXT,
          name       TEXT NOT NULL,
          name_key   TEXT NOT NULL,
          query      TEXT NOT NULL,
          shared     INTEGER NOT NULL,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX saved_views_owner_name ON saved_views(owner_id, name_key);
        CREATE INDEX saved_views_shared ON saved_views(shared, scope);

        -- The overview's top rules: alerts of the last day per rule, answered from the index alone.
        CREATE INDEX alerts_created ON alerts(created_at, agency_id, rule_id);
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
