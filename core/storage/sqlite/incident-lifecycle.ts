/**
 * The lifecycle half of the SQLite incident store: update, merge, links and the KPI read. Every write is one
 * IMMEDIATE transaction (read, check, write, timeline), so two people changing one incident at once are
 * serialised by SQLite, in one process or several on the same file.
 */
import { randomUUID } from 'node:crypto';
import { NotFoundError, ValidationError, ConflictError } from '../../errors/app-error.js';
import type { Incident, TimelineEntry } from '../../domain/types.js';
import {
  applyIncidentPatch,
  assertFresh,
  closeMergedIncident,
  displayStatus,
  LIFECYCLE_ACTIONS,
  linkPair,
  mergeIncidentInto,
  mergeRefusal,
  normalizeEntities,
  TIMELINE_ACTIONS,
  type IncidentChange,
} from '../shared/incident-changes.js';
import { toIso } from '../shared/time.js';
import type {
  IncidentChangeContext,
  IncidentChangeResult,
  IncidentLifecycle,
  IncidentLinkResult,
  IncidentMergeResult,
  IncidentPatch,
  IncidentStore,
  LifecycleFilter,
} from '../storage.port.js';
import type { SqliteHandle } from './connection.js';
import { toIncident, toTimelineEntry, type IncidentRow, type TimelineRow } from './incident-rows.js';

const SQL = {
  incidentById: 'SELECT * FROM incidents WHERE id = ?',
  insertTimeline:
    'INSERT INTO incident_timeline (id, incident_id, at, actor, action, details) VALUES (?, ?, ?, ?, ?, ?)',
  // Every field a person may change, written whole from the record computed in the transaction.
  updateFields: `UPDATE incidents SET status = ?, custom_status = ?, assignee = ?, severity = ?, category = ?, type = ?,
    techniques = ?, entities = ?, revision = ?, updated_at = ? WHERE id = ?`,
  updateMergedTarget: `UPDATE incidents SET severity = ?, alert_count = ?, event_count = ?, first_seen = ?, last_seen = ?,
    entities = ?, rule_ids = ?, techniques = ?, revision = ?, updated_at = ? WHERE id = ?`,
  closeMerged: `UPDATE incidents SET status = 'closed', custom_status = NULL, merged_into = ?, revision = ?, updated_at = ?
    WHERE id = ?`,
  moveAlerts: 'UPDATE alerts SET incident_id = ? WHERE incident_id = ?',
  markComments: 'UPDATE incident_comments SET merged_from = ? WHERE incident_id = ? AND merged_from IS NULL',
  moveComments: 'UPDATE incident_comments SET incident_id = ? WHERE incident_id = ?',
  linksOf: 'SELECT b AS other FROM incident_links WHERE a = ? UNION SELECT a AS other FROM incident_links WHERE b = ? ORDER BY other',
  insertLink: 'INSERT OR IGNORE INTO incident_links (a, b, created_by, created_at) VALUES (?, ?, ?, ?)',
  deleteLink: 'DELETE FROM incident_links WHERE a = ? AND b = ?',
} as const;

const LIFECYCLE_ACTIONS_JSON = JSON.stringify(LIFECYCLE_ACTIONS);

export type SqliteIncidentLifecycle = Pick<IncidentStore, 'update' | 'merge' | 'link' | 'unlink' | 'links' | 'lifecycles'>;

