/** The incident report part of the server's JSON contract, and its endpoints (the console's own `api` is in ../api). */
import { ApiError, request } from '../api';
import type { ApiErrorBody, Role } from '../types';

export const REPORT_STATUSES = ['draft', 'submitted', 'acknowledged', 'closed'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];
export const REPORT_STAGES = ['early_warning', 'notification', 'progress', 'final'] as const;
export type ReportStage = (typeof REPORT_STAGES)[number];
export const DEADLINE_KINDS = ['earlyWarning', 'notification', 'final'] as const;
export type DeadlineKind = (typeof DEADLINE_KINDS)[number];
export type DeadlineState = 'pending' | 'due_soon' | 'overdue' | 'met';
export const INDICATOR_TYPES = ['ip', 'domain', 'url', 'hash', 'email'] as const;
export type IndicatorType = (typeof INDICATOR_TYPES)[number];
export type TlpLevel = 'CLEAR' | 'GREEN' | 'AMBER' | 'AMBER+STRICT' | 'RED';

/** Who reaches which report page. */
export const REPORT_ROLES: readonly Role[] = ['admin', 'analyst', 'agency_admin', 'leadership'];
export const REPORT_READER_ROLES: readonly Role[] = ['admin', 'analyst', 'agency_admin'];
export const REPORT_FILER_ROLES: readonly Role[] = ['agency_admin'];

export interface Deadline {
  dueAt: string;
  submittedAt?: string;
  state: DeadlineState;
  onTime?: boolean;
}

export interface Indicator {
  type: IndicatorType;
  kind?: string;
  value: string;
  description?: string;
}

export interface Impact {
  systemsAffected: number;
  usersAffected: number;
  serviceDowntimeMinutes: number;
  data: { confidentiality: boolean; integrity: boolean; availability: boolean };
  crossBorder: boolean;
  suspectedMalicious: boolean;
}

export interface ReportContent {
  title: string;
  category: string;
  type: string | null;
  description: string;
  awarenessAt: string;
  occurredAt: string | null;
  severity: string;
  tlp: TlpLevel;
  impact: Impact;
  indicators: Indicator[];
  actionsTaken: string;
  incidentIds: string[];
}

