import { randomUUID } from 'node:crypto';
import { NotFoundError } from '../../errors/app-error.js';
import { OPEN_STATUSES, type Incident, type IncidentStatus, type Severity } from '../../domain/types.js';
import {
  alertFromInput,
  createdTimelineEntry,
  joinAlertToIncident,
  joinWindowStart,
  newIncidentFromAlert,
  normalizeAlertInput,
} from '../shared/incident-rules.js';
import {
  clampLimit,
  clampRuleCountLimit,
  decodeCursor,
  encodeCursor,
  normalizeFilter,
  type IncidentCursor,
} from '../shared/paging.js';
import { toIso } from '../shared/time.js';
import type {
  IncidentFilter,
  IncidentPage,
  IncidentStore,
  IncidentSummary,
  RecordAlertInput,
  RecordAlertResult,
} from '../storage.port.js';
import type { SqliteHandle } from './connection.js';
import { translate } from './errors.js';
import {
  ALERT_COLUMNS,
  INCIDENT_COLUMNS,
  alertValues,
  incidentValues,
  insertSql,
  toAlert,
  toIncident,
  toTimelineEntry,
  type AlertRow,
  type IncidentRow,
  type TimelineRow,
} from './incident-rows.js';
import { createSqliteIncidentLifecycle } from './incident-lifecycle.js';
import { incidentWhere } from './incident-sql.js';

const OPEN_STATUS_SQL = OPEN_STATUSES.map((s) => `'${s}'`).join(', ');

const SQL = {
  alertById: 'SELECT * FROM alerts WHERE id = ?',
  incidentById: 'SELECT * FROM incidents WHERE id = ?',
  // Served by incidents(group_key, status, last_seen).
  openIncidentToJoin: `SELECT * FROM incidents
    WHERE group_key = ? AND agency_id = ? AND status IN (${OPEN_STATUS_SQL}) AND last_seen >= ?
    ORDER BY last_seen DESC, id DESC LIMIT 1`,
  insertIncident: insertSql('incidents', INCIDENT_COLUMNS),
  updateJoined: `UPDATE incidents SET severity = ?, rule_ids = ?, techniques = ?, entities = ?, alert_count = ?,
    event_count = ?, first_seen = ?, last_seen = ?, updated_at = ? WHERE id = ?`,
  insertAlert: insertSql('alerts', ALERT_COLUMNS),
  insertTimeline:
    'INSERT INTO incident_timeline (id, incident_id, at, actor, action, details) VALUES (?, ?, ?, ?, ?, ?)',
  alertsOf: 'SELECT * FROM alerts WHERE incident_id = ? ORDER BY created_at, rowid',
  timelineOf: 'SELECT * FROM incident_timeline WHERE incident_id = ? ORDER BY at, rowid',
} as const;

/**
 * Incidents, their alerts and timelines. recordAlert is one IMMEDIATE transaction: concurrent writers (threads or
 * processes on the same file) are serialised by SQLite, so two alerts of one group can never open two incidents.
 */
