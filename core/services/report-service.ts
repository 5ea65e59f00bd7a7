/**
 * What people do with incident reports: an agency admin files one (from scratch or prefilled from incidents),
 * edits it, submits its stages (early warning, notification, progress, final), adds evidence; the centre (analysts
 * and admins) reads every agency's reports, acknowledges and closes them; leadership reads on-time rates.
 *
 * Agency scoping: an agency admin reaches only its own agency's reports. Any other report is "not found", exactly
 * like a missing one, and the attempt is written to the audit log (`report.access_denied`). Roles are checked by
 * the routes (403 before anything is looked up); this service checks scope, workflow and content.
 *
 * Concurrency: every write is a compare-and-set on the report's revision. A PATCH that sends the revision it saw
 * gets a 409 when the report moved on; without one, and for workflow actions, the change is re-checked against the
 * fresh report and retried.
 */
import {
  contentOf,
  DEADLINE_KINDS,
  EMPTY_IMPACT,
  REPORT_CONTENT_FIELDS,
  type AgencyDeadlineStats,
  type DeadlineCounts,
  type DeadlineKind,
  type DeadlineState,
  type Report,
  type ReportAttachment,
  type ReportContent,
  type ReportNotification,
  type ReportStage,
  type ReportStatus,
  type ReportVersion,
} from '../domain/report.js';
import {
  computeDeadlines,
  deadlinesAfterSubmit,
  deadlineViews,
  nextDueAt,
  worstState,
  type DeadlinePolicy,
  type DeadlineView,
} from '../domain/report-deadlines.js';
import { diffReportContent, type FieldChange } from '../domain/report-diff.js';
import { checkIndicator, dedupIndicators, MAX_INDICATORS, type IndicatorType, type ReportIndicator } from '../domain/report-indicators.js';
import {
  contentIssues,
  createReportSchema,
  patchReportSchema,
  REQUIRED_ON_CREATE,
  stageIssues,
  submitReportSchema,
  type InputIssue,
} from '../domain/report-input.js';
import { isReportCategory, isReportType, NCISS_LEVELS, SIGMA_TO_NCISS, type NcissLevel } from '../domain/report-taxonomy.js';
import type { AuditEntry, Incident, Role } from '../domain/types.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors/app-error.js';
import type { ReportFilter, ReportPatch, ReportSort, Storage } from '../storage/storage.port.js';

export interface ReportActor {
  id: string;
  username: string;
  role: Role;
  agencyId: string | null;
}

/** A report as the API returns it: deadlines with their state now, and the worst open state for badges. */
export interface ReportView extends Omit<Report, 'deadlines'> {
  deadlines: Record<DeadlineKind, DeadlineView>;
  /** overdue > due_soon > pending > met over the three deadlines; null for a closed report. */
  deadlineState: DeadlineState | null;
}

export interface ReportListQuery {
  status?: ReportStatus[];
  agencyId?: string;
  overdue?: boolean;
  q?: string;
  sort?: ReportSort;
  limit?: number;
  offset?: number;
}

export interface OnTimeRates {
  /** On time ÷ (on time + late + missed); null when nothing was due yet. */
  earlyWarning: number | null;
  notification: number | null;
  final: number | null;
  /** Over the three deadlines together. */
  overall: number | null;
}

export interface AgencyOnTime extends AgencyDeadlineStats {
  agencyName: string;
  agencyCode: string;
  rates: OnTimeRates;
}

export interface OnTimeStats {
  generatedAt: string;
  from: string | null;
  to: string | null;
  agencies: AgencyOnTime[];
  total: Omit<AgencyOnTime, 'agencyId' | 'agencyName' | 'agencyCode'>;
}

export type ReportUpdatePublisher = (report: Report) => void;

export type ReportServiceStorage = Pick<
  Storage,
  'reports' | 'reportAttachments' | 'reportNotifications' | 'incidents' | 'audit' | 'agencies'
>;

/** How often a change without an explicit revision is re-checked and retried after losing a race. */
const MAX_ATTEMPTS = 4;
const NONE_AGENCY = '__none__';
const CSV_EXPORT_MAX = 10_000;

