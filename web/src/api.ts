import type {
  Agency,
  Assignee,
  BulkResult,
  Entities,
  Incident,
  IncidentComment,
  Overview,
  SavedView,
  Severity,
  StatusOption,
  Agent,
  AgentHistoryEntry,
  AgentListItem,
  ApiErrorBody,
  CreatedAgent,
  Health,
  IncidentDetail,
  IncidentPage,
  Items,
  NewException,
  ReloadResult,
  Role,
  RuleException,
  RuleKind,
  RuleList,
  RuleSetting,
  SessionUser,
  UploadedRule,
  User,
} from './types';

const BASE = '/api/v1';

/** A failed API call: the server's `{ requestId, code, message, details }`, or a network failure (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  readonly details: unknown;

  constructor(status: number, body: ApiErrorBody, fallbackMessage: string) {
    super(body.message || fallbackMessage);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code ?? (status === 0 ? 'network' : 'http_error');
    this.requestId = body.requestId ?? null;
    this.details = body.details;
  }
}

export function isAbortError(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

type UnauthorizedHandler = () => void;
let onUnauthorized: UnauthorizedHandler = () => undefined;

/** Called whenever a request other than login/me comes back 401: the session has ended. */
export function setUnauthorizedHandler(handler: UnauthorizedHandler): void {
  onUnauthorized = handler;
}

type Query = Record<string, string | number | null | undefined>;

interface RequestOptions {
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
  /** A 401 is an expected answer (login, me): do not route to the login page. */
  expect401?: boolean;
}

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function readJson(res: Response): Promise<unknown> {
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('json')) return undefined;
  try {
    return await res.json();
  } catch {
    return undefined;
  }
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const init: RequestInit = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (opts.signal) init.signal = opts.signal;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(opts.body);
  }

  let res: Response;
  try {
    res = await fetch(BASE + withQuery(path, opts.query), init);
  } catch (err) {
    if (isAbortError(err)) throw err;
    throw new ApiError(0, { code: 'network' }, 'network error');
  }

  if (res.status === 204) return undefined as T;
  const data = await readJson(res);
  if (res.ok) return data as T;

  const body = (data && typeof data === 'object' ? data : {}) as ApiErrorBody;
  const error = new ApiError(res.status, body, `HTTP ${res.status}`);
  if (res.status === 401 && !opts.expect401) onUnauthorized();
  throw error;
}

// ---- Endpoints ----------------------------------------------------------------------------------------------------

export interface IncidentQuery {
  status?: string;
  severity?: string;
  agencyId?: string;
  q?: string;
  from?: string;
  to?: string;
  /** Comma-separated ENISA classes. */
  category?: string;
  /** Comma-separated usernames; `me` is the caller, `none` unassigned. */
  assignee?: string;
  /** Pivots: exact match on the incident's host or entities (host and user case-insensitively). */
  host?: string;
  user?: string;
  ip?: string;
  limit?: number;
  cursor?: string | null;
}

/** PATCH /incidents/:id (see server/http/routes/incident-actions.ts). */
export interface IncidentChange {
  status?: string;
  assignee?: string | null;
  severity?: Severity;
  category?: string;
  type?: string | null;
  techniques?: string[];
  entities?: Partial<Entities>;
  /** The revision the analyst saw: 409 when someone changed the incident since. */
  revision?: number;
}

export type BulkRequest =
  | { action: 'assign'; assignee: string | null }
  | { action: 'status'; status: string }
  | { action: 'false_positive' };

