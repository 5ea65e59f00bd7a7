/**
 * The report deadline schedule: node-cron runs the deadline check (core/services/report-deadline-check.ts) every
 * minute, never two at once in this process. Warnings reach the consoles through the Socket.io Redis emitter (like
 * incidents from the pipeline) and inboxes through nodemailer when SMTP_URL is set. Never imports the server.
 */
import { Emitter } from '@socket.io/redis-emitter';
import { schedule, type ScheduledTask } from 'node-cron';
import type { Config } from '../core/config/config.js';
import type { Logger } from '../core/logging/logger.js';
import { CONSOLE_NAMESPACE, roomsForReport, type ConsoleServerEvents } from '../core/queues/console-events.js';
import { createRedis } from '../core/queues/redis.js';
import { createDeadlineChecker, type DeadlineCheckResult } from '../core/services/report-deadline-check.js';
import { createReportMailer, type ReportMailer } from '../core/services/report-mailer.js';
import type { Storage } from '../core/storage/storage.port.js';

export const REPORT_DEADLINE_CRON = '* * * * *';

export interface ReportDeadlineJob {
  /** Runs one check now (also what the schedule runs). */
  runOnce(): Promise<DeadlineCheckResult>;
  close(): Promise<void>;
}

export function startReportDeadlineJob(deps: {
  config: Pick<Config, 'reports' | 'smtp'>;
  redisUrl: string;
  storage: Storage;
  logger: Logger;
  /** Replaces the SMTP_URL transport (tests). */
  mailer?: ReportMailer | null;
  /** Cron expression; every minute by default. */
  cron?: string;
}): ReportDeadlineJob {
  const log = deps.logger.child({ component: 'report-deadlines' });
  const redis = createRedis(deps.redisUrl, log);
  const emitter = new Emitter<ConsoleServerEvents>(redis).of(CONSOLE_NAMESPACE);
  const mailer =
    deps.mailer !== undefined
      ? deps.mailer
      : deps.config.smtp.url
        ? createReportMailer({ transport: deps.config.smtp.url, from: deps.config.smtp.from })
        : null;
  const checker = createDeadlineChecker({
    storage: deps.storage,
    policy: deps.config.reports,
    notifyEmails: deps.config.reports.notifyEmails,
    mailer,
    logger: log,
    publish: (n) =>
      emitter.to(roomsForReport(n)).emit('report:deadline', {
        reportId: n.reportId,
        agencyId: n.agencyId,
        deadline: n.deadline,
        level: n.level,
        dueAt: n.dueAt,
        at: n.createdAt,
      }),
  });

  let running: Promise<DeadlineCheckResult> | null = null;
  const runOnce = () => {
    running ??= checker.check().finally(() => {
      running = null;
    });
    return running;
  };

  const task: ScheduledTask = schedule(
    deps.cron ?? REPORT_DEADLINE_CRON,
    async () => {
      try {
        await runOnce();
      } catch (err) {
        log.error({ err }, 'report deadline check failed');
      }
    },
    { name: 'report-deadlines', noOverlap: true },
  );

  return {
    runOnce,
    async close() {
      await task.destroy();
      await running?.catch(() => undefined);
      mailer?.close();
      redis.disconnect();
    },
  };
}