export const REPORT_AUDIT_TARGET = 'report';

const isCentre = (actor: ReportActor) => actor.role !== 'agency_admin';
const scopeOf = (actor: ReportActor): string[] | null => (isCentre(actor) ? null : [actor.agencyId ?? NONE_AGENCY]);

function rate(c: DeadlineCounts): number | null {
  const due = c.onTime + c.late + c.missed;
  return due === 0 ? null : c.onTime / due;
}

function addCounts(a: DeadlineCounts, b: DeadlineCounts): DeadlineCounts {
  return { onTime: a.onTime + b.onTime, late: a.late + b.late, missed: a.missed + b.missed, pending: a.pending + b.pending };
}

function ratesOf(s: Pick<AgencyDeadlineStats, DeadlineKind>): OnTimeRates {
  const all = DEADLINE_KINDS.reduce((acc, k) => addCounts(acc, s[k]), { onTime: 0, late: 0, missed: 0, pending: 0 });
  return { earlyWarning: rate(s.earlyWarning), notification: rate(s.notification), final: rate(s.final), overall: rate(all) };
}

const severityOrder = (s: NcissLevel) => NCISS_LEVELS.indexOf(s);

/** What a set of incidents says about a report on them (every field may be overridden by the caller). */
export function prefillFromIncidents(incidents: readonly Incident[]): Partial<ReportContent> {
  if (incidents.length === 0) return {};
  const sorted = [...incidents].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  const first = sorted[0]!;
  const counts = new Map<string, number>();
  for (const i of sorted) if (isReportCategory(i.category)) counts.set(i.category, (counts.get(i.category) ?? 0) + 1);
  const category = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'other';
  const type = sorted.map((i) => i.type).find((t): t is string => !!t && isReportType(category, t)) ?? null;
  const severity = sorted
    .map((i) => SIGMA_TO_NCISS[i.severity] ?? 'baseline-minor')
    .reduce((worst, s) => (severityOrder(s) < severityOrder(worst) ? s : worst), 'baseline-negligible' as NcissLevel);
  const hosts = new Set(sorted.flatMap((i) => i.entities.hosts));
  const users = new Set(sorted.flatMap((i) => i.entities.users));
  const candidates: [IndicatorType, string][] = [
    ...sorted.flatMap((i) => i.entities.ips.map((v): [IndicatorType, string] => ['ip', v])),
    ...sorted.flatMap((i) => (i.entities.domains ?? []).map((v): [IndicatorType, string] => ['domain', v])),
    ...sorted.flatMap((i) => (i.entities.hashes ?? []).map((v): [IndicatorType, string] => ['hash', v])),
  ];
  const indicators: ReportIndicator[] = [];
  for (const [t, v] of candidates) {
    const checked = checkIndicator(t, v);
    if (checked.ok) indicators.push({ type: t, kind: checked.kind, value: checked.value, description: `from incident entities` });
  }
  const lines = sorted.map(
    (i) => `- ${i.title} (${i.severity}; ${i.alertCount} alert(s), ${i.eventCount} event(s); first seen ${i.firstSeen}, last seen ${i.lastSeen}${i.host ? `; host ${i.host}` : ''})`,
  );
  return {
    title: sorted.length === 1 ? first.title : `${first.title} (+${sorted.length - 1} related incident${sorted.length > 2 ? 's' : ''})`,
    category,
    type,
    description: `Detected by Vigil:\n${lines.join('\n')}`,
    awarenessAt: first.createdAt,
    occurredAt: sorted.map((i) => i.firstSeen).sort()[0] ?? null,
    severity,
    tlp: 'AMBER',
    impact: { ...EMPTY_IMPACT, data: { ...EMPTY_IMPACT.data }, systemsAffected: hosts.size, usersAffected: users.size, suspectedMalicious: true },
    indicators: dedupIndicators(indicators).slice(0, MAX_INDICATORS),
    incidentIds: sorted.map((i) => i.id).sort(),
  };
}

