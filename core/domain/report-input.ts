/**
 * What people may send about a report, as zod schemas: every field validated on its own (so the console can show
 * the error next to the field as the user types), and the rules across fields (type within category, the fields a
 * stage needs) as functions returning issues in the same `{ path, message }` shape.
 */
import { z } from 'zod';
import { checkIndicator, dedupIndicators, INDICATOR_KINDS, INDICATOR_TYPES, MAX_INDICATORS, type ReportIndicator } from './report-indicators.js';
import { isReportCategory, isReportType, NCISS_LEVELS, TLP_LEVELS } from './report-taxonomy.js';
import { REPORT_STAGES, type ReportContent, type ReportStage } from './report.js';

export interface InputIssue {
  path: (string | number)[];
  message: string;
}

const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 time with a time zone' });
const count = z.number().int().min(0).max(1_000_000_000);

export const impactSchema = z
  .object({
    systemsAffected: count,
    usersAffected: count,
    serviceDowntimeMinutes: count,
    data: z.object({ confidentiality: z.boolean(), integrity: z.boolean(), availability: z.boolean() }).strict(),
    crossBorder: z.boolean(),
    suspectedMalicious: z.boolean(),
  })
  .strict();

export const indicatorSchema = z
  .object({
    type: z.enum(INDICATOR_TYPES),
    value: z.string().max(2048),
    /** Accepted (clients echo what they read) and ignored: the kind is always derived from the value. */
    kind: z.enum(INDICATOR_KINDS).optional(),
    description: z.string().trim().max(500).optional(),
  })
  .strict()
  .transform((v, ctx): ReportIndicator => {
    const checked = checkIndicator(v.type, v.value);
    if (!checked.ok) {
      ctx.addIssue({ code: 'custom', message: checked.message, path: ['value'] });
      return z.NEVER;
    }
    return { type: v.type, kind: checked.kind, value: checked.value, ...(v.description ? { description: v.description } : {}) };
  });

const incidentIds = z.array(z.string().min(1).max(100)).max(100);

/** Each content field on its own; every one optional here (requiredness is checked by the caller). */
const contentFields = {
  title: z.string().trim().min(3, 'at least 3 characters').max(200),
  category: z.string().refine(isReportCategory, 'not an RSIT class (e.g. malicious-code)'),
  type: z.string().max(64).nullable(),
  description: z.string().trim().min(1, 'required').max(20_000),
  awarenessAt: isoTime,
  occurredAt: isoTime.nullable(),
  severity: z.enum(NCISS_LEVELS),
  tlp: z.enum(TLP_LEVELS),
  impact: impactSchema,
  indicators: z.array(indicatorSchema).max(MAX_INDICATORS).transform(dedupIndicators),
  actionsTaken: z.string().trim().max(20_000),
  incidentIds,
};

/** POST /reports. Without incidentIds every contract field is required; with them, absent ones are prefilled. */
export const createReportSchema = z
  .object({ ...contentFields, agencyId: z.string().min(1).max(100) })
  .partial()
  .strict();
export type CreateReportInput = z.infer<typeof createReportSchema>;

export const REQUIRED_ON_CREATE = ['title', 'category', 'description', 'awarenessAt', 'severity', 'tlp', 'impact', 'indicators'] as const;

/** PATCH /reports/:id: any content field; `revision` refuses the change (409) when the report moved on. */
export const patchReportSchema = z
  .object({ ...contentFields, revision: z.number().int().min(0) })
  .partial()
  .strict();
export type PatchReportInput = z.infer<typeof patchReportSchema>;

export const submitReportSchema = z.object({ stage: z.enum(REPORT_STAGES) }).strict();

/** Issues with the content as a whole: the type must be one of the category's, awareness not in the future. */
export function contentIssues(c: ReportContent, nowMs: number): InputIssue[] {
  const issues: InputIssue[] = [];
  if (c.type !== null && !isReportType(c.category, c.type)) {
    issues.push({ path: ['type'], message: `not an RSIT type of ${c.category}` });
  }
  // Five minutes of clock skew between the reporter's browser and the server are tolerated.
  if (Date.parse(c.awarenessAt) > nowMs + 5 * 60_000) issues.push({ path: ['awarenessAt'], message: 'is in the future' });
  if (c.occurredAt !== null && Date.parse(c.occurredAt) > nowMs + 5 * 60_000) {
    issues.push({ path: ['occurredAt'], message: 'is in the future' });
  }
  return issues;
}

/** What a stage needs before it can be submitted. */
export function stageIssues(stage: ReportStage, c: ReportContent): InputIssue[] {
  const issues: InputIssue[] = [];
  if (stage === 'notification' || stage === 'progress' || stage === 'final') {
    if (c.type === null) issues.push({ path: ['type'], message: `required for the ${stage} report` });
  }
  if (stage === 'final') {
    if (c.occurredAt === null) issues.push({ path: ['occurredAt'], message: 'required for the final report' });
    if (c.actionsTaken.trim() === '') issues.push({ path: ['actionsTaken'], message: 'required for the final report' });
  }
  return issues;
}
