/**
 * Pure rules shared by every adapter: how an alert opens or joins an incident. The SQLite adapter applies them in
 * JavaScript inside its transaction; the Mongo adapter mirrors them in an update pipeline
 * (mongo/incident-queries.ts), and test/integration/storage.mongo-mingo.test.ts checks that both agree.
 */
import { SEVERITIES, type Alert, type Entities, type Incident, type Severity } from '../../domain/types.js';
import type { RecordAlertInput } from '../storage.port.js';
import { toIso } from './time.js';

/** Longest an incident's entity, rule id or technique list grows; later values are dropped. */
export const INCIDENT_LIST_CAP = 100;

export function severityRank(s: Severity): number {
  const rank = SEVERITIES.indexOf(s);
  if (rank < 0) throw new Error(`unknown severity ${String(s)}`);
  return rank;
}

export function maxSeverity(a: Severity, b: Severity): Severity {
  return severityRank(a) >= severityRank(b) ? a : b;
}

/** Order-preserving de-duplication. */
export function dedup(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** `existing` followed by the values of `incoming` it lacks, de-duplicated, cut at `cap`. */
export function unionCapped(existing: readonly string[], incoming: readonly string[], cap = INCIDENT_LIST_CAP): string[] {
  const seen = new Set(existing);
  const out = existing.slice(0, cap);
  for (const v of incoming) {
    if (out.length >= cap) break;
    if (seen.has(v)) continue;
    seen.add(v);
    out.push(v);
  }
  return out;
}

/** Entity lists that are optional on a record: present only when non-empty. */
export const OPTIONAL_ENTITY_KINDS = ['hashes', 'domains'] as const;

export function mergeEntities(a: Entities, b: Entities): Entities {
  const out: Entities = {
    hosts: unionCapped(a.hosts, b.hosts),
    users: unionCapped(a.users, b.users),
    ips: unionCapped(a.ips, b.ips),
  };
  for (const k of OPTIONAL_ENTITY_KINDS) {
    const merged = unionCapped(a[k] ?? [], b[k] ?? []);
    if (merged.length) out[k] = merged;
  }
  return out;
}

export function incidentTitle(ruleTitle: string, host: string | null): string {
  return host ? `${ruleTitle} on ${host}` : ruleTitle;
}

const minIso = (a: string, b: string) => (a <= b ? a : b);
const maxIso = (a: string, b: string) => (a >= b ? a : b);

/** The input with its times normalised (see toIso) and its lists de-duplicated. */
export function normalizeAlertInput(input: RecordAlertInput): RecordAlertInput {
  return {
    ...input,
    firstEventAt: toIso(input.firstEventAt, 'firstEventAt'),
    lastEventAt: toIso(input.lastEventAt, 'lastEventAt'),
    now: toIso(input.now, 'now'),
    techniques: dedup(input.techniques),
    entities: {
      hosts: dedup(input.entities.hosts),
      users: dedup(input.entities.users),
      ips: dedup(input.entities.ips),
      ...(input.entities.hashes?.length ? { hashes: dedup(input.entities.hashes) } : {}),
      ...(input.entities.domains?.length ? { domains: dedup(input.entities.domains) } : {}),
    },
  };
}

/** Earliest lastSeen of an open incident this alert may join: firstEventAt - suppressionMs. */
export function joinWindowStart(input: Pick<RecordAlertInput, 'firstEventAt' | 'suppressionMs'>): string {
  return new Date(Date.parse(input.firstEventAt) - Math.max(0, input.suppressionMs)).toISOString();
}

/** The incident a (normalised) alert opens. */
export function newIncidentFromAlert(id: string, input: RecordAlertInput): Incident {
  return {
    id,
    title: incidentTitle(input.ruleTitle, input.host),
    severity: input.level,
    category: input.category,
    agencyId: input.agencyId,
    status: 'new',
    assignee: null,
    groupKey: input.groupKey,
    ruleId: input.ruleId,
    ruleIds: [input.ruleId],
    host: input.host,
    techniques: unionCapped([], input.techniques),
    entities: mergeEntities({ hosts: [], users: [], ips: [] }, input.entities),
    alertCount: 1,
    eventCount: input.eventCount,
    firstSeen: minIso(input.firstEventAt, input.lastEventAt),
    lastSeen: maxIso(input.firstEventAt, input.lastEventAt),
    createdAt: input.now,
    updatedAt: input.now,
  };
}

/** The incident after a (normalised) alert joins it. */
export function joinAlertToIncident(incident: Incident, input: RecordAlertInput): Incident {
  return {
    ...incident,
    eventCount: incident.eventCount + input.eventCount,
    alertCount: incident.alertCount + 1,
    firstSeen: minIso(incident.firstSeen, minIso(input.firstEventAt, input.lastEventAt)),
    lastSeen: maxIso(incident.lastSeen, maxIso(input.firstEventAt, input.lastEventAt)),
    entities: mergeEntities(incident.entities, input.entities),
    ruleIds: unionCapped(incident.ruleIds, [input.ruleId]),
    techniques: unionCapped(incident.techniques, input.techniques),
    severity: maxSeverity(incident.severity, input.level),
    updatedAt: input.now,
  };
}

export function alertFromInput(input: RecordAlertInput, incidentId: string): Alert {
  return {
    id: input.alertId,
    incidentId,
    ruleId: input.ruleId,
    ruleTitle: input.ruleTitle,
    level: input.level,
    agencyId: input.agencyId,
    agentId: input.agentId,
    host: input.host,
    eventCount: input.eventCount,
    eventIds: [...input.eventIds],
    events: input.events,
    tags: [...input.tags],
    ruleAuthor: input.ruleAuthor,
    ruleReferences: [...input.ruleReferences],
    ruleFalsepositives: [...input.ruleFalsepositives],
    firstEventAt: input.firstEventAt,
    lastEventAt: input.lastEventAt,
    createdAt: input.now,
  };
}

/** The `created` timeline entry of a new incident (without its id). */
export function createdTimelineEntry(incidentId: string, input: RecordAlertInput) {
  return {
    incidentId,
    at: input.now,
    actor: 'system',
    action: 'created',
    details: { ruleId: input.ruleId, alertId: input.alertId } as Record<string, unknown>,
  };
}