export function createSqliteIncidentLifecycle(h: SqliteHandle): SqliteIncidentLifecycle {
  const incidentById = (id: string): Incident | null => {
    const row = h.stmt(SQL.incidentById).get(id) as IncidentRow | undefined;
    return row ? toIncident(row) : null;
  };
  const mustGet = (id: string): Incident => {
    const incident = incidentById(id);
    if (!incident) throw new NotFoundError(`incident ${id}`);
    return incident;
  };
  const writeEntry = (incidentId: string, actor: string, at: string, change: IncidentChange): TimelineEntry => {
    const entry: TimelineEntry = { id: randomUUID(), incidentId, at, actor, action: change.action, details: change.details };
    h.stmt(SQL.insertTimeline).run(entry.id, incidentId, at, actor, entry.action, JSON.stringify(entry.details));
    return entry;
  };
  const writeFields = (i: Incident) =>
    h
      .stmt(SQL.updateFields)
      .run(
        i.status,
        i.customStatus ?? null,
        i.assignee,
        i.severity,
        i.category,
        i.type ?? null,
        JSON.stringify(i.techniques),
        JSON.stringify(normalizeEntities(i.entities)),
        i.revision ?? 0,
        i.updatedAt,
        i.id,
      );
  const linksOf = (id: string) => (h.stmt(SQL.linksOf).all(id, id) as { other: string }[]).map((r) => r.other);

  const updateTx = (id: string, patch: IncidentPatch, ctx: IncidentChangeContext, at: string): IncidentChangeResult => {
    const before = mustGet(id);
    assertFresh(before, ctx);
    const { next, changes } = applyIncidentPatch(before, patch, at);
    if (changes.length === 0) return { incident: before, entries: [] };
    writeFields(next);
    const entries = changes.map((c) => writeEntry(id, ctx.actor, at, c));
    return { incident: mustGet(id), entries };
  };

  const mergeTx = (sourceId: string, targetId: string, ctx: IncidentChangeContext, at: string): IncidentMergeResult => {
    const source = mustGet(sourceId);
    const target = mustGet(targetId);
    assertFresh(source, ctx);
    const refusal = mergeRefusal(source, target);
    if (refusal) throw new ConflictError(refusal);
    const merged = mergeIncidentInto(target, source, at);
    const closed = closeMergedIncident(source, targetId, at);
    const movedAlerts = h.stmt(SQL.moveAlerts).run(targetId, sourceId).changes;
    h.stmt(SQL.markComments).run(sourceId, sourceId);
    const movedComments = h.stmt(SQL.moveComments).run(targetId, sourceId).changes;
    for (const other of linksOf(sourceId)) {
      if (other === targetId) continue;
      const [a, b] = linkPair(targetId, other);
      h.stmt(SQL.insertLink).run(a, b, ctx.actor, at);
    }
    h.stmt(SQL.updateMergedTarget).run(
      merged.severity,
      merged.alertCount,
      merged.eventCount,
      merged.firstSeen,
      merged.lastSeen,
      JSON.stringify(normalizeEntities(merged.entities)),
      JSON.stringify(merged.ruleIds),
      JSON.stringify(merged.techniques),
      merged.revision ?? 0,
      merged.updatedAt,
      targetId,
    );
    h.stmt(SQL.closeMerged).run(targetId, closed.revision ?? 0, closed.updatedAt, sourceId);
    const entries = [
      writeEntry(sourceId, ctx.actor, at, {
        action: TIMELINE_ACTIONS.mergedInto,
        details: { into: targetId, from: displayStatus(source), to: 'closed' },
      }),
      writeEntry(targetId, ctx.actor, at, {
        action: TIMELINE_ACTIONS.mergedFrom,
        details: { source: sourceId, alerts: source.alertCount, events: source.eventCount },
      }),
    ];
    return { source: mustGet(sourceId), target: mustGet(targetId), entries, movedAlerts, movedComments };
  };

  const linkTx = (aId: string, bId: string, actor: string, at: string, add: boolean): IncidentLinkResult => {
    mustGet(aId);
    mustGet(bId);
    const [a, b] = linkPair(aId, bId);
    const changed = add
      ? h.stmt(SQL.insertLink).run(a, b, actor, at).changes > 0
      : h.stmt(SQL.deleteLink).run(a, b).changes > 0;
    if (!changed) return { changed, entries: [] };
    const action = add ? TIMELINE_ACTIONS.linked : TIMELINE_ACTIONS.unlinked;
    return {
      changed,
      entries: [
        writeEntry(aId, actor, at, { action, details: { other: bId } }),
        writeEntry(bId, actor, at, { action, details: { other: aId } }),
      ],
    };
  };

  const lifecyclesTx = (filter: LifecycleFilter): IncidentLifecycle[] => {
    const parts: string[] = [];
    const params: unknown[] = [];
    if (filter.createdFrom !== undefined) {
      parts.push('i.created_at >= ?');
      params.push(toIso(filter.createdFrom, 'createdFrom'));
    }
    if (filter.createdTo !== undefined) {
      parts.push('i.created_at <= ?');
      params.push(toIso(filter.createdTo, 'createdTo'));
    }
    if (filter.agencyIds !== undefined) {
      parts.push('i.agency_id IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(filter.agencyIds));
    }
    const where = parts.length ? `WHERE ${parts.join(' AND ')}` : '';
    const incidents = h
      .stmt(`SELECT i.id, i.agency_id, i.severity, i.status, i.created_at FROM incidents i ${where} ORDER BY i.created_at, i.id`)
      .all(...params) as Pick<IncidentRow, 'id' | 'agency_id' | 'severity' | 'status' | 'created_at'>[];
    const entries = h
      .stmt(
        `SELECT t.* FROM incident_timeline t JOIN incidents i ON i.id = t.incident_id ${where}
         ${where ? 'AND' : 'WHERE'} t.action IN (SELECT value FROM json_each(?)) ORDER BY t.incident_id, t.at, t.rowid`,
      )
      .all(...params, LIFECYCLE_ACTIONS_JSON) as TimelineRow[];
    const byIncident = new Map<string, TimelineEntry[]>();
    for (const row of entries) {
      const list = byIncident.get(row.incident_id) ?? [];
      list.push(toTimelineEntry(row));
      byIncident.set(row.incident_id, list);
    }
    return incidents.map((r) => ({
      incident: {
        id: r.id,
        agencyId: r.agency_id,
        severity: r.severity as Incident['severity'],
        status: r.status as Incident['status'],
        createdAt: r.created_at,
      },
      entries: byIncident.get(r.id) ?? [],
    }));
  };

  return {
    async update(id, patch, ctx) {
      const at = toIso(ctx.at, 'at');
      return h.tx('incidents.update', updateTx).immediate(id, patch, ctx, at);
    },
    async merge(sourceId, targetId, ctx) {
      if (sourceId === targetId) throw new ValidationError('an incident cannot be merged into itself');
      const at = toIso(ctx.at, 'at');
      return h.tx('incidents.merge', mergeTx).immediate(sourceId, targetId, ctx, at);
    },
    async link(aId, bId, ctx) {
      if (aId === bId) throw new ValidationError('an incident cannot be linked to itself');
      return h.tx('incidents.link', linkTx).immediate(aId, bId, ctx.actor, toIso(ctx.at, 'at'), true);
    },
    async unlink(aId, bId, ctx) {
      if (aId === bId) throw new ValidationError('an incident cannot be linked to itself');
      return h.tx('incidents.link', linkTx).immediate(aId, bId, ctx.actor, toIso(ctx.at, 'at'), false);
    },
    async links(id) {
      return linksOf(id);
    },
    async lifecycles(filter) {
      // One read transaction: incidents and entries from the same snapshot.
      return h.tx('incidents.lifecycles', lifecyclesTx)(filter);
    },
  };
}
