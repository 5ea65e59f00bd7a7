/**
 * Mongoose schemas and models, registered on a dedicated connection (never the global mongoose). Ids are UUID
 * strings in `_id`; times are ISO strings; indexes mirror the SQLite schema (sqlite/migrations.ts).
 */
import { Schema, type Connection, type Model } from 'mongoose';
import { registerReportModels, type ReportModels } from './report-models.js';
import { registerStatsModels, type StatsModels } from './stats-models.js';
import type { AlertEvent, Entities, IncidentStatus, Role, Severity } from '../../domain/types.js';

export interface AgencyDoc {
  _id: string;
  name: string;
  code: string;
  createdAt: string;
}

export interface AgentDoc {
  _id: string;
  agencyId: string;
  name: string;
  keyPrefix: string;
  keyHash: string;
  createdAt: string;
  revokedAt: string | null;
  lastSeenAt: string | null;
}

export interface UserDoc {
  _id: string;
  username: string;
  /** username.toLowerCase(): unique, and what findByUsername looks up. */
  usernameKey: string;
  passwordHash: string;
  role: Role;
  agencyId: string | null;
  createdAt: string;
  disabled: boolean;
}

export interface IncidentDoc {
  _id: string;
  title: string;
  severity: Severity;
  /** SEVERITIES.indexOf(severity), so a join can raise it with $max. */
  severityRank: number;
  category: string;
  agencyId: string;
  status: IncidentStatus;
  assignee: string | null;
  groupKey: string;
  ruleId: string;
  ruleIds: string[];
  host: string | null;
  techniques: string[];
  entities: Entities;
  alertCount: number;
  eventCount: number;
  firstSeen: string;
  lastSeen: string;
  createdAt: string;
  updatedAt: string;
  /** Lifecycle fields (absent on older documents; null / 0 read as absent). */
  type?: string | null;
  customStatus?: string | null;
  mergedInto?: string | null;
  revision?: number;
}

export interface AlertDoc {
  _id: string;
  /** Null while the alert is being applied (see incidents.ts recordAlert). */
  incidentId: string | null;
  /** Epoch ms at which a writer claimed a pending alert; unset once applied. */
  claimedAt?: number | null;
  /** Insertion order among alerts with the same createdAt (an ObjectId hex string). */
  seq: string;
  ruleId: string;
  ruleTitle: string;
  level: Severity;
  agencyId: string;
  agentId: string;
  host: string | null;
  eventCount: number;
  eventIds: string[];
  events: AlertEvent[];
  tags: string[];
  ruleAuthor: string | null;
  ruleReferences: string[];
  ruleFalsepositives: string[];
  firstEventAt: string;
  lastEventAt: string;
  createdAt: string;
}

export interface TimelineDoc {
  _id: string;
  incidentId: string;
  at: string;
  /** Insertion order among entries with the same `at` (an ObjectId hex string). */
  seq: string;
  actor: string;
  action: string;
  details: Record<string, unknown>;
}

// minimize: false keeps empty objects ({} details, {} event fields); versionKey: false drops __v.
const options = { versionKey: false, minimize: false, timestamps: false, strict: true } as const;
const str = { type: String, required: true } as const;
const nullableStr = { type: String, default: null } as const;

const agencySchema = new Schema<AgencyDoc>(
  { _id: str, name: str, code: str, createdAt: str },
  { ...options, collection: 'agencies' },
);
agencySchema.index({ code: 1 }, { unique: true });

const agentSchema = new Schema<AgentDoc>(
  {
    _id: str,
    agencyId: str,
    name: str,
    keyPrefix: str,
    keyHash: str,
    createdAt: str,
    revokedAt: nullableStr,
    lastSeenAt: nullableStr,
  },
  { ...options, collection: 'agents' },
);
agentSchema.index({ keyPrefix: 1 }, { unique: true });
agentSchema.index({ agencyId: 1 });

const userSchema = new Schema<UserDoc>(
  {
    _id: str,
    username: str,
    usernameKey: str,
    passwordHash: str,
    role: str,
    agencyId: nullableStr,
    createdAt: str,
    disabled: { type: Boolean, default: false },
  },
  { ...options, collection: 'users' },
);
userSchema.index({ usernameKey: 1 }, { unique: true });

