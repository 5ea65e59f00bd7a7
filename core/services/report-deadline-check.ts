/**
 * The deadline check the node-cron job runs every minute (workers/report-deadlines.ts): every open report with a
 * deadline due within REPORT_DUE_SOON_HOURS or past due gets one notification per deadline and level (due soon,
 * then overdue), pushed live to the consoles of its agency and of the centre, and e-mailed when SMTP is set.
 *
 * Once-only: the notification store keeps one record per report, deadline, level and due time, and only the
 * process whose record was new sends anything, so any number of processes may run the check at once.
 *
 * Recipients of the e-mail: the agency's admins and the centre's analysts and admins whose usernames are e-mail
 * addresses (users have no separate address), plus REPORT_NOTIFY_EMAILS. The subject and body never carry the title
 * of a TLP:RED or TLP:AMBER+STRICT report, only its id.
 */
import { DEADLINE_KINDS, type DeadlineKind, type Report, type ReportNotification } from '../domain/report.js';
import { deadlineState, type DeadlinePolicy } from '../domain/report-deadlines.js';
import type { Logger } from '../logging/logger.js';
import type { Storage } from '../storage/storage.port.js';
import { isEmailAddress, type ReportMailer } from './report-mailer.js';

const DEADLINE_NAMES: Record<DeadlineKind, string> = {
  earlyWarning: 'early warning',
  notification: 'incident notification',
  final: 'final report',
};

const PAGE = 200;

export interface DeadlineCheckResult {
  checked: number;
  raised: ReportNotification[];
  emailed: number;
}

export function createDeadlineChecker(deps: {
  storage: Pick<Storage, 'reports' | 'reportNotifications' | 'users' | 'agencies'>;
  policy: DeadlinePolicy;
  notifyEmails: readonly string[];
  mailer: ReportMailer | null;
  publish: (n: ReportNotification) => void;
  logger: Logger;
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;

  async function recipients(agencyId: string): Promise<string[]> {
    const users = await deps.storage.users.list();
    const out = new Set(deps.notifyEmails);
    for (const u of users) {
      if (u.disabled || !isEmailAddress(u.username)) continue;
      if ((u.role === 'agency_admin' && u.agencyId === agencyId) || u.role === 'analyst' || u.role === 'admin') out.add(u.username);
    }
    return [...out].sort();
  }

  function message(report: Report, n: ReportNotification, agencyLabel: string) {
    const restricted = report.tlp === 'RED' || report.tlp === 'AMBER+STRICT';
    const what = DEADLINE_NAMES[n.deadline];
    const name = restricted ? `report ${report.id}` : `"${report.title}"`;
    const subject =
      n.level === 'overdue'
        ? `[Vigil] OVERDUE: ${what} for ${name} (${agencyLabel})`
        : `[Vigil] Due soon: ${what} for ${name} (${agencyLabel})`;
    const text = [
      n.level === 'overdue'
        ? `The ${what} of an incident report is overdue.`
        : `The ${what} of an incident report is due within ${Math.round(deps.policy.dueSoonMs / 3_600_000)} hours.`,
      '',
      `Report:   ${restricted ? report.id : `${report.title} (${report.id})`}`,
      `Agency:   ${agencyLabel}`,
      `Due:      ${n.dueAt}`,
      `Status:   ${report.status}${report.lastStage ? `, last stage ${report.lastStage}` : ''}`,
      `TLP:      ${report.tlp}`,
      '',
      'Open the report in the Vigil console to submit the stage.',
    ].join('\n');
    return { subject, text };
  }

  return {
    async check(): Promise<DeadlineCheckResult> {
      const nowMs = now();
      const at = new Date(nowMs).toISOString();
      const horizon = new Date(nowMs + deps.policy.dueSoonMs + 1).toISOString();
      const result: DeadlineCheckResult = { checked: 0, raised: [], emailed: 0 };
      const agencies = new Map((await deps.storage.agencies.list()).map((a) => [a.id, `${a.name} (${a.code})`]));
      for (let offset = 0; ; offset += PAGE) {
        const page = await deps.storage.reports.list(
          { dueBefore: horizon, status: ['draft', 'submitted', 'acknowledged'] },
          { sort: 'due', limit: PAGE, offset },
        );
        for (const report of page.items) {
          result.checked += 1;
          for (const kind of DEADLINE_KINDS) {
            const d = report.deadlines[kind];
            const state = deadlineState(d, nowMs, deps.policy.dueSoonMs);
            if (state !== 'due_soon' && state !== 'overdue') continue;
            const { notification, created } = await deps.storage.reportNotifications.record({
              reportId: report.id,
              agencyId: report.agencyId,
              deadline: kind,
              level: state,
              dueAt: d.dueAt,
              createdAt: at,
            });
            if (!created) continue;
            result.raised.push(notification);
            deps.publish(notification);
            if (deps.mailer) {
              try {
                const to = await recipients(report.agencyId);
                if (to.length) {
                  await deps.mailer.send({ to, ...message(report, notification, agencies.get(report.agencyId) ?? report.agencyId) });
                  result.emailed += 1;
                }
              } catch (err) {
                // The console already has it; a mail server outage must not stop the other warnings.
                deps.logger.warn({ err, reportId: report.id, deadline: kind }, 'deadline e-mail not sent');
              }
            }
          }
        }
        if (page.items.length < PAGE) break;
      }
      if (result.raised.length) deps.logger.info({ raised: result.raised.length, emailed: result.emailed }, 'report deadlines flagged');
      return result;
    },
  };
}

export type DeadlineChecker = ReturnType<typeof createDeadlineChecker>;
