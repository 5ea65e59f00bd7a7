/**
 * The legal clocks of a report, as pure functions of its awareness time, what was submitted when, and the policy
 * (config: REPORT_EARLY_WARNING_HOURS, REPORT_NOTIFICATION_HOURS, REPORT_FINAL_DAYS, REPORT_DUE_SOON_HOURS).
 *
 * - early warning: due `earlyWarningMs` after awareness;
 * - notification: due `notificationMs` after awareness;
 * - final report: due `finalMs` after the notification was submitted (after the notification's due time while it
 *   was not).
 * Submitting a stage meets its own deadline and every earlier one still open (a notification sent first also serves
 * as the early warning; a final report meets all three). `progress` meets none.
 *
 * A deadline's state at `now`: `met` once submitted; `overdue` when now is past its due time; `due_soon` within
 * `dueSoonMs` before it; `pending` otherwise. Nothing here reads a clock: `now` is always passed in, which is what
 * makes deadlines testable without sleeping (a report whose awareness was 80 h ago is overdue for notification).
 */
import {
  DEADLINE_KINDS,
  type DeadlineKind,
  type DeadlineState,
  type Report,
  type ReportDeadlines,
  type ReportStage,
  type ReportStatus,
  type StoredDeadline,
} from './report.js';

export interface DeadlinePolicy {
  earlyWarningMs: number;
  notificationMs: number;
  finalMs: number;
  dueSoonMs: number;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export const DEFAULT_DEADLINE_POLICY: DeadlinePolicy = {
  earlyWarningMs: 24 * HOUR_MS,
  notificationMs: 72 * HOUR_MS,
  finalMs: 30 * DAY_MS,
  dueSoonMs: 4 * HOUR_MS,
};

/** Which deadlines a stage meets. */
export const STAGE_MEETS: Readonly<Record<ReportStage, readonly DeadlineKind[]>> = {
  early_warning: ['earlyWarning'],
  notification: ['earlyWarning', 'notification'],
  progress: [],
  final: ['earlyWarning', 'notification', 'final'],
};

const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

/** Due times from the awareness time and the submission times so far. */
export function computeDeadlines(
  awarenessAt: string,
  submitted: Partial<Record<DeadlineKind, string | null>>,
  policy: DeadlinePolicy,
): ReportDeadlines {
  const earlyWarning: StoredDeadline = { dueAt: plus(awarenessAt, policy.earlyWarningMs), submittedAt: submitted.earlyWarning ?? null };
  const notification: StoredDeadline = { dueAt: plus(awarenessAt, policy.notificationMs), submittedAt: submitted.notification ?? null };
  const final: StoredDeadline = {
    dueAt: plus(notification.submittedAt ?? notification.dueAt, policy.finalMs),
    submittedAt: submitted.final ?? null,
  };
  return { earlyWarning, notification, final };
}

/** The deadlines after `stage` was submitted at `at` (earlier submission times are kept). */
export function deadlinesAfterSubmit(
  report: Pick<Report, 'awarenessAt' | 'deadlines'>,
  stage: ReportStage,
  at: string,
  policy: DeadlinePolicy,
): ReportDeadlines {
  const submitted: Partial<Record<DeadlineKind, string | null>> = {};
  for (const k of DEADLINE_KINDS) submitted[k] = report.deadlines[k].submittedAt;
  for (const k of STAGE_MEETS[stage]) submitted[k] ??= at;
  return computeDeadlines(report.awarenessAt, submitted, policy);
}

/** The earliest unmet due time; null when all are met or the report is closed. */
export function nextDueAt(deadlines: ReportDeadlines, status: ReportStatus): string | null {
  if (status === 'closed') return null;
  let next: string | null = null;
  for (const k of DEADLINE_KINDS) {
    const d = deadlines[k];
    if (d.submittedAt === null && (next === null || d.dueAt < next)) next = d.dueAt;
  }
  return next;
}

export function deadlineState(d: StoredDeadline, nowMs: number, dueSoonMs: number): DeadlineState {
  if (d.submittedAt !== null) return 'met';
  const due = Date.parse(d.dueAt);
  if (nowMs > due) return 'overdue';
  if (due - nowMs <= dueSoonMs) return 'due_soon';
  return 'pending';
}

/** A deadline as the API shows it. */
export interface DeadlineView {
  dueAt: string;
  submittedAt?: string;
  state: DeadlineState;
  /** Set once met: whether it was met by the due time. */
  onTime?: boolean;
}

export function deadlineView(d: StoredDeadline, nowMs: number, dueSoonMs: number): DeadlineView {
  const view: DeadlineView = { dueAt: d.dueAt, state: deadlineState(d, nowMs, dueSoonMs) };
  if (d.submittedAt !== null) {
    view.submittedAt = d.submittedAt;
    view.onTime = d.submittedAt <= d.dueAt;
  }
  return view;
}

export function deadlineViews(deadlines: ReportDeadlines, nowMs: number, dueSoonMs: number): Record<DeadlineKind, DeadlineView> {
  return {
    earlyWarning: deadlineView(deadlines.earlyWarning, nowMs, dueSoonMs),
    notification: deadlineView(deadlines.notification, nowMs, dueSoonMs),
    final: deadlineView(deadlines.final, nowMs, dueSoonMs),
  };
}

/** The worst state among the open deadlines (for list badges): overdue > due_soon > pending > met. */
export function worstState(views: Record<DeadlineKind, DeadlineView>): DeadlineState {
  const order: DeadlineState[] = ['overdue', 'due_soon', 'pending', 'met'];
  for (const s of order) if (DEADLINE_KINDS.some((k) => views[k].state === s)) return s;
  return 'met';
}