const incidentSchema = new Schema<IncidentDoc>(
  {
    _id: str,
    title: str,
    severity: str,
    severityRank: { type: Number, required: true },
    category: str,
    agencyId: str,
    status: str,
    assignee: nullableStr,
    groupKey: str,
    ruleId: str,
    ruleIds: { type: [String], default: [] },
    host: nullableStr,
    techniques: { type: [String], default: [] },
    entities: {
      hosts: { type: [String], default: [] },
      users: { type: [String], default: [] },
      ips: { type: [String], default: [] },
      // Optional kinds: no default, so documents without them stay without them.
      hashes: { type: [String], default: undefined },
      domains: { type: [String], default: undefined },
    },
    alertCount: { type: Number, required: true },
    eventCount: { type: Number, required: true },
    firstSeen: str,
    lastSeen: str,
    createdAt: str,
    updatedAt: str,
    type: { type: String, default: null },
    customStatus: nullableStr,
    mergedInto: nullableStr,
    revision: { type: Number, default: 0 },
  },
  { ...options, collection: 'incidents' },
);
incidentSchema.index({ createdAt: 1, _id: 1 });
incidentSchema.index({ groupKey: 1, status: 1, lastSeen: 1 });
incidentSchema.index({ lastSeen: -1, _id: -1 });
incidentSchema.index({ agencyId: 1, lastSeen: -1 });
// Statistics roll-ups re-read the incidents of a day and those changed since a watermark (mongo/stats.ts).
incidentSchema.index({ firstSeen: 1 });
incidentSchema.index({ updatedAt: 1, _id: 1 });

const alertSchema = new Schema<AlertDoc>(
  {
    _id: str,
    incidentId: nullableStr,
    claimedAt: { type: Number, default: null },
    seq: str,
    ruleId: str,
    ruleTitle: str,
    level: str,
    agencyId: str,
    agentId: str,
    host: nullableStr,
    eventCount: { type: Number, required: true },
    eventIds: { type: [String], default: [] },
    events: { type: Schema.Types.Mixed, default: () => [] },
    tags: { type: [String], default: [] },
    ruleAuthor: nullableStr,
    ruleReferences: { type: [String], default: [] },
    ruleFalsepositives: { type: [String], default: [] },
    firstEventAt: str,
    lastEventAt: str,
    createdAt: str,
  },
  { ...options, collection: 'alerts' },
);
alertSchema.index({ incidentId: 1, createdAt: 1, seq: 1 });
// The overview's top rules: alerts of the last day (incident-queries.ts alertCountsByRulePipeline).
alertSchema.index({ createdAt: 1, agencyId: 1 });

const timelineSchema = new Schema<TimelineDoc>(
  {
    _id: str,
    incidentId: str,
    at: str,
    seq: str,
    actor: str,
    action: str,
    details: { type: Schema.Types.Mixed, default: () => ({}) },
  },
  { ...options, collection: 'incident_timeline' },
);
timelineSchema.index({ incidentId: 1, at: 1, seq: 1 });

export interface ExceptionDoc {
  _id: string;
  ruleId: string;
  agencyId?: string;
  host?: string;
  user?: string;
  fields?: Record<string, string | number | boolean>;
  comment: string;
  createdBy: string;
  createdAt: string;
  expiresAt?: string | null;
}

export interface RuleSettingDoc {
  _id: string;
  enabled: boolean;
  updatedBy: string;
  updatedAt: string;
}

const exceptionSchema = new Schema<ExceptionDoc>(
  {
    _id: str,
    ruleId: str,
    agencyId: { type: String },
    host: { type: String },
    user: { type: String },
    fields: { type: Schema.Types.Mixed },
    comment: str,
    createdBy: str,
    createdAt: str,
    expiresAt: { type: String, default: null },
  },
  { ...options, collection: 'detection_exceptions' },
);
exceptionSchema.index({ createdAt: 1, _id: 1 });

const ruleSettingSchema = new Schema<RuleSettingDoc>(
  { _id: str, enabled: { type: Boolean, required: true }, updatedBy: str, updatedAt: str },
  { ...options, collection: 'rule_settings' },
);

export interface CommentDoc {
  _id: string;
  incidentId: string;
  author: string;
  body: string;
  at: string;
  /** Insertion order among comments with the same `at` (an ObjectId hex string). */
  seq: string;
  mergedFrom: string | null;
}

/** One per linked pair: `_id` is `a|b` with a < b. */
export interface LinkDoc {
  _id: string;
  a: string;
  b: string;
  createdBy: string;
  createdAt: string;
}

export interface AuditDoc {
  _id: string;
  at: string;
  /** Insertion order among entries with the same `at` (an ObjectId hex string). */
  seq: string;
  actor: string;
  action: string;
  targetType: string;
  target: string;
  details: Record<string, unknown>;
}

/** `_id` is the status key. */
export interface StatusDefinitionDoc {
  _id: string;
  label: string;
  stage: IncidentStatus;
  createdBy: string;
  createdAt: string;
}