export interface Report extends ReportContent {
  id: string;
  agencyId: string;
  reporter: string;
  status: ReportStatus;
  lastStage: ReportStage | null;
  version: number;
  revision: number;
  deadlines: Record<DeadlineKind, Deadline>;
  deadlineState: DeadlineState | null;
  nextDueAt: string | null;
  submittedAt: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  closedAt: string | null;
  closedBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Attachment {
  id: string;
  reportId: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  uploadedBy: string;
  uploadedAt: string;
}

export interface ReportDetail extends Report {
  attachments: Attachment[];
}

export interface ReportVersion {
  reportId: string;
  version: number;
  stage: ReportStage;
  submittedAt: string;
  submittedBy: string;
  content: ReportContent;
}

export interface FieldChange {
  field: string;
  op: 'changed' | 'added' | 'removed';
  before?: unknown;
  after?: unknown;
}

export interface ReportDiff {
  from: { version: number; stage: ReportStage };
  to: { version: number | 'current'; stage: ReportStage | null };
  changes: FieldChange[];
}

export interface TaxonomyClass {
  slug: string;
  label: string;
  types: { slug: string; label: string }[];
}

export interface ReportMeta {
  categories: TaxonomyClass[];
  severities: { slug: string; label: string }[];
  tlp: TlpLevel[];
  stages: ReportStage[];
  indicatorTypes: IndicatorType[];
  attachmentTypes: string[];
  attachmentMaxBytes: number;
  policy: { earlyWarningHours: number; notificationHours: number; finalDays: number; dueSoonHours: number };
}

export interface DeadlineCounts {
  onTime: number;
  late: number;
  missed: number;
  pending: number;
}

export interface OnTimeRates {
  earlyWarning: number | null;
  notification: number | null;
  final: number | null;
  overall: number | null;
}

export interface AgencyOnTime extends Record<DeadlineKind, DeadlineCounts> {
  agencyId: string;
  agencyName: string;
  agencyCode: string;
  reports: number;
  rates: OnTimeRates;
}

export interface OnTimeStats {
  generatedAt: string;
  agencies: AgencyOnTime[];
  total: Record<DeadlineKind, DeadlineCounts> & { reports: number; rates: OnTimeRates };
}

export interface ReportQuery {
  status?: string;
  agencyId?: string;
  overdue?: boolean;
  q?: string;
  sort?: 'due' | 'updated';
  limit?: number;
  offset?: number;
}

const enc = encodeURIComponent;
const opt = (signal?: AbortSignal) => (signal ? { signal } : {});

function listQuery(q: ReportQuery): Record<string, string | number | undefined> {
  return {
    status: q.status,
    agencyId: q.agencyId,
    overdue: q.overdue ? 'true' : undefined,
    q: q.q,
    sort: q.sort,
    limit: q.limit,
    offset: q.offset,
  };
}

/** The CSV export of a list query (a plain link: the browser downloads it with the session cookie). */
export function reportsCsvHref(q: ReportQuery): string {
  const params = new URLSearchParams({ format: 'csv' });
  for (const [k, v] of Object.entries(listQuery(q))) if (v !== undefined && v !== '') params.set(k, String(v));
  return `/api/v1/reports?${params.toString()}`;
}

export const exportHref = (id: string, format: 'pdf' | 'stix') => `/api/v1/reports/${enc(id)}/export?format=${format}`;
export const attachmentHref = (id: string, attId: string) => `/api/v1/reports/${enc(id)}/attachments/${enc(attId)}`;

let metaCache: Promise<ReportMeta> | null = null;

export const reportsApi = {
  /** The vocabularies; fetched once per page load. */
  meta(): Promise<ReportMeta> {
    metaCache ??= request<ReportMeta>('GET', '/reports/meta').catch((err: unknown) => {
      metaCache = null;
      throw err;
    });
    return metaCache;
  },
  list: (q: ReportQuery, signal?: AbortSignal) =>
    request<{ items: Report[]; total: number; sort: 'due' | 'updated' }>('GET', '/reports', { query: listQuery(q), ...opt(signal) }),
  get: (id: string, signal?: AbortSignal) => request<ReportDetail>('GET', `/reports/${enc(id)}`, opt(signal)),
  create: (body: Partial<ReportContent>) => request<Report>('POST', '/reports', { body }),
  update: (id: string, body: Partial<ReportContent> & { revision?: number }) => request<Report>('PATCH', `/reports/${enc(id)}`, { body }),
  submit: (id: string, stage: ReportStage) => request<Report>('POST', `/reports/${enc(id)}/submit`, { body: { stage } }),
  acknowledge: (id: string) => request<Report>('POST', `/reports/${enc(id)}/acknowledge`),
  close: (id: string) => request<Report>('POST', `/reports/${enc(id)}/close`),
  versions: (id: string, signal?: AbortSignal) => request<{ items: ReportVersion[] }>('GET', `/reports/${enc(id)}/versions`, opt(signal)),
  diff: (id: string, from: number, to: number | 'current') =>
    request<ReportDiff>('GET', `/reports/${enc(id)}/versions/diff`, { query: { from, to } }),
  onTime: (signal?: AbortSignal) => request<OnTimeStats>('GET', '/reports/stats/on-time', opt(signal)),

  /** The file's bytes are the request body; its name travels percent-encoded in X-Filename. */
  async upload(id: string, file: File): Promise<Attachment> {
    let res: Response;
    try {
      res = await fetch(`/api/v1/reports/${enc(id)}/attachments`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': file.type || 'application/octet-stream', 'X-Filename': enc(file.name), Accept: 'application/json' },
        body: file,
      });
    } catch {
      throw new ApiError(0, { code: 'network' }, 'network error');
    }
    const body = (await res.json().catch(() => ({}))) as unknown;
    if (res.ok) return body as Attachment;
    throw new ApiError(res.status, (body && typeof body === 'object' ? body : {}) as ApiErrorBody, `HTTP ${res.status}`);
  },
};
