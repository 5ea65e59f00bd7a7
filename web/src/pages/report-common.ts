/** Small pieces every report page shares: labels, badges, the deadline summary of a report. */
import { h } from '../dom';
import { formatAge, formatDateTime, formatDateTimeLong, humanize } from '../format';
import { hasKey, t } from '../i18n';
import {
  DEADLINE_KINDS,
  type Deadline,
  type DeadlineKind,
  type DeadlineState,
  type Report,
  type ReportMeta,
  type ReportStage,
  type ReportStatus,
  type TlpLevel,
} from './reports-api';

export const reportHref = (id: string) => `/reports/${encodeURIComponent(id)}`;
export const reportEditHref = (id: string) => `/reports/${encodeURIComponent(id)}/edit`;

export function statusLabel(status: ReportStatus): string {
  const key = `reportStatus.${status}`;
  return hasKey(key) ? t(key) : humanize(status);
}

export function stageLabel(stage: ReportStage): string {
  const key = `reportStage.${stage}`;
  return hasKey(key) ? t(key) : humanize(stage);
}

export function deadlineLabel(kind: DeadlineKind): string {
  const key = `reportDeadline.${kind}`;
  return hasKey(key) ? t(key) : humanize(kind);
}

export function stateLabel(state: DeadlineState): string {
  const key = `deadlineState.${state}`;
  return hasKey(key) ? t(key) : humanize(state);
}

export function categoryLabel(meta: ReportMeta | null, slug: string): string {
  return meta?.categories.find((c) => c.slug === slug)?.label ?? humanize(slug);
}

export function typeLabel(meta: ReportMeta | null, category: string, slug: string | null): string {
  if (!slug) return '';
  return meta?.categories.find((c) => c.slug === category)?.types.find((x) => x.slug === slug)?.label ?? humanize(slug);
}

export function severityLabel(meta: ReportMeta | null, slug: string): string {
  return meta?.severities.find((s) => s.slug === slug)?.label ?? humanize(slug);
}

export function reportStatusBadge(status: ReportStatus): HTMLElement {
  return h('span', { class: `badge rstatus rstatus--${status}`, 'data-report-status': status }, statusLabel(status));
}

export function tlpBadge(tlp: TlpLevel): HTMLElement {
  const cls = tlp.toLowerCase().replace('+', '-');
  return h('span', { class: `badge tlp tlp--${cls}`, title: t('report.tlpTitle') }, `TLP:${tlp}`);
}

export function nciss(meta: ReportMeta | null, slug: string): HTMLElement {
  return h('span', { class: `badge nciss nciss--${slug}` }, severityLabel(meta, slug).replace(/\s*\(Level \d\)$/, ''));
}

/** The deadline that decides a report's badge: the first overdue, else the first due soon, else the next open. */
export function decisiveDeadline(report: Pick<Report, 'deadlines' | 'status'>): { kind: DeadlineKind; deadline: Deadline } | null {
  if (report.status === 'closed') return null;
  for (const state of ['overdue', 'due_soon', 'pending'] as const) {
    for (const kind of DEADLINE_KINDS) {
      const d = report.deadlines[kind];
      if (d.state === state) return { kind, deadline: d };
    }
  }
  return null;
}

/** `Notification overdue 8h` / `Early warning due in 3h` / `All deadlines met`, coloured by state, never colour alone. */
export function deadlineBadge(report: Pick<Report, 'deadlines' | 'status'>, now = Date.now()): HTMLElement {
  const decisive = decisiveDeadline(report);
  if (!decisive) {
    const met = report.status !== 'closed';
    return h(
      'span',
      { class: `badge dl dl--${met ? 'met' : 'closed'}`, 'data-deadline-state': met ? 'met' : 'closed' },
      met ? t('deadlineBadge.allMet') : t('deadlineBadge.closed'),
    );
  }
  const { kind, deadline } = decisive;
  const due = Date.parse(deadline.dueAt);
  const text =
    deadline.state === 'overdue'
      ? t('deadlineBadge.overdue', { deadline: deadlineLabel(kind), age: formatAge(deadline.dueAt, now) })
      : t('deadlineBadge.dueIn', { deadline: deadlineLabel(kind), age: formatAge(new Date(now - (due - now)).toISOString(), now) });
  return h(
    'span',
    {
      class: `badge dl dl--${deadline.state}`,
      'data-deadline-state': deadline.state,
      'data-deadline': kind,
      title: t('deadlineBadge.title', { deadline: deadlineLabel(kind), time: formatDateTimeLong(deadline.dueAt) }),
    },
    h('span', { class: 'dl__dot', 'aria-hidden': 'true' }),
    text,
  );
}

/** One deadline's state, with its due and submission times. */
export function deadlineStateBadge(d: Deadline): HTMLElement {
  const late = d.state === 'met' && d.onTime === false;
  return h(
    'span',
    { class: `badge dl dl--${late ? 'late' : d.state}`, 'data-deadline-state': d.state },
    h('span', { class: 'dl__dot', 'aria-hidden': 'true' }),
    late ? t('deadlineState.metLate') : stateLabel(d.state),
  );
}

export function timeEl(iso: string | null | undefined): HTMLElement {
  if (!iso) return h('span', { class: 'muted' }, '—');
  return h('time', { datetime: iso, title: formatDateTimeLong(iso) }, formatDateTime(iso));
}

export function percent(rate: number | null): string {
  return rate === null ? '—' : `${Math.round(rate * 100)}%`;
}