const commentSchema = new Schema<CommentDoc>(
  { _id: str, incidentId: str, author: str, body: str, at: str, seq: str, mergedFrom: nullableStr },
  { ...options, collection: 'incident_comments' },
);
commentSchema.index({ incidentId: 1, at: 1, seq: 1 });

const linkSchema = new Schema<LinkDoc>(
  { _id: str, a: str, b: str, createdBy: str, createdAt: str },
  { ...options, collection: 'incident_links' },
);
linkSchema.index({ a: 1 });
linkSchema.index({ b: 1 });

const auditSchema = new Schema<AuditDoc>(
  {
    _id: str,
    at: str,
    seq: str,
    actor: str,
    action: str,
    targetType: str,
    target: str,
    details: { type: Schema.Types.Mixed, default: () => ({}) },
  },
  { ...options, collection: 'audit_log' },
);
auditSchema.index({ at: -1, seq: -1 });
auditSchema.index({ target: 1, at: -1, seq: -1 });

const statusDefinitionSchema = new Schema<StatusDefinitionDoc>(
  { _id: str, label: str, stage: str, createdBy: str, createdAt: str },
  { ...options, collection: 'status_definitions' },
);

/** Report models: report-models.ts. */
export interface AgentHealthDoc {
  _id: string;
  silenceMinutes: number | null;
  silentSince: string | null;
  incidentId: string | null;
  updatedAt: string;
}

const agentHealthSchema = new Schema<AgentHealthDoc>(
  {
    _id: str,
    silenceMinutes: { type: Number, default: null },
    silentSince: nullableStr,
    incidentId: nullableStr,
    updatedAt: str,
  },
  { ...options, collection: 'agent_health' },
);

/** A saved incident-list view; nameKey is name.toLowerCase(), unique per owner. */
export interface SavedViewDoc {
  _id: string;
  ownerId: string;
  owner: string;
  scope: string | null;
  name: string;
  nameKey: string;
  query: string;
  shared: boolean;
  createdAt: string;
  updatedAt: string;
}

const savedViewSchema = new Schema<SavedViewDoc>(
  {
    _id: str,
    ownerId: str,
    owner: str,
    scope: nullableStr,
    name: str,
    nameKey: str,
    // Not `required`: mongoose would refuse '' (a view of the whole list).
    query: { type: String, default: '' },
    shared: { type: Boolean, required: true },
    createdAt: str,
    updatedAt: str,
  },
  { ...options, collection: 'saved_views' },
);
savedViewSchema.index({ ownerId: 1, nameKey: 1 }, { unique: true });
savedViewSchema.index({ shared: 1, scope: 1 });

export interface MongoModels extends ReportModels, StatsModels {
  Agency: Model<AgencyDoc>;
  Agent: Model<AgentDoc>;
  User: Model<UserDoc>;
  Incident: Model<IncidentDoc>;
  Alert: Model<AlertDoc>;
  Timeline: Model<TimelineDoc>;
  Exception: Model<ExceptionDoc>;
  RuleSetting: Model<RuleSettingDoc>;
  AgentHealth: Model<AgentHealthDoc>;
  Comment: Model<CommentDoc>;
  Link: Model<LinkDoc>;
  Audit: Model<AuditDoc>;
  StatusDefinition: Model<StatusDefinitionDoc>;
  SavedView: Model<SavedViewDoc>;
}

export function registerModels(conn: Connection): MongoModels {
  return {
    ...registerReportModels(conn),
    ...registerStatsModels(conn),
    Agency: conn.model<AgencyDoc>('Agency', agencySchema),
    Agent: conn.model<AgentDoc>('Agent', agentSchema),
    User: conn.model<UserDoc>('User', userSchema),
    Incident: conn.model<IncidentDoc>('Incident', incidentSchema),
    Alert: conn.model<AlertDoc>('Alert', alertSchema),
    Timeline: conn.model<TimelineDoc>('IncidentTimeline', timelineSchema),
    Exception: conn.model<ExceptionDoc>('DetectionException', exceptionSchema),
    RuleSetting: conn.model<RuleSettingDoc>('RuleSetting', ruleSettingSchema),
    AgentHealth: conn.model<AgentHealthDoc>('AgentHealth', agentHealthSchema),
    Comment: conn.model<CommentDoc>('IncidentComment', commentSchema),
    Link: conn.model<LinkDoc>('IncidentLink', linkSchema),
    Audit: conn.model<AuditDoc>('AuditEntry', auditSchema),
    StatusDefinition: conn.model<StatusDefinitionDoc>('StatusDefinition', statusDefinitionSchema),
    SavedView: conn.model<SavedViewDoc>('SavedView', savedViewSchema),
  };
}
