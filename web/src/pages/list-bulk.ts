import { api, type BulkRequest } from '../api';
import { statusLabel } from '../components/badges';
import { icon } from '../components/icons';
import { h } from '../dom';
import { t, tp } from '../i18n';
import type { Assignee, BulkResult, Incident, IncidentStatus, Role, StatusOption } from '../types';
import type { Choice } from './list-dialogs';

/**
 * Acting on many incidents at once (POST /incidents/bulk): the floating bar shown while incidents are selected, the
 * choices for "set status" and "assign to…", and the request itself, in chunks the server accepts.
 */

/** The server takes at most this many ids per request. */
const BULK_MAX = 500;

export async function runBulk(ids: readonly string[], action: BulkRequest): Promise<BulkResult[]> {
  const results: BulkResult[] = [];
  for (let i = 0; i < ids.length; i += BULK_MAX) {
    const res = await api.bulkIncidents(ids.slice(i, i + BULK_MAX), action);
    results.push(...res.results);
  }
  return results;
}

// ---- Statuses and who may be assigned (fetched once per session) ----------------------------------------------------

interface TransitionRule {
  to: IncidentStatus;
  adminOnly?: boolean;
}
interface StatusCatalog {
  items: StatusOption[];
  transitions?: Partial<Record<IncidentStatus, TransitionRule[]>>;
}

let statusCatalog: Promise<StatusCatalog> | null = null;
let statusCatalogValue: StatusCatalog | null = null;

export function loadStatuses(): Promise<StatusCatalog> {
  statusCatalog ??= (api.statuses() as Promise<StatusCatalog>)
    .then((c) => (statusCatalogValue = c))
    .catch((err: unknown) => {
      statusCatalog = null;
      throw err;
    });
  return statusCatalog;
}

/** The label of an admin-defined status, once the catalog is known. */
export function customStatusLabel(key: string | undefined): string | undefined {
  if (!key) return undefined;
  return statusCatalogValue?.items.find((s) => s.key === key)?.label ?? key;
}

let assigneeList: { role: Role; promise: Promise<Assignee[]> } | null = null;

/** Who incidents may be assigned to; only admins and analysts may ask (others get an empty list). */
export function loadAssignees(role: Role): Promise<Assignee[]> {
  if (role !== 'admin' && role !== 'analyst') return Promise.resolve([]);
  if (assigneeList?.role === role) return assigneeList.promise;
  const promise = api.assignees().then((r) => r.items);
  assigneeList = { role, promise };
  promise.catch(() => {
    if (assigneeList?.promise === promise) assigneeList = null;
  });
  return promise;
}

/** Where `role` may move an incident (the server's transition table, admin-defined statuses within their stage). */
function allowedFor(incident: Incident, role: Role, catalog: StatusCatalog): Set<string> {
  if (incident.mergedInto) return new Set();
  const rules = catalog.transitions?.[incident.status];
  if (!rules) return new Set(catalog.items.map((o) => o.key));
  const stages = rules.filter((r) => !r.adminOnly || role === 'admin').map((r) => r.to);
  const current = incident.customStatus ?? incident.status;
  return new Set(
    catalog.items.filter((o) => stages.includes(o.stage) || (o.stage === incident.status && o.key !== current)).map((o) => o.key),
  );
}

/** The statuses at least one of the incidents can move to; those only some can take say how many. */
export function statusChoices(incidents: readonly Incident[], role: Role, catalog: StatusCatalog): Choice[] {
  const allowed = incidents.map((i) => allowedFor(i, role, catalog));
  const out: Choice[] = [];
  for (const option of catalog.items) {
    const n = allowed.filter((set) => set.has(option.key)).length;
    if (n === 0) continue;
    const label = option.builtIn ? statusLabel(option.key as IncidentStatus) : option.label;
    const choice: Choice = { value: option.key, label, className: `lq-choice--status status--${option.stage}` };
    if (n < incidents.length) choice.detail = t('list.status.some', { count: n, total: incidents.length });
    out.push(choice);
  }
  return out;
}

export function assigneeChoices(assignees: readonly Assignee[], me: string, roleLabel: (role: Role) => string): Choice[] {
  const sorted = [...assignees].sort((a, b) => (a.username === me ? -1 : b.username === me ? 1 : a.username.localeCompare(b.username)));
  return [
    ...sorted.map((a) => ({ value: a.username, label: a.username, detail: a.username === me ? t('list.you') : roleLabel(a.role) })),
    { value: '', label: t('list.assign.unassign'), className: 'lq-choice--muted' },
  ];
}

// ---- The bar --------------------------------------------------------------------------------------------------------

export interface BulkBar {
  el: HTMLElement;
  render(count: number, busy: boolean): void;
}

export function bulkBar(actions: {
  assignMe: () => void;
  assignTo: () => void;
  status: () => void;
  falsePositive: () => void;
  clear: () => void;
}): BulkBar {
  const countEl = h('span', { class: 'lq-bulk__count', 'aria-live': 'polite' });
  const busyEl = h('span', { class: 'lq-bulk__busy', hidden: true }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('list.bulk.working'));
  const button = (label: string, run: () => void, cls = 'btn--secondary', testId?: string, kbd?: string): HTMLButtonElement => {
    const b = h(
      'button',
      { type: 'button', class: `btn btn--small ${cls}`, 'data-testid': testId ?? null, 'aria-keyshortcuts': kbd ?? null },
      h('span', null, label),
      kbd ? h('kbd', { class: 'lq-bulk__kbd', 'aria-hidden': 'true' }, kbd) : null,
    );
    b.addEventListener('click', run);
    return b;
  };
  const buttons = [
    button(t('list.bulk.assignMe'), actions.assignMe, 'btn--primary', 'bulk-assign-me', 'a'),
    button(t('list.bulk.assignTo'), actions.assignTo, 'btn--secondary', 'bulk-assign-to'),
    button(t('list.bulk.status'), actions.status, 'btn--secondary', 'bulk-status', 's'),
    button(t('list.bulk.falsePositive'), actions.falsePositive, 'btn--danger-outline', 'bulk-false-positive', 'f'),
  ];
  const clear = h(
    'button',
    { type: 'button', class: 'btn btn--ghost btn--small', 'data-testid': 'bulk-clear', 'aria-keyshortcuts': 'Escape' },
    icon('x', 14),
    h('span', null, t('list.bulk.clear')),
  );
  clear.addEventListener('click', actions.clear);
  const el = h(
    'div',
    { class: 'lq-bulk', role: 'region', 'aria-label': t('list.bulk.label'), 'data-testid': 'bulk-bar', hidden: true },
    countEl,
    h('div', { class: 'lq-bulk__actions' }, buttons),
    busyEl,
    clear,
  );
  return {
    el,
    render(count, busy) {
      el.hidden = count === 0;
      countEl.textContent = tp('list.bulk.selected', count);
      busyEl.hidden = !busy;
      for (const b of buttons) b.disabled = busy;
    },
  };
}
