/** The server's JSON contract, as the console sees it. Times are ISO-8601 strings. */

// Records the server sends as they are stored: one definition, shared with the server (types only, nothing bundled).
export type { Alert, AlertEvent, Entities, Incident, IncidentComment } from '../../core/domain/types';
import type { Alert, Incident } from '../../core/domain/types';

export { INCIDENT_STATUSES, ROLES, type IncidentStatus, type Role } from '../../core/domain/types';
import type { IncidentStatus, Role } from '../../core/domain/types';

/** Highest first, the order filters and badges use (the server lists them lowest first). */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'informational'] as const;
export type Severity = (typeof SEVERITIES)[number];


/** Who may read rules and exceptions and add exceptions (changing rules is for admins only). */
export const DETECTION_ROLES: readonly Role[] = ['admin', 'analyst'];

export interface SessionUser {
  id: string;
  username: string;
  role: Role;
  agencyId: string | null;
}

export interface User extends SessionUser {
  createdAt: string;
  disabled: boolean;
}

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
  keyPrefix: string;
  createdAt: string;
  revokedAt: string | null;
  lastSeenAt: string | null;
}

/** How an agent is doing, as `GET /agents` judges it: reporting, silent past its threshold, never seen, or revoked. */
export const AGENT_STATUSES = ['reporting', 'silent', 'never_seen', 'revoked'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** The longest silence threshold the server accepts: 7 days, in minutes. */
export const MAX_SILENCE_MINUTES = 7 * 24 * 60;

/** An agent in the list, with its heartbeat status and effective silence threshold (minutes). */
export interface AgentListItem extends Agent {
  status: AgentStatus;
  silenceMinutes: number;
  /** The last event before the current silence; null while not silent. */
  silentSince: string | null;
  /** The incident raised for the current silence, if any. */
  silenceIncidentId: string | null;
}

/** One entry of `GET /agents/:id/history`, newest first. */
export interface AgentHistoryEntry {
  id: string;
  at: string;
  actor: string;
  /** `agent.silent`, `agent.returned`, `agent.silence_threshold_changed`, `agent.revoked`, … */
  action: string;
  targetType: string;
  target: string;
  details: Record<string, unknown>;
}

export interface CreatedAgent {
  id: string;
  key: string;
  agent: Agent;
}

export interface IncidentPage {
  items: Incident[];
  total: number;
  nextCursor: string | null;
}


export interface TimelineEntry {
  id: string;
  incidentId: string;
  at: string;
  actor: string;
  action: string;
  details: Record<string, unknown>;
}

export interface RuleInfo {
  id: string;
  title: string;
  description: string;
  author: string;
  references: string[];
  falsepositives: string[];
  level: Severity;
  tags: string[];
  file: string;
}

export interface IncidentDetail {
  incident: Incident;
  alerts: Alert[];
  timeline: TimelineEntry[];
  rules: Record<string, RuleInfo>;
}

export interface Health {
  status: 'ok' | 'degraded';
  redis: boolean;
  storage: boolean;
}

export interface ApiErrorBody {
  requestId?: string;
  code?: string;
  message?: string;
  details?: unknown;
}

export interface Items<T> {
  items: T[];
}

export const RULE_KINDS = ['sigma', 'yara'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/** A detection rule as the rules page lists it (`GET /rules`). */
export interface Rule {
  id: string;
  kind: RuleKind;
  title: string;
  level: Severity;
  status: string;
  description: string;
  author: string;
  tags: string[];
  references: string[];
  falsepositives: string[];
  logsource: { product?: string; category?: string; service?: string };
  category: string;
  file: string;
  enabled: boolean;
  hits: number;
}

/** A rule file the loader rejected. */
export interface RuleFileError {
  file: string;
  line?: number | null;
  message: string;
}

export interface RuleList {
  items: Rule[];
  errors: RuleFileError[];
}

/** A problem in an uploaded rule (the `details` of a 400). */
export interface RuleProblem {
  line?: number | null;
  message: string;
}

export interface RuleSetting {
  ruleId: string;
  enabled: boolean;
  updatedBy?: string;
  updatedAt?: string;
}

export interface UploadedRule {
  ids: string[];
  file: string;
}

export interface ReloadResult {
  rules: number;
  errors: RuleFileError[];
}

export type ExceptionFieldValue = string | number | boolean;

/** An analyst exception: alerts of `ruleId` (`*`: every rule) are not raised for events matching every condition. */
export interface RuleException {
  id: string;
  ruleId: string;
  agencyId?: string;
  host?: string;
  user?: string;
  fields?: Record<string, ExceptionFieldValue>;
  comment: string;
  createdBy: string;
  createdAt: string;
  expiresAt?: string | null;
  expired?: boolean;
}

export interface NewException {
  ruleId: string;
  agencyId?: string;
  host?: string;
  user?: string;
  fields?: Record<string, string>;
  comment: string;
  expiresAt?: string;
}

/** One result of POST /incidents/bulk: each incident succeeds or fails on its own. */
export interface BulkResult {
  id: string;
  ok: boolean;
  error?: string;
  code?: string;
}

/** A status an incident can be in: the built-in ones and those an admin defined (each within a built-in stage). */
export interface StatusOption {
  key: string;
  label: string;
  stage: IncidentStatus;
  builtIn: boolean;
}

export interface Assignee {
  username: string;
  role: Role;
}

/** A saved incident-list view, as GET /views lists it: its filters are the list's URL query string. */
export type { PublicSavedView as SavedView } from '../../core/domain/types';

export interface OverviewPoint {
  t: string;
  count: number;
}

/** GET /overview: the live state of the national (or, for an agency admin, the agency's) picture. */
export interface Overview {
  at: string;
  eventsPerSecond: number;
  alertsPerMinute: number;
  series: { events: OverviewPoint[]; alerts: OverviewPoint[] };
  open: { total: number; bySeverity: Partial<Record<Severity, number>>; byAgency: Record<string, number> };
  silentAgents: { id: string; name: string; agencyId: string; lastSeenAt: string | null; silentSince?: string | null }[];
  topRules: { ruleId: string; title: string; level: Severity; count: number }[];
}
