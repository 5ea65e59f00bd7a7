import type { Storage } from '../storage.port.js';
import { createSqliteAgencyStore } from './agencies.js';
import { createSqliteAgentStore } from './agents.js';
import { createSqliteAgentHealthStore } from './agent-health.js';
import { createSqliteAuditStore } from './audit.js';
import { createSqliteCommentStore } from './comments.js';
import { createSqliteExceptionStore, createSqliteRuleSettingStore } from './detection-settings.js';
import { SqliteConnection } from './connection.js';
import { createSqliteIncidentStore } from './incidents.js';
import { registerSqliteConnection } from './registry.js';
import { createSqliteReportAttachmentStore, createSqliteReportNotificationStore, createSqliteReportStore } from './reports.js';
import { createSqliteSavedViewStore } from './saved-views.js';
import { createSqliteStatusDefinitionStore } from './status-definitions.js';
import { createSqliteStatsStore } from './stats.js';
import { createSqliteUserStore } from './users.js';

export interface SqliteStorageOptions {
  /** Path of the database file (created when missing; its directory must exist). */
  file: string;
}

/**
 * better-sqlite3 on one local file: WAL journal, synchronous=NORMAL, foreign keys on, a 5 s busy timeout, and the
 * schema migrated on connect(). Statements are prepared once per connection. connect() after close() reopens.
 */
export function createSqliteStorage(opts: SqliteStorageOptions): Storage {
  const conn = new SqliteConnection(opts.file);
  const storage: Storage = {
    kind: 'sqlite',
    async connect() {
      conn.open();
    },
    async close() {
      conn.close();
    },
    async ping() {
      try {
        if (!conn.connected) return false;
        return (conn.stmt('SELECT 1 AS ok').get() as { ok: number } | undefined)?.ok === 1;
      } catch {
        return false;
      }
    },
    agencies: createSqliteAgencyStore(conn),
    agents: createSqliteAgentStore(conn),
    agentHealth: createSqliteAgentHealthStore(conn),
    users: createSqliteUserStore(conn),
    incidents: createSqliteIncidentStore(conn),
    exceptions: createSqliteExceptionStore(conn),
    ruleSettings: createSqliteRuleSettingStore(conn),
    comments: createSqliteCommentStore(conn),
    audit: createSqliteAuditStore(conn),
    statusDefinitions: createSqliteStatusDefinitionStore(conn),
    views: createSqliteSavedViewStore(conn),
    stats: createSqliteStatsStore(conn),
    reports: createSqliteReportStore(conn),
    reportAttachments: createSqliteReportAttachmentStore(conn),
    reportNotifications: createSqliteReportNotificationStore(conn),
  };
  registerSqliteConnection(storage, conn);
  return storage;
}
