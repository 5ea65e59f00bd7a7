import path from 'node:path';
import { z } from 'zod';

/** Accepts the usual spellings of a boolean in an environment variable. */
const envBoolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const positiveInt = (def: number) => z.coerce.number().int().positive().default(def);

/** The whole environment Vigil reads, in one place. README's configuration table mirrors this. */
export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  REDIS_SERVER_BIN: z.string().min(1).default('redis-server'),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
    .optional(),
  RULES_DIR: z.string().min(1).default('./rules'),
  VIGIL_ROLE: z.enum(['all', 'server', 'worker']).default('all'),
  VIGIL_ADMIN_PASSWORD: z.string().min(10, 'must be at least 10 characters').optional(),
  INGEST_MAX_EVENTS: positiveInt(5000),
  INGEST_MAX_BYTES: positiveInt(5 * 1024 * 1024),
  /** Waiting batches in the queue above which ingest answers 429 with Retry-After. */
  INGEST_QUEUE_HIGH_WATER: positiveInt(2000),
  WORKER_CONCURRENCY: positiveInt(2),
  INCIDENT_SUPPRESSION_MINUTES: positiveInt(10),
  /** How often workers close correlation windows that are decided at their end (lt, lte, eq, neq, ranges). */
  CORRELATION_SWEEP_SECONDS: positiveInt(30),
  /** Minutes without events or heartbeats before an agent counts as silent (per-agent override in the API). */
  AGENT_SILENCE_MINUTES: positiveInt(15),
  SESSION_TTL_HOURS: positiveInt(12),
  COOKIE_SECURE: envBoolean.default(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Incident report deadlines: early warning and notification after awareness, final after the notification. */
  REPORT_EARLY_WARNING_HOURS: positiveInt(24),
  REPORT_NOTIFICATION_HOURS: positiveInt(72),
  REPORT_FINAL_DAYS: positiveInt(30),
  /** How long before a deadline it is flagged as due soon. */
  REPORT_DUE_SOON_HOURS: positiveInt(4),
  /** Extra recipients of deadline e-mails (the centre's mailbox), comma-separated. */
  REPORT_NOTIFY_EMAILS: z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'must be a comma-separated list of e-mail addresses')))
    .optional(),
  /** Deadline e-mails go out through this SMTP server when set (smtp:// or smtps://, credentials in the URL). */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://')
    .optional(),
  SMTP_FROM: z.string().min(3).default('Vigil <vigil@localhost>'),
  /** Largest evidence file accepted on a report. */
  ATTACHMENT_MAX_BYTES: positiveInt(20 * 1024 * 1024),
});

export type RawConfig = z.infer<typeof configSchema>;

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  redisUrl: string | null;
  redisServerBin: string;
  mongodbUri: string | null;
  rulesDir: string;
  role: 'all' | 'server' | 'worker';
  adminPassword: string | null;
  ingest: { maxEvents: number; maxBytes: number; queueHighWater: number };
  workerConcurrency: number;
  suppressionMs: number;
  correlationSweepMs: number;
  agentSilenceMinutes: number;
  sessionTtlMs: number;
  cookieSecure: boolean;
  logLevel: RawConfig['LOG_LEVEL'];
  reports: {
    earlyWarningMs: number;
    notificationMs: number;
    finalMs: number;
    dueSoonMs: number;
    attachmentMaxBytes: number;
    notifyEmails: string[];
  };
  smtp: { url: string | null; from: string };
}

export class ConfigError extends Error {
  readonly problems: { key: string; message: string }[];
  constructor(problems: { key: string; message: string }[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  ${p.key}: ${p.message}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Parses the environment once. Every bad key is reported together, so an operator fixes them in one go.
 * Empty strings count as unset: `FOO=` in a unit file should mean "use the default", not "invalid".
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const input: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ key: String(issue.path[0] ?? '?'), message: issue.message })),
    );
  }
  const c = parsed.data;
  return Object.freeze({
    port: c.PORT,
    host: c.HOST,
    dataDir: path.resolve(c.DATA_DIR),
    redisUrl: c.REDIS_URL ?? null,
    redisServerBin: c.REDIS_SERVER_BIN,
    mongodbUri: c.MONGODB_URI ?? null,
    rulesDir: path.resolve(c.RULES_DIR),
    role: c.VIGIL_ROLE,
    adminPassword: c.VIGIL_ADMIN_PASSWORD ?? null,
    ingest: Object.freeze({
      maxEvents: c.INGEST_MAX_EVENTS,
      maxBytes: c.INGEST_MAX_BYTES,
      queueHighWater: c.INGEST_QUEUE_HIGH_WATER,
    }),
    workerConcurrency: c.WORKER_CONCURRENCY,
    suppressionMs: c.INCIDENT_SUPPRESSION_MINUTES * 60_000,
    correlationSweepMs: c.CORRELATION_SWEEP_SECONDS * 1_000,
    agentSilenceMinutes: c.AGENT_SILENCE_MINUTES,
    sessionTtlMs: c.SESSION_TTL_HOURS * 3_600_000,
    cookieSecure: c.COOKIE_SECURE,
    logLevel: c.LOG_LEVEL,
    reports: Object.freeze({
      earlyWarningMs: c.REPORT_EARLY_WARNING_HOURS * 3_600_000,
      notificationMs: c.REPORT_NOTIFICATION_HOURS * 3_600_000,
      finalMs: c.REPORT_FINAL_DAYS * 86_400_000,
      dueSoonMs: c.REPORT_DUE_SOON_HOURS * 3_600_000,
      attachmentMaxBytes: c.ATTACHMENT_MAX_BYTES,
      notifyEmails: c.REPORT_NOTIFY_EMAILS ?? [],
    }),
    smtp: Object.freeze({ url: c.SMTP_URL ?? null, from: c.SMTP_FROM }),
  });
}
