/**
 * The incident status lifecycle, as data: which built-in status (stage) may follow which, and for whom.
 *
 *   new → triaged → investigating → contained → resolved      (forward; skipping ahead is allowed)
 *   contained, resolved → investigating                         (reopen)
 *   any open status → false_positive
 *   resolved, false_positive → closed
 *   closed → investigating                                      (admin only: reopening a closed incident)
 *
 * Admin-defined statuses (StatusDefinition) behave as their stage: an incident in `awaiting_vendor` (stage
 * `investigating`) may go wherever `investigating` may, and may move between the statuses of its own stage. A
 * merged incident is a tombstone: no status change at all. Only admins and analysts change statuses.
 */
import {
  INCIDENT_STATUSES,
  OPEN_STATUSES,
  type Incident,
  type IncidentStatus,
  type Role,
  type StatusDefinition,
} from '../domain/types.js';

export interface TransitionRule {
  to: IncidentStatus;
  /** Only an admin may take this step. */
  adminOnly?: boolean;
}

const to = (status: IncidentStatus, adminOnly = false): TransitionRule => (adminOnly ? { to: status, adminOnly } : { to: status });

/** Every allowed step, by the stage it starts from. Nothing else is allowed. */
export const TRANSITIONS: Readonly<Record<IncidentStatus, readonly TransitionRule[]>> = {
  new: [to('triaged'), to('investigating'), to('contained'), to('resolved'), to('false_positive')],
  triaged: [to('investigating'), to('contained'), to('resolved'), to('false_positive')],
  investigating: [to('contained'), to('resolved'), to('false_positive')],
  contained: [to('investigating'), to('resolved'), to('false_positive')],
  resolved: [to('investigating'), to('closed')],
  false_positive: [to('closed')],
  closed: [to('investigating', true)],
};

/** Roles that may change an incident's status (and everything else about it). */
export const INCIDENT_EDITOR_ROLES: readonly Role[] = ['admin', 'analyst'];

/** Display names of the built-in statuses. */
export const BUILT_IN_STATUS_LABELS: Readonly<Record<IncidentStatus, string>> = {
  new: 'New',
  triaged: 'Triaged',
  investigating: 'Investigating',
  contained: 'Contained',
  resolved: 'Resolved',
  false_positive: 'False positive',
  closed: 'Closed',
};

export function isBuiltInStatus(s: string): s is IncidentStatus {
  return (INCIDENT_STATUSES as readonly string[]).includes(s);
}

export function isOpenStatus(s: IncidentStatus): boolean {
  return OPEN_STATUSES.includes(s);
}

/** The stages `role` may move an incident from `from` to (built-in order). */
export function nextStages(from: IncidentStatus, role: Role, opts: { merged?: boolean } = {}): IncidentStatus[] {
  if (opts.merged || !INCIDENT_EDITOR_ROLES.includes(role)) return [];
  const allowed = TRANSITIONS[from].filter((r) => !r.adminOnly || role === 'admin').map((r) => r.to);
  return INCIDENT_STATUSES.filter((s) => allowed.includes(s));
}

/** Whether `role` may move a (non-merged) incident from stage `from` to stage `to`. */
export function canTransition(from: IncidentStatus, to: IncidentStatus, role: Role): boolean {
  return nextStages(from, role).includes(to);
}

/** A status key (built-in or admin-defined) as stored: its stage, and the custom key when it is not built-in. */
export interface ResolvedStatus {
  stage: IncidentStatus;
  customStatus: string | null;
}

/** Null for a key that is neither built-in nor defined. */
export function resolveStatus(key: string, definitions: readonly StatusDefinition[]): ResolvedStatus | null {
  if (isBuiltInStatus(key)) return { stage: key, customStatus: null };
  const def = definitions.find((d) => d.key === key);
  return def ? { stage: def.stage, customStatus: def.key } : null;
}

/**
 * Every status key (built-in first, in lifecycle order, then admin-defined by key) `role` may move this incident
 * to: the steps the table allows from its stage, plus the other statuses of its own stage.
 */
export function allowedNextStatuses(
  incident: Pick<Incident, 'status' | 'customStatus' | 'mergedInto'>,
  role: Role,
  definitions: readonly StatusDefinition[],
): string[] {
  const merged = Boolean(incident.mergedInto);
  if (merged || !INCIDENT_EDITOR_ROLES.includes(role)) return [];
  const stages = nextStages(incident.status, role);
  const current = incident.customStatus ?? incident.status;
  const sameStage = (stage: IncidentStatus, key: string) => stage === incident.status && key !== current;
  const out: string[] = INCIDENT_STATUSES.filter((s) => stages.includes(s) || sameStage(s, s));
  for (const d of [...definitions].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    if (stages.includes(d.stage) || sameStage(d.stage, d.key)) out.push(d.key);
  }
  return out;
}
