/**
 * Pure rules for the changes people make to incidents, shared by every adapter: how a patch applies, which
 * timeline entries it produces, how a merge combines two incidents, and when a write is stale. The SQLite adapter
 * applies them inside its transactions; the Mongo adapter computes the same records and writes them with the
 * builders in mongo/incident-lifecycle-queries.ts (checked against these by storage.mongo-mingo.test.ts).
 */
import { ConflictError } from '../../errors/app-error.js';
import type { Entities, Incident, IncidentStatus } from '../../domain/types.js';
import type { IncidentChangeContext, IncidentPatch } from '../storage.port.js';
import {
  dedup,
  INCIDENT_LIST_CAP,
  maxSeverity,
  mergeEntities,
  OPTIONAL_ENTITY_KINDS,
  unionCapped,
} from './incident-rules.js';
import { toIso } from './time.js';

/** Timeline actions written by people's changes (`created` is written by recordAlert). */
export const TIMELINE_ACTIONS = {
  statusChanged: 'status_changed',
  assigned: 'assigned',
  severityChanged: 'severity_changed',
  categoryChanged: 'category_changed',
  typeChanged: 'type_changed',
  techniquesChanged: 'techniques_changed',
  entitiesChanged: 'entities_changed',
  commented: 'commented',
  mergedInto: 'merged_into',
  mergedFrom: 'merged_from',
  linked: 'linked',
  unlinked: 'unlinked',
} as const;

/** The entries KPIs are computed from (IncidentStore.lifecycles). */
export const LIFECYCLE_ACTIONS: readonly string[] = [TIMELINE_ACTIONS.statusChanged, TIMELINE_ACTIONS.assigned];

export const ENTITY_KINDS = ['hosts', 'users', 'ips', ...OPTIONAL_ENTITY_KINDS] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

/** A change before it is stored: what `update` turns into one timeline entry. */
export interface IncidentChange {
  action: string;
  details: Record<string, unknown>;
}

const minIso = (a: string, b: string) => (a <= b ? a : b);
const maxIso = (a: string, b: string) => (a >= b ? a : b);
const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** A list as stored: de-duplicated in order, cut at INCIDENT_LIST_CAP. */
export const storedList = (values: readonly string[]): string[] => dedup(values).slice(0, INCIDENT_LIST_CAP);

/** Entities as stored: lists de-duplicated and capped, the optional kinds left out when empty. */
export function normalizeEntities(e: Entities): Entities {
  const out: Entities = { hosts: storedList(e.hosts), users: storedList(e.users), ips: storedList(e.ips) };
  for (const k of OPTIONAL_ENTITY_KINDS) {
    const list = storedList(e[k] ?? []);
    if (list.length) out[k] = list;
  }
  return out;
}

/**
 * The optional Incident fields as records carry them: present only when set (a null/empty value or revision 0
 * leaves the key out), so records written before the lifecycle existed read back exactly as they did.
 */
export function withLifecycleFields(
  base: Incident,
  f: { type?: string | null; customStatus?: string | null; mergedInto?: string | null; revision?: number | null },
): Incident {
  const out: Incident = { ...base };
  delete out.type;
  delete out.customStatus;
  delete out.mergedInto;
  delete out.revision;
  if (f.type != null && f.type !== '') out.type = f.type;
  if (f.customStatus != null && f.customStatus !== '') out.customStatus = f.customStatus;
  if (f.mergedInto != null && f.mergedInto !== '') out.mergedInto = f.mergedInto;
  if (f.revision != null && f.revision > 0) out.revision = f.revision;
  return out;
}

export const revisionOf = (i: Pick<Incident, 'revision'>): number => i.revision ?? 0;

/** The status a person sees: the admin-defined one when set, else the built-in one. */
export const displayStatus = (i: Pick<Incident, 'status' | 'customStatus'>): string => i.customStatus ?? i.status;

/** Throws a stale ConflictError when the context's expectations no longer hold for `current`. */
export function assertFresh(current: Incident, ctx: Pick<IncidentChangeContext, 'expectedRevision' | 'unmodifiedSince'>): void {
  const details = { reason: 'stale', revision: revisionOf(current), updatedAt: current.updatedAt };
  if (ctx.expectedRevision !== undefined && revisionOf(current) !== ctx.expectedRevision) {
    throw new ConflictError(
      `incident ${current.id} was changed by someone else (revision ${revisionOf(current)}, expected ${ctx.expectedRevision})`,
      details,
    );
  }
  if (ctx.unmodifiedSince !== undefined && current.updatedAt > toIso(ctx.unmodifiedSince, 'unmodifiedSince')) {
    throw new ConflictError(`incident ${current.id} was changed at ${current.updatedAt}, after ${ctx.unmodifiedSince}`, details);
  }
}

/**
 * The incident after `patch`, and the changes to record (one per field that differs, in a fixed order). No change:
 * `next` is `before` and `changes` is empty. `at` must already be normalised.
 */
