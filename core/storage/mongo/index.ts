import type { Storage } from '../storage.port.js';
import { createMongoAgencyStore } from './agencies.js';
import { createMongoAgentStore } from './agents.js';
import { createMongoAgentHealthStore } from './agent-health.js';
import { createMongoAuditStore } from './audit.js';
import { createMongoCommentStore } from './comments.js';
import { createMongoExceptionStore, createMongoRuleSettingStore } from './detection-settings.js';
import { MongoConnection } from './connection.js';
import { createMongoIncidentStore } from './incidents.js';
import { registerMongoConnection } from './registry.js';
import { createMongoReportAttachmentStore, createMongoReportNotificationStore, createMongoReportStore } from './reports.js';
import { createMongoSavedViewStore } from './saved-views.js';
import { createMongoStatusDefinitionStore } from './status-definitions.js';
import { createMongoStatsStore } from './stats.js';
import { createMongoUserStore } from './users.js';

export interface MongoStorageOptions {
  /** mongodb:// or mongodb+srv:// URI; the database is the one the URI names. */
  uri: string;
}

/**
 * mongoose on a dedicated connection: lean reads mapped to plain records, indexes created on connect(), duplicate
 * keys as ConflictError. See incidents.ts for where it is weaker than SQLite (no multi-document transaction).
 */
export function createMongoStorage(opts: MongoStorageOptions): Storage {
  const conn = new MongoConnection(opts.uri);
  const storage: Storage = {
    kind: 'mongo',
    connect: () => conn.open(),
    close: () => conn.close(),
    ping: () => conn.ping(),
    agencies: createMongoAgencyStore(conn),
    agents: createMongoAgentStore(conn),
    agentHealth: createMongoAgentHealthStore(conn),
    users: createMongoUserStore(conn),
    incidents: createMongoIncidentStore(conn),
    exceptions: createMongoExceptionStore(conn),
    ruleSettings: createMongoRuleSettingStore(conn),
    comments: createMongoCommentStore(conn),
    audit: createMongoAuditStore(conn),
    statusDefinitions: createMongoStatusDefinitionStore(conn),
    views: createMongoSavedViewStore(conn),
    stats: createMongoStatsStore(conn),
    reports: createMongoReportStore(conn),
    reportAttachments: createMongoReportAttachmentStore(conn),
    reportNotifications: createMongoReportNotificationStore(conn),
  };
  registerMongoConnection(storage, conn);
  return storage;
}