export function createSqliteIncidentStore(h: SqliteHandle): IncidentStore {
  const incidentById = (id: string): Incident | null => {
    const row = h.stmt(SQL.incidentById).get(id) as IncidentRow | undefined;
    return row ? toIncident(row) : null;
  };

  const recordTx = (input: RecordAlertInput): RecordAlertResult => {
    const existing = h.stmt(SQL.alertById).get(input.alertId) as AlertRow | undefined;
    if (existing) {
      const incident = incidentById(existing.incident_id);
      if (!incident) throw new Error(`alert ${existing.id} points at missing incident ${existing.incident_id}`);
      return { incident, alert: toAlert(existing), created: false, duplicate: true };
    }
    const openRow = h
      .stmt(SQL.openIncidentToJoin)
      .get(input.groupKey, input.agencyId, joinWindowStart(input)) as IncidentRow | undefined;
    let incident: Incident;
    if (openRow) {
      incident = joinAlertToIncident(toIncident(openRow), input);
      h.stmt(SQL.updateJoined).run(
        incident.severity,
        JSON.stringify(incident.ruleIds),
        JSON.stringify(incident.techniques),
        JSON.stringify(incident.entities),
        incident.alertCount,
        incident.eventCount,
        incident.firstSeen,
        incident.lastSeen,
        incident.updatedAt,
        incident.id,
      );
    } else {
      incident = newIncidentFromAlert(randomUUID(), input);
      h.stmt(SQL.insertIncident).run(...incidentValues(incident));
      const entry = createdTimelineEntry(incident.id, input);
      h.stmt(SQL.insertTimeline).run(
        randomUUID(),
        entry.incidentId,
        entry.at,
        entry.actor,
        entry.action,
        JSON.stringify(entry.details),
      );
    }
    const alert = alertFromInput(input, incident.id);
    h.stmt(SQL.insertAlert).run(...alertValues(alert));
    return { incident, alert, created: !openRow, duplicate: false };
  };

  const listTx = (filter: IncidentFilter, limit: number, cursor: IncidentCursor | null): IncidentPage => {
    const all = incidentWhere(filter);
    const total = (h.stmt(`SELECT COUNT(*) AS n FROM incidents ${all.sql}`).get(...all.params) as { n: number }).n;
    const page = incidentWhere(filter, cursor);
    const rows = h
      .stmt(`SELECT * FROM incidents ${page.sql} ORDER BY last_seen DESC, id DESC LIMIT ?`)
      .all(...page.params, limit + 1) as IncidentRow[];
    const items = rows.slice(0, limit).map(toIncident);
    const last = items[items.length - 1];
    const nextCursor = rows.length > limit && last ? encodeCursor({ lastSeen: last.lastSeen, id: last.id }) : null;
    return { items, total, nextCursor };
  };

  return {
    async recordAlert(input) {
      const normalized = normalizeAlertInput(input);
      return h.tx('incidents.recordAlert', recordTx).immediate(normalized);
    },

    async get(id) {
      return incidentById(id);
    },

    async list(filter, page) {
      const f = normalizeFilter(filter);
      const cursor = page?.cursor ? decodeCursor(page.cursor) : null;
      // One read transaction, so total and items come from the same snapshot.
      return h.tx('incidents.list', listTx)(f, clampLimit(page?.limit), cursor);
    },

    async summary(filter) {
      const where = incidentWhere(normalizeFilter(filter));
      const rows = h
        .stmt(
          `SELECT severity, status, agency_id, COUNT(*) AS n FROM incidents ${where.sql}
           GROUP BY severity, status, agency_id`,
        )
        .all(...where.params) as { severity: Severity; status: IncidentStatus; agency_id: string; n: number }[];
      const out: IncidentSummary = { total: 0, bySeverity: {}, byStatus: {}, byAgency: {} };
      for (const r of rows) {
        out.total += r.n;
        out.bySeverity[r.severity] = (out.bySeverity[r.severity] ?? 0) + r.n;
        out.byStatus[r.status] = (out.byStatus[r.status] ?? 0) + r.n;
        out.byAgency[r.agency_id] = (out.byAgency[r.agency_id] ?? 0) + r.n;
      }
      return out;
    },

    async alerts(incidentId) {
      return (h.stmt(SQL.alertsOf).all(incidentId) as AlertRow[]).map(toAlert);
    },

    async alertCountsByRule(query) {
      const since = toIso(query.since, 'since');
      const limit = clampRuleCountLimit(query.limit);
      if (query.agencyIds?.length === 0) return [];
      // Served by alerts(created_at, agency_id, rule_id) (migration 6): a range scan of the window, no table reads.
      const byAgency = query.agencyIds ? 'AND agency_id IN (SELECT value FROM json_each(?))' : '';
      const rows = h
        .stmt(
          `SELECT rule_id, COUNT(*) AS n FROM alerts WHERE created_at >= ? ${byAgency}
           GROUP BY rule_id ORDER BY n DESC, rule_id LIMIT ?`,
        )
        .all(since, ...(query.agencyIds ? [JSON.stringify(query.agencyIds)] : []), limit) as { rule_id: string; n: number }[];
      return rows.map((r) => ({ ruleId: r.rule_id, count: r.n }));
    },

    async timeline(incidentId) {
      return (h.stmt(SQL.timelineOf).all(incidentId) as TimelineRow[]).map(toTimelineEntry);
    },

    async addTimeline(entry) {
      const saved = {
        id: randomUUID(),
        incidentId: entry.incidentId,
        at: toIso(entry.at, 'at'),
        actor: entry.actor,
        action: entry.action,
        details: entry.details ?? {},
      };
      translate(
        () =>
          h
            .stmt(SQL.insertTimeline)
            .run(saved.id, saved.incidentId, saved.at, saved.actor, saved.action, JSON.stringify(saved.details)),
        { missing: `incident ${entry.incidentId}` },
      );
      return saved;
    },

    ...createSqliteIncidentLifecycle(h),
  };
}