export function applyIncidentPatch(before: Incident, patch: IncidentPatch, at: string): { next: Incident; changes: IncidentChange[] } {
  const changes: IncidentChange[] = [];
  const next: Incident = { ...before, entities: { ...before.entities } };
  // The assignment comes first: a move made together with it is the new assignee's (KPIs count it so).
  if (patch.assignee !== undefined && patch.assignee !== before.assignee) {
    changes.push({ action: TIMELINE_ACTIONS.assigned, details: { from: before.assignee, to: patch.assignee } });
    next.assignee = patch.assignee;
  }
  if (patch.status !== undefined) {
    const custom = patch.customStatus ?? null;
    if (patch.status !== before.status || custom !== (before.customStatus ?? null)) {
      changes.push({
        action: TIMELINE_ACTIONS.statusChanged,
        details: {
          from: displayStatus(before),
          to: custom ?? patch.status,
          fromStage: before.status,
          toStage: patch.status,
        },
      });
      next.status = patch.status;
      if (custom) next.customStatus = custom;
      else delete next.customStatus;
    }
  }
  if (patch.severity !== undefined && patch.severity !== before.severity) {
    changes.push({ action: TIMELINE_ACTIONS.severityChanged, details: { from: before.severity, to: patch.severity } });
    next.severity = patch.severity;
  }
  if (patch.category !== undefined && patch.category !== before.category) {
    changes.push({ action: TIMELINE_ACTIONS.categoryChanged, details: { from: before.category, to: patch.category } });
    next.category = patch.category;
  }
  if (patch.type !== undefined && (patch.type || null) !== (before.type ?? null)) {
    changes.push({ action: TIMELINE_ACTIONS.typeChanged, details: { from: before.type ?? null, to: patch.type || null } });
    if (patch.type) next.type = patch.type;
    else delete next.type;
  }
  if (patch.techniques !== undefined) {
    const techniques = storedList(patch.techniques);
    if (!sameList(techniques, before.techniques)) {
      changes.push({ action: TIMELINE_ACTIONS.techniquesChanged, details: { from: before.techniques, to: techniques } });
      next.techniques = techniques;
    }
  }
  if (patch.entities !== undefined) {
    const from: Record<string, string[]> = {};
    const to: Record<string, string[]> = {};
    for (const k of ENTITY_KINDS) {
      const given = patch.entities[k];
      if (given === undefined) continue;
      const list = storedList(given);
      const old = before.entities[k] ?? [];
      if (sameList(list, old)) continue;
      from[k] = old;
      to[k] = list;
      next.entities[k] = list;
    }
    if (Object.keys(to).length) {
      changes.push({ action: TIMELINE_ACTIONS.entitiesChanged, details: { from, to } });
      next.entities = normalizeEntities(next.entities);
    }
  }
  if (changes.length === 0) return { next: before, changes };
  next.revision = revisionOf(before) + 1;
  next.updatedAt = maxIso(before.updatedAt, at);
  return { next, changes };
}

/** The target after `source` is merged into it. `at` must already be normalised. */
export function mergeIncidentInto(target: Incident, source: Incident, at: string): Incident {
  return {
    ...target,
    severity: maxSeverity(target.severity, source.severity),
    alertCount: target.alertCount + source.alertCount,
    eventCount: target.eventCount + source.eventCount,
    firstSeen: minIso(target.firstSeen, source.firstSeen),
    lastSeen: maxIso(target.lastSeen, source.lastSeen),
    entities: mergeEntities(target.entities, source.entities),
    ruleIds: unionCapped(target.ruleIds, source.ruleIds),
    techniques: unionCapped(target.techniques, source.techniques),
    revision: revisionOf(target) + 1,
    updatedAt: maxIso(target.updatedAt, at),
  };
}

/** The source after it was merged into `targetId`. */
export function closeMergedIncident(source: Incident, targetId: string, at: string): Incident {
  const next: Incident = { ...source, status: 'closed' as IncidentStatus, mergedInto: targetId };
  delete next.customStatus;
  next.revision = revisionOf(source) + 1;
  next.updatedAt = maxIso(source.updatedAt, at);
  return next;
}

/** Why `source` cannot be merged into `target`, or null when it can. */
export function mergeRefusal(source: Incident, target: Incident): string | null {
  if (source.agencyId !== target.agencyId) return 'incidents of different agencies cannot be merged';
  if (source.mergedInto) return `incident ${source.id} was already merged into ${source.mergedInto}`;
  if (target.mergedInto) return `incident ${target.id} was merged into ${target.mergedInto}`;
  if (source.status === 'closed') return `incident ${source.id} is closed`;
  if (target.status === 'closed') return `incident ${target.id} is closed`;
  return null;
}

/** A link as stored: the two ids in order, so (a, b) and (b, a) are one link. */
export function linkPair(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a];
}