export const api = {
  login: (username: string, password: string) =>
    request<{ user: SessionUser }>('POST', '/auth/login', { body: { username, password }, expect401: true }),
  logout: () => request<void>('POST', '/auth/logout', { expect401: true }),
  me: () => request<{ user: SessionUser }>('GET', '/auth/me', { expect401: true }),

  /** Health answers 503 with the same body when degraded, so it is read without the error path. */
  async health(): Promise<Health | null> {
    try {
      const res = await fetch(`${BASE}/health`, { credentials: 'same-origin', cache: 'no-store' });
      const body = (await readJson(res)) as Health | undefined;
      return body && typeof body.status === 'string' ? body : null;
    } catch {
      return null;
    }
  },

  agencies: (signal?: AbortSignal) => request<Items<Agency>>('GET', '/agencies', signal ? { signal } : {}),
  createAgency: (input: { name: string; code: string }) => request<Agency>('POST', '/agencies', { body: input }),

  users: (signal?: AbortSignal) => request<Items<User>>('GET', '/users', signal ? { signal } : {}),
  createUser: (input: { username: string; password: string; role: Role; agencyId?: string }) =>
    request<User>('POST', '/users', { body: input }),

  agents: (agencyId?: string, signal?: AbortSignal) =>
    request<Items<AgentListItem>>('GET', '/agents', { query: { agencyId }, ...(signal ? { signal } : {}) }),
  /** Minutes of silence before the agent counts as silent (1..10080); null returns it to the default. */
  setAgentSilence: (id: string, silenceMinutes: number | null) =>
    request<Agent & { silenceMinutes: number }>('PATCH', `/agents/${encodeURIComponent(id)}`, { body: { silenceMinutes } }),
  agentHistory: (id: string, signal?: AbortSignal) =>
    request<Items<AgentHistoryEntry>>('GET', `/agents/${encodeURIComponent(id)}/history`, signal ? { signal } : {}),
  createAgent: (input: { agencyId: string; name: string }) => request<CreatedAgent>('POST', '/agents', { body: input }),
  revokeAgent: (id: string) => request<Agent>('POST', `/agents/${encodeURIComponent(id)}/revoke`),

  incidents: (query: IncidentQuery, signal?: AbortSignal) =>
    request<IncidentPage>('GET', '/incidents', { query: { ...query }, ...(signal ? { signal } : {}) }),
  incident: (id: string, signal?: AbortSignal) =>
    request<IncidentDetail>('GET', `/incidents/${encodeURIComponent(id)}`, signal ? { signal } : {}),
  updateIncident: (id: string, change: IncidentChange) =>
    request<Incident>('PATCH', `/incidents/${encodeURIComponent(id)}`, { body: change }),
  bulkIncidents: (ids: readonly string[], action: BulkRequest) =>
    request<{ results: BulkResult[] }>('POST', '/incidents/bulk', { body: { ids, ...action } }),
  comments: (id: string, signal?: AbortSignal) =>
    request<Items<IncidentComment>>('GET', `/incidents/${encodeURIComponent(id)}/comments`, signal ? { signal } : {}),
  addComment: (id: string, body: string) =>
    request<IncidentComment>('POST', `/incidents/${encodeURIComponent(id)}/comments`, { body: { body } }),
  mergeIncident: (id: string, intoId: string, revision?: number) =>
    request<{ source: Incident; target: Incident }>('POST', `/incidents/${encodeURIComponent(id)}/merge`, {
      body: revision === undefined ? { intoId } : { intoId, revision },
    }),
  links: (id: string, signal?: AbortSignal) =>
    request<Items<Incident>>('GET', `/incidents/${encodeURIComponent(id)}/links`, signal ? { signal } : {}),
  addLink: (id: string, otherId: string) =>
    request<{ changed: boolean; links: string[] }>('POST', `/incidents/${encodeURIComponent(id)}/links`, { body: { otherId } }),
  removeLink: (id: string, otherId: string) =>
    request<{ changed: boolean; links: string[] }>('DELETE', `/incidents/${encodeURIComponent(id)}/links/${encodeURIComponent(otherId)}`),
  statuses: (signal?: AbortSignal) => request<Items<StatusOption>>('GET', '/incident-statuses', signal ? { signal } : {}),
  /** Who may be assigned incidents (admins and analysts). */
  assignees: (signal?: AbortSignal) => request<Items<Assignee>>('GET', '/assignees', signal ? { signal } : {}),

  views: (signal?: AbortSignal) => request<Items<SavedView>>('GET', '/views', signal ? { signal } : {}),
  createView: (input: { name: string; query: string; shared?: boolean }) => request<SavedView>('POST', '/views', { body: input }),
  updateView: (id: string, input: { name?: string; query?: string; shared?: boolean }) =>
    request<SavedView>('PATCH', `/views/${encodeURIComponent(id)}`, { body: input }),
  deleteView: (id: string) => request<void>('DELETE', `/views/${encodeURIComponent(id)}`),

  overview: (signal?: AbortSignal) => request<Overview>('GET', '/overview', signal ? { signal } : {}),

  rules: (signal?: AbortSignal) => request<RuleList>('GET', '/rules', signal ? { signal } : {}),
  setRuleEnabled: (id: string, enabled: boolean) =>
    request<RuleSetting>('POST', `/rules/${encodeURIComponent(id)}/${enabled ? 'enable' : 'disable'}`),
  uploadRule: (input: { kind: RuleKind; content: string }) => request<UploadedRule>('POST', '/rules', { body: input }),
  reloadRules: () => request<ReloadResult>('POST', '/rules/reload'),

  exceptions: (signal?: AbortSignal) => request<Items<RuleException>>('GET', '/exceptions', signal ? { signal } : {}),
  createException: (input: NewException) => request<RuleException>('POST', '/exceptions', { body: input }),
  deleteException: (id: string) => request<void>('DELETE', `/exceptions/${encodeURIComponent(id)}`),
};
