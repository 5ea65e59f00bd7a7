/** Plain domain records shared by every layer. Storage adapters return exactly these shapes. */

export const ROLES = ['admin', 'analyst', 'agency_admin', 'leadership'] as const;
export type Role = (typeof ROLES)[number];

/** Sigma levels double as incident severities. */
export const SEVERITIES = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const INCIDENT_STATUSES = [
  'new',
  'triaged',
  'investigating',
  'contained',
  'resolved',
  'false_positive',
  'closed',
] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
/** Statuses in which an incident still accepts new alerts of its group. */
export const OPEN_STATUSES: readonly IncidentStatus[] = ['new', 'triaged', 'investigating', 'contained'];

export interface Agency {
  id: string;
  name: string;
  code: string;
  createdAt: string;
}

export interface Agent {
  id: string;
  agencyId: string;
  name: string;
  /** Public, non-secret part of the key: lets ingest find the agent without scanning every hash. */
  keyPrefix: string;
  /** scrypt hash of the whole key; the key itself is never stored. */
  keyHash: string;
  createdAt: string;
  revokedAt: string | null;
  lastSeenAt: string | null;
}

export interface User {
  id: string;
  username: string;
  passwordHash: string;
  role: Role;
  agencyId: string | null;
  createdAt: string;
  disabled: boolean;
}

export interface Entities {
  hosts: string[];
  users: string[];
  ips: string[];
  /** File hashes (MD5, SHA-1, SHA-256), lower-case hex. Absent when there are none (older records never have them). */
  hashes?: string[];
  /** Domain names, lower-case. Absent when there are none. */
  domains?: string[];
}

/** The fields of one triggering event kept with an alert so analysts can read them without the raw log. */
export interface AlertEvent {
  id: string;
  time: string;
  host: string | null;
  logsource: { product?: string; category?: string; service?: string };
  fields: Record<string, unknown>;
}

export interface Alert {
  id: string;
  incidentId: string;
  ruleId: string;
  ruleTitle: string;
  level: Severity;
  agencyId: string;
  agentId: string;
  host: string | null;
  /** Number of events this alert stands for (one alert per rule and group per batch). */
  eventCount: number;
  eventIds: string[];
  /** Up to a handful of the triggering events, for display. */
  events: AlertEvent[];
  tags: string[];
  /** Provenance of the rule as it was when the alert was raised (the Detection Rule License asks to keep the author). */
  ruleAuthor: string | null;
  ruleReferences: string[];
  ruleFalsepositives: string[];
  firstEventAt: string;
  lastEventAt: string;
  createdAt: string;
}

export interface Incident {
  id: string;
  title: string;
  severity: Severity;
  category: string;
  agencyId: string;
  status: IncidentStatus;
  assignee: string | null;
  /** Suppression key: alerts with the same key inside the window join this incident. */
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
  /** ENISA RSIT incident type within `category` (e.g. `phishing` in `fraud`). Absent until someone sets it. */
  type?: string;
  /**
   * The admin-defined status (a StatusDefinition key) the incident is in; `status` then holds its stage, so every
   * filter, count and transition sees the stage. Absent while the incident is in a built-in status.
   */
  customStatus?: string;
  /** Set once the incident was merged into another one (it is then `closed`). */
  mergedInto?: string;
  /**
   * Counts the changes people made (PATCH, merge): the optimistic concurrency token. Alerts joining the incident
   * do not move it. Absent means 0.
   */
  revision?: number;
}

export interface TimelineEntry {
  id: string;
  incidentId: string;
  at: string;
  actor: string;
  action: string;
  details: Record<string, unknown>;
}

/*
 * Incident lifecycle (added with the lifecycle routes). Everything below is additive: records written before it
 * existed read back unchanged, and the optional Incident/Entities fields are present only when set.
 */

/** Built-in statuses double as the stages admin-defined statuses map onto. */
export const INCIDENT_STAGES = INCIDENT_STATUSES;
export type IncidentStage = IncidentStatus;

/** An admin-defined status, e.g. `{ key: 'awaiting_vendor', label: 'Awaiting vendor', stage: 'investigating' }`. */
export interface StatusDefinition {
  key: string;
  label: string;
  stage: IncidentStage;
  createdBy: string;
  createdAt: string;
}

export interface IncidentComment {
  id: string;
  incidentId: string;
  author: string;
  body: string;
  at: string;
  /** Set on a comment that came with an incident merged into this one: that incident's id. */
  mergedFrom?: string;
}

/** One line of the audit log: who did what to which record, and when. */
export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  /** Dotted verb, e.g. `incident.status_changed`, `incident.merged`, `status_definition.created`. */
  action: string;
  /** Kind of record the target id names: `incident`, `status_definition`. */
  targetType: string;
  target: string;
  details: Record<string, unknown>;
}

/**
 * A saved incident-list view ("my open criticals"): the list's filters as its URL query string. Owned by one
 * person; a shared view is visible to everyone in the owner's scope (see core/services/saved-views.ts).
 */
export interface SavedView {
  id: string;
  /** 1..80 characters, trimmed; unique per owner ignoring case. */
  name: string;
  /** The incident-list query string, e.g. `status=new,triaged&severity=critical&assignee=me` (no leading `?`). */
  query: string;
  shared: boolean;
  /** Username of the owner. */
  owner: string;
  ownerId: string;
  /**
   * Who a shared view is visible to: the agency of an agency-admin owner, null for national roles (admin, analyst,
   * leadership). Fixed when the view is created.
   */
  scope: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A saved view as the API shows it: who may see it is the server's business, not the console's. */
export type PublicSavedView = Pick<SavedView, 'id' | 'name' | 'query' | 'shared' | 'owner' | 'createdAt' | 'updatedAt'>;
