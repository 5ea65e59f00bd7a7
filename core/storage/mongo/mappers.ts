/**
 * Lean documents <-> plain domain records. Each mapper copies the domain fields by name, so `_id`, `__v` and
 * internal fields (severityRank, seq, claimedAt) never leak out.
 */
import type { Agency, Agent, Alert, AuditEntry, Incident, IncidentComment, StatusDefinition, TimelineEntry, User } from '../../domain/types.js';
import { withLifecycleFields } from '../shared/incident-changes.js';
import { OPTIONAL_ENTITY_KINDS, severityRank } from '../shared/incident-rules.js';
import type {
  AgencyDoc,
  AgentDoc,
  AlertDoc,
  AuditDoc,
  CommentDoc,
  IncidentDoc,
  StatusDefinitionDoc,
  TimelineDoc,
  UserDoc,
} from './models.js';

export const docToAgency = (d: AgencyDoc): Agency => ({
  id: String(d._id),
  name: d.name,
  code: d.code,
  createdAt: d.createdAt,
});

export const docToAgent = (d: AgentDoc): Agent => ({
  id: String(d._id),
  agencyId: d.agencyId,
  name: d.name,
  keyPrefix: d.keyPrefix,
  keyHash: d.keyHash,
  createdAt: d.createdAt,
  revokedAt: d.revokedAt ?? null,
  lastSeenAt: d.lastSeenAt ?? null,
});

export const docToUser = (d: UserDoc): User => ({
  id: String(d._id),
  username: d.username,
  passwordHash: d.passwordHash,
  role: d.role,
  agencyId: d.agencyId ?? null,
  createdAt: d.createdAt,
  disabled: Boolean(d.disabled),
});

export const docToIncident = (d: IncidentDoc): Incident => {
  const incident = withLifecycleFields(docToBaseIncident(d), d);
  // Optional entity kinds read as absent when empty (a join pipeline writes [] for them).
  for (const k of OPTIONAL_ENTITY_KINDS) {
    const list = d.entities?.[k];
    if (list?.length) incident.entities[k] = [...list];
  }
  return incident;
};

const docToBaseIncident = (d: IncidentDoc): Incident => ({
  id: String(d._id),
  title: d.title,
  severity: d.severity,
  category: d.category,
  agencyId: d.agencyId,
  status: d.status,
  assignee: d.assignee ?? null,
  groupKey: d.groupKey,
  ruleId: d.ruleId,
  ruleIds: [...(d.ruleIds ?? [])],
  host: d.host ?? null,
  techniques: [...(d.techniques ?? [])],
  entities: {
    hosts: [...(d.entities?.hosts ?? [])],
    users: [...(d.entities?.users ?? [])],
    ips: [...(d.entities?.ips ?? [])],
  },
  alertCount: d.alertCount,
  eventCount: d.eventCount,
  firstSeen: d.firstSeen,
  lastSeen: d.lastSeen,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

export const incidentToDoc = (i: Incident): IncidentDoc => {
  const { id, ...rest } = i;
  return { _id: id, ...rest, severityRank: severityRank(i.severity) };
};

/** An applied alert (incidentId set). */
export const docToAlert = (d: AlertDoc): Alert => ({
  id: String(d._id),
  incidentId: d.incidentId ?? '',
  ruleId: d.ruleId,
  ruleTitle: d.ruleTitle,
  level: d.level,
  agencyId: d.agencyId,
  agentId: d.agentId,
  host: d.host ?? null,
  eventCount: d.eventCount,
  eventIds: [...(d.eventIds ?? [])],
  events: [...(d.events ?? [])],
  tags: [...(d.tags ?? [])],
  ruleAuthor: d.ruleAuthor ?? null,
  ruleReferences: [...(d.ruleReferences ?? [])],
  ruleFalsepositives: [...(d.ruleFalsepositives ?? [])],
  firstEventAt: d.firstEventAt,
  lastEventAt: d.lastEventAt,
  createdAt: d.createdAt,
});

export const alertToDoc = (a: Alert, extra: { seq: string; incidentId: string | null; claimedAt: number | null }): AlertDoc => {
  const { id, ...rest } = a;
  return { _id: id, ...rest, ...extra };
};

export const docToTimelineEntry = (d: TimelineDoc): TimelineEntry => ({
  id: String(d._id),
  incidentId: d.incidentId,
  at: d.at,
  actor: d.actor,
  action: d.action,
  details: d.details ?? {},
});

export const docToComment = (d: CommentDoc): IncidentComment => ({
  id: String(d._id),
  incidentId: d.incidentId,
  author: d.author,
  body: d.body,
  at: d.at,
  ...(d.mergedFrom ? { mergedFrom: d.mergedFrom } : {}),
});

export const docToAuditEntry = (d: AuditDoc): AuditEntry => ({
  id: String(d._id),
  at: d.at,
  actor: d.actor,
  action: d.action,
  targetType: d.targetType,
  target: d.target,
  details: d.details ?? {},
});

export const docToStatusDefinition = (d: StatusDefinitionDoc): StatusDefinition => ({
  key: String(d._id),
  label: d.label,
  stage: d.stage,
  createdBy: d.createdBy,
  createdAt: d.createdAt,
});
