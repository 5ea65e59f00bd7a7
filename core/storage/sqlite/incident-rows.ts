/** Incident, alert and timeline rows <-> domain records. */
import type {
  Alert,
  AlertEvent,
  Entities,
  Incident,
  IncidentStatus,
  Severity,
  TimelineEntry,
} from '../../domain/types.js';
import { withLifecycleFields } from '../shared/incident-changes.js';
import { parseJson } from './json.js';

export interface IncidentRow {
  id: string;
  title: string;
  severity: string;
  category: string;
  agency_id: string;
  status: string;
  assignee: string | null;
  group_key: string;
  rule_id: string;
  rule_ids: string;
  host: string | null;
  techniques: string;
  entities: string;
  alert_count: number;
  event_count: number;
  first_seen: string;
  last_seen: string;
  created_at: string;
  updated_at: string;
  /** Added by migration 2 (incident lifecycle); NULL / 0 read as absent. */
  type?: string | null;
  custom_status?: string | null;
  merged_into?: string | null;
  revision?: number | null;
}

export interface AlertRow {
  id: string;
  incident_id: string;
  rule_id: string;
  rule_title: string;
  level: string;
  agency_id: string;
  agent_id: string;
  host: string | null;
  event_count: number;
  event_ids: string;
  events: string;
  tags: string;
  rule_meta: string;
  first_event_at: string;
  last_event_at: string;
  created_at: string;
}

export interface TimelineRow {
  id: string;
  incident_id: string;
  at: string;
  actor: string;
  action: string;
  details: string;
}

export const toIncident = (r: IncidentRow): Incident =>
  withLifecycleFields(toBaseIncident(r), {
    type: r.type,
    customStatus: r.custom_status,
    mergedInto: r.merged_into,
    revision: r.revision,
  });

const toBaseIncident = (r: IncidentRow): Incident => ({
  id: r.id,
  title: r.title,
  severity: r.severity as Severity,
  category: r.category,
  agencyId: r.agency_id,
  status: r.status as IncidentStatus,
  assignee: r.assignee,
  groupKey: r.group_key,
  ruleId: r.rule_id,
  ruleIds: parseJson<string[]>(r.rule_ids),
  host: r.host,
  techniques: parseJson<string[]>(r.techniques),
  entities: parseJson<Entities>(r.entities),
  alertCount: r.alert_count,
  eventCount: r.event_count,
  firstSeen: r.first_seen,
  lastSeen: r.last_seen,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Column values in INCIDENT_COLUMNS order. */
export const incidentValues = (i: Incident): unknown[] => [
  i.id,
  i.title,
  i.severity,
  i.category,
  i.agencyId,
  i.status,
  i.assignee,
  i.groupKey,
  i.ruleId,
  JSON.stringify(i.ruleIds),
  i.host,
  JSON.stringify(i.techniques),
  JSON.stringify(i.entities),
  i.alertCount,
  i.eventCount,
  i.firstSeen,
  i.lastSeen,
  i.createdAt,
  i.updatedAt,
];

export const INCIDENT_COLUMNS = [
  'id',
  'title',
  'severity',
  'category',
  'agency_id',
  'status',
  'assignee',
  'group_key',
  'rule_id',
  'rule_ids',
  'host',
  'techniques',
  'entities',
  'alert_count',
  'event_count',
  'first_seen',
  'last_seen',
  'created_at',
  'updated_at',
] as const;

/** Rule provenance is kept as one JSON column: it is only ever read with the alert. */
function ruleMetaFromJson(json: string): Pick<Alert, 'ruleAuthor' | 'ruleReferences' | 'ruleFalsepositives'> {
  const m = parseJson<{ author?: string | null; references?: string[]; falsepositives?: string[] }>(json);
  return { ruleAuthor: m.author ?? null, ruleReferences: m.references ?? [], ruleFalsepositives: m.falsepositives ?? [] };
}

export const toAlert = (r: AlertRow): Alert => ({
  id: r.id,
  incidentId: r.incident_id,
  ruleId: r.rule_id,
  ruleTitle: r.rule_title,
  level: r.level as Severity,
  agencyId: r.agency_id,
  agentId: r.agent_id,
  host: r.host,
  eventCount: r.event_count,
  eventIds: parseJson<string[]>(r.event_ids),
  events: parseJson<AlertEvent[]>(r.events),
  tags: parseJson<string[]>(r.tags),
  ...ruleMetaFromJson(r.rule_meta),
  firstEventAt: r.first_event_at,
  lastEventAt: r.last_event_at,
  createdAt: r.created_at,
});

export const alertValues = (a: Alert): unknown[] => [
  a.id,
  a.incidentId,
  a.ruleId,
  a.ruleTitle,
  a.level,
  a.agencyId,
  a.agentId,
  a.host,
  a.eventCount,
  JSON.stringify(a.eventIds),
  JSON.stringify(a.events),
  JSON.stringify(a.tags),
  JSON.stringify({ author: a.ruleAuthor, references: a.ruleReferences, falsepositives: a.ruleFalsepositives }),
  a.firstEventAt,
  a.lastEventAt,
  a.createdAt,
];

export const ALERT_COLUMNS = [
  'id',
  'incident_id',
  'rule_id',
  'rule_title',
  'level',
  'agency_id',
  'agent_id',
  'host',
  'event_count',
  'event_ids',
  'events',
  'tags',
  'rule_meta',
  'first_event_at',
  'last_event_at',
  'created_at',
] as const;

export const toTimelineEntry = (r: TimelineRow): TimelineEntry => ({
  id: r.id,
  incidentId: r.incident_id,
  at: r.at,
  actor: r.actor,
  action: r.action,
  details: parseJson<Record<string, unknown>>(r.details),
});

export const insertSql = (table: string, columns: readonly string[]) =>
  `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