function toIssues(issues: readonly { path: PropertyKey[]; message: string }[]): InputIssue[] {
  return issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'number' ? p : String(p))), message: i.message }));
}

export function createReportService(deps: {
  storage: ReportServiceStorage;
  policy: DeadlinePolicy;
  /** Epoch ms; injectable so tests control the clock. */
  now?: () => number;
  publish?: ReportUpdatePublisher;
}) {
  const { storage, policy } = deps;
  const now = deps.now ?? Date.now;
  const nowIso = () => new Date(now()).toISOString();
  const publish = (r: Report) => deps.publish?.(r);

  const audit = (actor: ReportActor, action: string, target: string, details: Record<string, unknown> = {}) =>
    storage.audit.record({ at: nowIso(), actor: actor.username, action, targetType: REPORT_AUDIT_TARGET, target, details });

  /** Refuses (404) and audits an agency admin's reach into another agency. */
  async function denied(actor: ReportActor, action: string, target: string, details: Record<string, unknown>): Promise<never> {
    await audit(actor, 'report.access_denied', target, { attempted: action, actorAgencyId: actor.agencyId, ...details });
    throw new NotFoundError(details.kind === 'incident' ? `incident ${target}` : details.kind === 'agency' ? 'agency' : 'report');
  }

  /** The report if the actor may see it; otherwise NotFoundError (audited when it exists in another agency). */
  async function visible(actor: ReportActor, id: string, action: string): Promise<Report> {
    const report = await storage.reports.get(id);
    if (!report) throw new NotFoundError('report');
    const scope = scopeOf(actor);
    if (scope && !scope.includes(report.agencyId)) return denied(actor, action, id, { reportAgencyId: report.agencyId });
    return report;
  }

  /** The incidents to link: each must exist and, for an agency admin, be of its agency. */
  async function linkedIncidents(actor: ReportActor, agencyId: string, ids: readonly string[], action: string, reportId: string | null): Promise<Incident[]> {
    const out: Incident[] = [];
    for (const id of [...new Set(ids)]) {
      const incident = await storage.incidents.get(id);
      if (!incident) throw new NotFoundError(`incident ${id}`);
      if (incident.agencyId !== agencyId) {
        return denied(actor, action, id, { kind: 'incident', incidentAgencyId: incident.agencyId, reportId });
      }
      out.push(incident);
    }
    return out;
  }

  function view(report: Report): ReportView {
    const views = deadlineViews(report.deadlines, now(), policy.dueSoonMs);
    return { ...report, deadlines: views, deadlineState: report.status === 'closed' ? null : worstState(views) };
  }

  function checkContent(content: ReportContent): void {
    const issues = contentIssues(content, now());
    if (issues.length) throw new ValidationError('invalid report', issues);
  }

  /** Read, decide, compare-and-set; retried on a lost race unless the caller pinned a revision. */
  async function change(
    id: string,
    pinnedRevision: number | undefined,
    decide: (current: Report) => Promise<ReportPatch | null> | ReportPatch | null,
    version?: (current: Report) => { stage: ReportStage; by: string },
    actorForScope?: { actor: ReportActor; action: string },
  ): Promise<{ before: Report; after: Report; version: ReportVersion | null }> {
    for (let attempt = 1; ; attempt += 1) {
      const current = actorForScope ? await visible(actorForScope.actor, id, actorForScope.action) : await storage.reports.get(id);
      if (!current) throw new NotFoundError('report');
      const patch = await decide(current);
      if (patch === null) return { before: current, after: current, version: null };
      try {
        const at = nowIso();
        const res = await storage.reports.update(id, patch, {
          at,
          expectedRevision: pinnedRevision ?? current.revision,
          ...(version ? { version: version(current) } : {}),
        });
        return { before: current, after: res.report, version: res.version };
      } catch (err) {
        const stale = err instanceof ConflictError && (err.details as { reason?: string } | undefined)?.reason === 'stale';
        if (!stale || pinnedRevision !== undefined || attempt >= MAX_ATTEMPTS) throw err;
      }
    }
  }

  async function filterFor(actor: ReportActor, query: ReportListQuery): Promise<ReportFilter> {
    const scope = scopeOf(actor);
    if (scope && query.agencyId !== undefined && !scope.includes(query.agencyId)) {
      return denied(actor, 'list', query.agencyId, { kind: 'agency' });
    }
    const agencyIds = query.agencyId !== undefined ? [query.agencyId] : (scope ?? undefined);
    return {
      ...(agencyIds ? { agencyIds } : {}),
      ...(query.status ? { status: query.status } : {}),
      ...(query.overdue ? { dueBefore: nowIso() } : {}),
      ...(query.q ? { q: query.q } : {}),
    };
  }

  return {
    view,

    async create(actor: ReportActor, body: unknown): Promise<ReportView> {
      const parsed = createReportSchema.safeParse(body ?? {});
      if (!parsed.success) throw new ValidationError('invalid report', toIssues(parsed.error.issues));
      const input = parsed.data;
      const agencyId = actor.agencyId ?? NONE_AGENCY;
      if (input.agencyId !== undefined && input.agencyId !== agencyId) {
        return denied(actor, 'create', input.agencyId, { kind: 'agency' });
      }
      const incidents = input.incidentIds?.length ? await linkedIncidents(actor, agencyId, input.incidentIds, 'create', null) : [];
      if (incidents.length === 0) {
        const missing = REQUIRED_ON_CREATE.filter((k) => input[k] === undefined);
        if (missing.length) {
          throw new ValidationError('invalid report', missing.map((k) => ({ path: [k], message: 'required' })));
        }
      }
      const prefill = prefillFromIncidents(incidents);
      const pick = <K extends keyof ReportContent>(k: K, fallback: ReportContent[K]): ReportContent[K] =>
        (input[k] as ReportContent[K] | undefined) ?? (prefill[k] as ReportContent[K] | undefined) ?? fallback;
      const content: ReportContent = {
        title: pick('title', '').slice(0, 200),
        category: pick('category', 'other'),
        type: input.type !== undefined ? input.type : (prefill.type ?? null),
        description: pick('description', ''),
        awarenessAt: new Date(pick('awarenessAt', nowIso())).toISOString(),
        occurredAt: input.occurredAt !== undefined ? input.occurredAt : (prefill.occurredAt ?? null),
        severity: pick('severity', 'baseline-minor'),
        tlp: pick('tlp', 'AMBER'),
        impact: pick('impact', EMPTY_IMPACT),
        indicators: pick('indicators', []),
        actionsTaken: pick('actionsTaken', ''),
        incidentIds: [...new Set([...(input.incidentIds ?? []), ...(prefill.incidentIds ?? [])])].sort(),
      };
      if (content.occurredAt !== null) content.occurredAt = new Date(content.occurredAt).toISOString();
      checkContent(content);
      const at = nowIso();
      const deadlines = computeDeadlines(content.awarenessAt, {}, policy);
      const report = await storage.reports.create({
        ...content,
        agencyId,
        reporter: actor.username,
        reporterId: actor.id,
        status: 'draft',
        lastStage: null,
        deadlines,
        nextDueAt: nextDueAt(deadlines, 'draft'),
        submittedAt: null,
        acknowledgedAt: null,
        acknowledgedBy: null,
        closedAt: null,
        closedBy: null,
        createdAt: at,
        updatedAt: at,
      });
      await audit(actor, 'report.created', report.id, {
        agencyId,
        ...(incidents.length ? { prefilledFrom: report.incidentIds } : {}),
      });
      publish(report);
      return view(report);
    },

    async get(actor: ReportActor, id: string): Promise<ReportView & { attachments: ReportAttachment[] }> {
      const report = await visible(actor, id, 'read');
      return { ...view(report), attachments: await storage.reportAttachments.list(id) };
    },

    /** The report record itself (scoped), for exports. */
    async record(actor: ReportActor, id: string, action = 'read'): Promise<Report> {
      return visible(actor, id, action);
    },

    async update(actor: ReportActor, id: string, body: unknown): Promise<ReportView> {
      const parsed = patchReportSchema.safeParse(body ?? {});
      if (!parsed.success) throw new ValidationError('invalid report', toIssues(parsed.error.issues));
      const { revision, ...input } = parsed.data;
      let changed: string[] = [];
      const res = await change(
        id,
        revision,
        async (current) => {
          if (current.status === 'closed') throw new ConflictError('a closed report cannot be changed');
          const next: ReportContent = { ...contentOf(current) };
          for (const k of REPORT_CONTENT_FIELDS) {
            if (input[k] !== undefined) (next as unknown as Record<string, unknown>)[k] = input[k];
          }
          next.awarenessAt = new Date(next.awarenessAt).toISOString();
          if (next.occurredAt !== null) next.occurredAt = new Date(next.occurredAt).toISOString();
          next.incidentIds = [...new Set(next.incidentIds)].sort();
          const added = next.incidentIds.filter((i) => !current.incidentIds.includes(i));
          if (added.length) await linkedIncidents(actor, current.agencyId, added, 'update', id);
          checkContent(next);
          changed = diffReportContent(contentOf(current), next).map((c) => c.field.split(/[.[]/)[0]!);
          changed = [...new Set(changed)];
          if (changed.length === 0) return null;
          const patch: ReportPatch = { ...next };
          // Due times follow the awareness time and the policy as configured now (a changed REPORT_* setting
          // reaches a report the next time it is written).
          const submitted = Object.fromEntries(DEADLINE_KINDS.map((k) => [k, current.deadlines[k].submittedAt]));
          const deadlines = computeDeadlines(next.awarenessAt, submitted, policy);
          if (JSON.stringify(deadlines) !== JSON.stringify(current.deadlines)) {
            patch.deadlines = deadlines;
            patch.nextDueAt = nextDueAt(deadlines, current.status);
          }
          return patch;
        },
        undefined,
        { actor, action: 'update' },
      );
      if (changed.length && res.after !== res.before) {
        await audit(actor, 'report.updated', id, { fields: changed, revision: res.after.revision });
        publish(res.after);
      }
      return view(res.after);
    },

    async submit(actor: ReportActor, id: string, body: unknown): Promise<ReportView & { submittedVersion: ReportVersion }> {
      const parsed = submitReportSchema.safeParse(body ?? {});
      if (!parsed.success) throw new ValidationError('invalid submission', toIssues(parsed.error.issues));
      const { stage } = parsed.data;
      const at = nowIso();
      const res = await change(
        id,
        undefined,
        (current) => {
          if (current.status === 'closed') throw new ConflictError('a closed report cannot be submitted');
          const met = (k: DeadlineKind) => current.deadlines[k].submittedAt !== null;
          const refuse = (why: string) => {
            throw new ConflictError(why, { stage, lastStage: current.lastStage });
          };
          if (stage === 'early_warning' && current.lastStage !== null) refuse('the early warning can only be the first stage submitted');
          if (stage === 'notification' && met('notification')) refuse('the notification was already submitted');
          if (stage === 'progress' && !met('notification')) refuse('a progress report follows the notification');
          if (stage === 'progress' && met('final')) refuse('a progress report cannot follow the final report');
          if (stage === 'final' && met('final')) refuse('the final report was already submitted');
          const issues = stageIssues(stage, contentOf(current));
          if (issues.length) throw new ValidationError(`the ${stage.replace('_', ' ')} report is incomplete`, issues);
          const deadlines = deadlinesAfterSubmit(current, stage, at, policy);
          return {
            status: 'submitted' as const,
            lastStage: stage,
            submittedAt: at,
            deadlines,
            nextDueAt: nextDueAt(deadlines, 'submitted'),
          };
        },
        () => ({ stage, by: actor.username }),
        { actor, action: 'submit' },
      );
      const version = res.version!;
      await audit(actor, 'report.submitted', id, { stage, version: version.version });
      publish(res.after);
      return { ...view(res.after), submittedVersion: version };
    },

    async acknowledge(actor: ReportActor, id: string): Promise<ReportView> {
      const res = await change(
        id,
        undefined,
        (current) => {
          if (current.status !== 'submitted') {
            throw new ConflictError(`only a submitted report can be acknowledged (this one is ${current.status})`, { status: current.status });
          }
          return { status: 'acknowledged' as const, acknowledgedAt: nowIso(), acknowledgedBy: actor.username };
        },
        undefined,
        { actor, action: 'acknowledge' },
      );
      await audit(actor, 'report.acknowledged', id, { stage: res.after.lastStage, version: res.after.version });
      publish(res.after);
      return view(res.after);
    },

    async close(actor: ReportActor, id: string): Promise<ReportView> {
      const res = await change(
        id,
        undefined,
        (current) => {
          if (current.status !== 'submitted' && current.status !== 'acknowledged') {
            throw new ConflictError(`only a submitted or acknowledged report can be closed (this one is ${current.status})`, {
              status: current.status,
            });
          }
          return { status: 'closed' as const, closedAt: nowIso(), closedBy: actor.username, nextDueAt: null };
        },
        undefined,
        { actor, action: 'close' },
      );
      await audit(actor, 'report.closed', id, { lastStage: res.after.lastStage });
      publish(res.after);
      return view(res.after);
    },

    async list(actor: ReportActor, query: ReportListQuery): Promise<{ items: ReportView[]; total: number; sort: ReportSort }> {
      const filter = await filterFor(actor, query);
      const sort = query.sort ?? (isCentre(actor) ? 'due' : 'updated');
      const page = await storage.reports.list(filter, { sort, limit: query.limit ?? 50, offset: query.offset ?? 0 });
      return { items: page.items.map(view), total: page.total, sort };
    },

    /** Every report a list query selects (for CSV), up to 10 000. */
    async listAll(actor: ReportActor, query: ReportListQuery): Promise<ReportView[]> {
      const filter = await filterFor(actor, query);
      const sort = query.sort ?? (isCentre(actor) ? 'due' : 'updated');
      const out: ReportView[] = [];
      for (let offset = 0; out.length < CSV_EXPORT_MAX; offset += 500) {
        const page = await storage.reports.list(filter, { sort, limit: 500, offset });
        out.push(...page.items.map(view));
        if (page.items.length < 500) break;
      }
      return out.slice(0, CSV_EXPORT_MAX);
    },

    async versions(actor: ReportActor, id: string): Promise<ReportVersion[]> {
      await visible(actor, id, 'versions');
      return storage.reports.versions(id);
    },

    async version(actor: ReportActor, id: string, n: number): Promise<ReportVersion> {
      await visible(actor, id, 'versions');
      const v = await storage.reports.getVersion(id, n);
      if (!v) throw new NotFoundError(`version ${n}`);
      return v;
    },

    /** Field-level changes from version `from` to version `to` (`current`: the report as it is now). */
    async diff(
      actor: ReportActor,
      id: string,
      from: number,
      to: number | 'current',
    ): Promise<{ from: { version: number; stage: ReportStage }; to: { version: number | 'current'; stage: ReportStage | null }; changes: FieldChange[] }> {
      const report = await visible(actor, id, 'versions');
      const a = await storage.reports.getVersion(id, from);
      if (!a) throw new NotFoundError(`version ${from}`);
      let bContent: ReportContent;
      let bStage: ReportStage | null = null;
      if (to === 'current') bContent = contentOf(report);
      else {
        const b = await storage.reports.getVersion(id, to);
        if (!b) throw new NotFoundError(`version ${to}`);
        bContent = b.content;
        bStage = b.stage;
      }
      return {
        from: { version: a.version, stage: a.stage },
        to: { version: to, stage: bStage },
        changes: diffReportContent(a.content, bContent),
      };
    },

    /** Audit entries of the report (its history), oldest first, without refused access attempts and exports. */
    async history(report: Report): Promise<AuditEntry[]> {
      const entries = await storage.audit.list({ target: report.id, targetType: REPORT_AUDIT_TARGET }, { limit: 1000 });
      return entries.filter((e) => e.action !== 'report.access_denied' && e.action !== 'report.exported').reverse();
    },

    /** Who took a copy out, in which format (a TLP:RED report's readers are worth knowing). */
    async exported(actor: ReportActor, report: Report, format: string): Promise<void> {
      await audit(actor, 'report.exported', report.id, { format, tlp: report.tlp });
    },

    async onTime(actor: ReportActor, query: { agencyId?: string; from?: string; to?: string }): Promise<OnTimeStats> {
      const scope = scopeOf(actor);
      if (scope && query.agencyId !== undefined && !scope.includes(query.agencyId)) {
        return denied(actor, 'stats', query.agencyId, { kind: 'agency' });
      }
      const agencyIds = query.agencyId !== undefined ? [query.agencyId] : (scope ?? undefined);
      const generatedAt = nowIso();
      const rows = await storage.reports.deadlineStats({
        now: generatedAt,
        ...(agencyIds ? { agencyIds } : {}),
        ...(query.from ? { from: query.from } : {}),
        ...(query.to ? { to: query.to } : {}),
      });
      const agencies = new Map((await storage.agencies.list()).map((a) => [a.id, a]));
      const zero = { onTime: 0, late: 0, missed: 0, pending: 0 };
      const total = { reports: 0, earlyWarning: { ...zero }, notification: { ...zero }, final: { ...zero } };
      const out: AgencyOnTime[] = rows.map((r) => {
        total.reports += r.reports;
        for (const k of DEADLINE_KINDS) total[k] = addCounts(total[k], r[k]);
        const agency = agencies.get(r.agencyId);
        return { ...r, agencyName: agency?.name ?? r.agencyId, agencyCode: agency?.code ?? '', rates: ratesOf(r) };
      });
      // Worst on-time rate first: leadership reads the list top-down.
      out.sort((a, b) => (a.rates.overall ?? 2) - (b.rates.overall ?? 2) || a.agencyName.localeCompare(b.agencyName));
      return {
        generatedAt,
        from: query.from ?? null,
        to: query.to ?? null,
        agencies: out,
        total: { ...total, rates: ratesOf(total) },
      };
    },

    async notifications(actor: ReportActor, query: { reportId?: string; since?: string; limit?: number }): Promise<ReportNotification[]> {
      if (query.reportId) await visible(actor, query.reportId, 'notifications');
      const scope = scopeOf(actor);
      return storage.reportNotifications.list(
        { ...(scope ? { agencyIds: scope } : {}), ...(query.reportId ? { reportId: query.reportId } : {}), ...(query.since ? { since: query.since } : {}) },
        { limit: query.limit ?? 50 },
      );
    },

    /** Records an attachment's metadata after its bytes were stored (scope and state checked first by `canAttach`). */
    async canAttach(actor: ReportActor, id: string): Promise<Report> {
      const report = await visible(actor, id, 'attach');
      if (report.status === 'closed') throw new ConflictError('a closed report cannot take attachments');
      return report;
    },

    async addAttachment(actor: ReportActor, report: Report, meta: Omit<ReportAttachment, 'id' | 'reportId' | 'uploadedBy' | 'uploadedAt'>): Promise<ReportAttachment> {
      const attachment = await storage.reportAttachments.create({
        ...meta,
        reportId: report.id,
        uploadedBy: actor.username,
        uploadedAt: nowIso(),
      });
      await audit(actor, 'report.attachment_added', report.id, {
        attachmentId: attachment.id,
        filename: attachment.filename,
        sha256: attachment.sha256,
        size: attachment.size,
      });
      publish(report);
      return attachment;
    },

    async attachment(actor: ReportActor, id: string, attachmentId: string): Promise<ReportAttachment> {
      await visible(actor, id, 'download');
      const a = await storage.reportAttachments.get(id, attachmentId);
      if (!a) throw new NotFoundError('attachment');
      return a;
    },

    async attachments(report: Report): Promise<ReportAttachment[]> {
      return storage.reportAttachments.list(report.id);
    },
  };
}

export type ReportService = ReturnType<typeof createReportService>;
