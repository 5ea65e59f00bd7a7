import { ApiError } from '../api';
import { errorBox, noticeBox } from '../components/form';
import { icon } from '../components/icons';
import { errorState, loadingState } from '../components/states';
import { h, replace, uid, type Child } from '../dom';
import { formatDateTime, formatDateTimeLong } from '../format';
import { t } from '../i18n';
import type { Page } from '../router';
import { deadlineLabel, reportEditHref, reportHref, tlpBadge } from './report-common';
import {
  INDICATOR_TYPES,
  reportsApi,
  type Indicator,
  type IndicatorType,
  type Report,
  type ReportContent,
  type ReportMeta,
  type TlpLevel,
} from './reports-api';

/*
 * The report form (`/reports/new`, `/reports/:id/edit`): every field is checked as the user types (the same rules
 * the server applies, so a draft that passes here is accepted there), the deadlines follow the awareness time live,
 * and drafts are saved on demand and, once the report exists, automatically a moment after the last change.
 * `/reports/new?incident=<id>` files a draft prefilled from that incident and opens it here.
 */

const AUTOSAVE_MS = 1_500;
const SKEW_MS = 5 * 60_000;
const HOUR = 3_600_000;

// ---- Client-side checks (mirror core/domain/report-indicators.ts and report-input.ts) ---------------------------------

function refang(v: string): string {
  return v
    .trim()
    .replace(/^hxxp(s?):\/\//i, 'http$1://')
    .replace(/\[\.\]|\(\.\)|\{\.\}|\[dot\]/gi, '.')
    .replace(/\[@\]|\(@\)|\[at\]/gi, '@')
    .replace(/\[:\]/g, ':');
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isIPv6(v: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(v) || !v.includes(':')) return false;
  try {
    return new URL(`http://[${v}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

function isDomain(v: string): boolean {
  const d = v.toLowerCase().replace(/\.$/, '');
  const labels = d.split('.');
  if (d.length > 253 || labels.length < 2) return false;
  if (!labels.every((l) => /^(?!-)[a-z0-9-]{1,63}(?<!-)$/.test(l))) return false;
  return /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/.test(labels[labels.length - 1] ?? '');
}

/** null when the value is a valid indicator of that type, else the message to show. */
export function indicatorProblem(type: IndicatorType, raw: string): string | null {
  const v = refang(raw);
  if (!v) return t('reportForm.error.required');
  switch (type) {
    case 'ip': {
      const [addr = '', prefix, ...rest] = v.split('/');
      if (rest.length) return t('reportForm.error.ip');
      const max = IPV4.test(addr) ? 32 : isIPv6(addr) ? 128 : -1;
      if (max < 0) return t('reportForm.error.ip');
      if (prefix !== undefined && !(/^\d{1,3}$/.test(prefix) && Number(prefix) <= max)) return t('reportForm.error.ip');
      return null;
    }
    case 'domain':
      return isDomain(v) ? null : t('reportForm.error.domain');
    case 'url': {
      try {
        const u = new URL(v);
        const host = u.hostname.replace(/^\[|\]$/g, '');
        if (!['http:', 'https:', 'ftp:', 'ftps:', 'ws:', 'wss:'].includes(u.protocol)) return t('reportForm.error.url');
        return isDomain(host) || IPV4.test(host) || isIPv6(host) ? null : t('reportForm.error.url');
      } catch {
        return t('reportForm.error.url');
      }
    }
    case 'hash':
      return /^[0-9a-fA-F]+$/.test(v) && [32, 40, 64].includes(v.length) ? null : t('reportForm.error.hash');
    case 'email': {
      const at = v.lastIndexOf('@');
      return at > 0 && /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+$/.test(v.slice(0, at)) && isDomain(v.slice(at + 1)) ? null : t('reportForm.error.email');
    }
  }
}

/** `2026-03-02T10:15` (the browser's zone) for a datetime-local input. */
function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

// ---- Form building blocks -----------------------------------------------------------------------------------------

interface Checked {
  el: HTMLElement;
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  check: () => string | null;
  touched: boolean;
  /** Shows (or clears) the field's problem; returns whether it is valid. */
  validate: (force?: boolean) => boolean;
  showServer: (message: string) => void;
}

function checkedField(
  label: string,
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
  check: () => string | null,
  opts: { hint?: string; required?: boolean; className?: string } = {},
): Checked {
  if (!control.id) control.id = uid('rf');
  const errorId = `${control.id}-error`;
  const hintId = `${control.id}-hint`;
  const error = h('p', { class: 'field__error', id: errorId, hidden: true });
  control.setAttribute('aria-describedby', [opts.hint ? hintId : null, errorId].filter(Boolean).join(' '));
  if (opts.required) control.setAttribute('aria-required', 'true');
  const el = h(
    'div',
    { class: `field${opts.className ? ` ${opts.className}` : ''}` },
    h('label', { class: 'field__label', for: control.id }, label, opts.required ? h('span', { class: 'field__req', 'aria-hidden': 'true' }, ' *') : null),
    control,
    opts.hint ? h('p', { class: 'field__hint', id: hintId }, opts.hint) : null,
    error,
  );
  const f: Checked = {
    el,
    control,
    check,
    touched: false,
    validate(force = false) {
      const problem = check();
      const show = problem !== null && (f.touched || force);
      error.textContent = show ? problem : '';
      error.hidden = !show;
      control.toggleAttribute('aria-invalid', show);
      el.classList.toggle('field--invalid', show);
      return problem === null;
    },
    showServer(message) {
      f.touched = true;
      error.textContent = message;
      error.hidden = false;
      control.setAttribute('aria-invalid', 'true');
      el.classList.add('field--invalid');
    },
  };
  control.addEventListener('input', () => {
    f.touched = true;
    f.validate();
  });
  control.addEventListener('blur', () => {
    f.touched = true;
    f.validate();
  });
  return f;
}

function section(title: string, ...children: Child[]): HTMLElement {
  const id = uid('rsec');
  return h('fieldset', { class: 'rform__section', 'aria-labelledby': id }, h('legend', { class: 'rform__legend', id }, title), children);
}

// ---- The page -----------------------------------------------------------------------------------------------------

export const reportFormPage: Page = ({ outlet, params, query }) => {
  let reportId: string | null = params.id ?? null;
  document.title = `${reportId ? t('reportForm.titleEdit') : t('reportForm.titleNew')} · ${t('app.name')}`;
  let alive = true;
  let revision: number | null = null;
  let autosaveTimer: number | undefined;
  let saving: Promise<boolean> | null = null;
  let dirty = false;
  /** Saves what is in the form (set once the form is built). */
  let flush: (() => Promise<boolean>) | null = null;

  const body = h('div', null, loadingState(t('reportForm.loading')));
  outlet.append(
    h(
      'section',
      { class: 'page page--report-form' },
      h('a', { class: 'back-link', href: reportId ? reportHref(reportId) : '/reports' }, icon('arrowLeft', 16), h('span', null, reportId ? t('reportForm.backToReport') : t('report.back'))),
      body,
    ),
  );

  function build(meta: ReportMeta, report: Report | null): void {
    revision = report?.revision ?? null;
    const num = (value: number) => h('input', { type: 'number', class: 'input', min: 0, step: 1, inputmode: 'numeric', value: String(value) });

    // What happened
    const title = h('input', { type: 'text', class: 'input', maxlength: 200, value: report?.title ?? '', autocomplete: 'off', 'data-autofocus': true });
    const description = h('textarea', { class: 'input rtextarea', rows: 5, maxlength: 20000 });
    description.value = report?.description ?? '';

    // Classification
    const category = h(
      'select',
      { class: 'select' },
      h('option', { value: '' }, t('reportForm.chooseCategory')),
      meta.categories.map((c) => h('option', { value: c.slug, selected: c.slug === report?.category }, c.label)),
    );
    const type = h('select', { class: 'select' });
    const renderTypes = (keep: string | null) => {
      const cls = meta.categories.find((c) => c.slug === category.value);
      replace(type, h('option', { value: '' }, t('reportForm.typeUnknown')), (cls?.types ?? []).map((x) => h('option', { value: x.slug }, x.label)));
      type.value = keep && cls?.types.some((x) => x.slug === keep) ? keep : '';
    };
    renderTypes(report?.type ?? null);
    category.addEventListener('change', () => renderTypes(type.value));
    const severity = h(
      'select',
      { class: 'select' },
      h('option', { value: '' }, t('reportForm.chooseSeverity')),
      meta.severities.map((s) => h('option', { value: s.slug, selected: s.slug === report?.severity }, s.label)),
    );
    const tlpName = uid('tlp');
    const tlpRadios = meta.tlp.map((level) =>
      h('input', { type: 'radio', name: tlpName, value: level, checked: level === (report?.tlp ?? 'AMBER'), class: 'tlp-choice__input', id: uid('tlp') }),
    );
    const tlpGroup = h(
      'fieldset',
      { class: 'field tlp-choice' },
      h('legend', { class: 'field__label' }, t('reportForm.tlp')),
      h(
        'div',
        { class: 'tlp-choice__options' },
        tlpRadios.map((radio) => h('label', { class: 'tlp-choice__option', for: radio.id }, radio, tlpBadge(radio.value as TlpLevel))),
      ),
      h('p', { class: 'field__hint' }, t('reportForm.tlpHint')),
    );

    // When
    const awareness = h('input', { type: 'datetime-local', class: 'input', value: toLocalInput(report?.awarenessAt ?? null) });
    const occurred = h('input', { type: 'datetime-local', class: 'input', value: toLocalInput(report?.occurredAt ?? null) });
    const preview = h('p', { class: 'rform__deadlines', 'data-testid': 'deadline-preview', 'aria-live': 'polite' });
    const renderPreview = () => {
      const iso = fromLocalInput(awareness.value);
      if (!iso) {
        preview.textContent = t('reportForm.deadlinesUnknown');
        return;
      }
      const a = Date.parse(iso);
      const ew = new Date(a + meta.policy.earlyWarningHours * HOUR).toISOString();
      const nt = new Date(a + meta.policy.notificationHours * HOUR).toISOString();
      const now = Date.now();
      const part = (kind: 'earlyWarning' | 'notification', due: string) =>
        h(
          'span',
          { class: `rform__due${Date.parse(due) < now ? ' rform__due--late' : ''}`, title: formatDateTimeLong(due) },
          t(Date.parse(due) < now ? 'reportForm.dueWas' : 'reportForm.dueAt', { deadline: deadlineLabel(kind), time: formatDateTime(due) }),
        );
      replace(preview, icon('clock', 14), part('earlyWarning', ew), part('notification', nt), h('span', { class: 'muted' }, t('reportForm.finalRule', { days: meta.policy.finalDays })));
    };
    awareness.addEventListener('input', renderPreview);
    renderPreview();

    // Impact
    const systems = num(report?.impact.systemsAffected ?? 0);
    const users = num(report?.impact.usersAffected ?? 0);
    const downtime = num(report?.impact.serviceDowntimeMinutes ?? 0);
    const box = (checked: boolean, label: string) => {
      const input = h('input', { type: 'checkbox', checked, id: uid('rcb') });
      return { input, el: h('label', { class: 'rform__check', for: input.id }, input, h('span', null, label)) };
    };
    const conf = box(report?.impact.data.confidentiality ?? false, t('reportForm.confidentiality'));
    const integ = box(report?.impact.data.integrity ?? false, t('reportForm.integrity'));
    const avail = box(report?.impact.data.availability ?? false, t('reportForm.availability'));
    const cross = box(report?.impact.crossBorder ?? false, t('reportForm.crossBorder'));
    const malicious = box(report?.impact.suspectedMalicious ?? false, t('reportForm.suspectedMalicious'));

    // Response
    const actions = h('textarea', { class: 'input rtextarea', rows: 3, maxlength: 20000 });
    actions.value = report?.actionsTaken ?? '';
    const incidents = h('input', { type: 'text', class: 'input mono', value: (report?.incidentIds ?? []).join(', '), autocomplete: 'off', spellcheck: 'false' });

    // Checks
    const countCheck = (input: HTMLInputElement) => () =>
      /^\d{1,10}$/.test(input.value.trim()) && Number(input.value) <= 1_000_000_000 ? null : t('reportForm.error.count');
    const timeCheck = (input: HTMLInputElement, required: boolean) => () => {
      if (!input.value) return required ? t('reportForm.error.required') : null;
      const iso = fromLocalInput(input.value);
      if (!iso) return t('reportForm.error.time');
      return Date.parse(iso) > Date.now() + SKEW_MS ? t('reportForm.error.future') : null;
    };
    const fields: Record<string, Checked> = {
      title: checkedField(t('reportForm.title'), title, () => {
        const v = title.value.trim();
        if (!v) return t('reportForm.error.required');
        return v.length < 3 ? t('reportForm.error.titleShort') : null;
      }, { required: true, hint: t('reportForm.titleHint') }),
      description: checkedField(t('reportForm.description'), description, () => (description.value.trim() ? null : t('reportForm.error.required')), {
        required: true,
        hint: t('reportForm.descriptionHint'),
      }),
      category: checkedField(t('reportForm.category'), category, () => (category.value ? null : t('reportForm.error.required')), { required: true }),
      type: checkedField(t('reportForm.type'), type, () => null, { hint: t('reportForm.typeHint') }),
      severity: checkedField(t('reportForm.severity'), severity, () => (severity.value ? null : t('reportForm.error.required')), {
        required: true,
        hint: t('reportForm.severityHint'),
      }),
      awarenessAt: checkedField(t('reportForm.awarenessAt'), awareness, timeCheck(awareness, true), { required: true, hint: t('reportForm.awarenessHint') }),
      occurredAt: checkedField(t('reportForm.occurredAt'), occurred, timeCheck(occurred, false)),
      systemsAffected: checkedField(t('reportForm.systems'), systems, countCheck(systems)),
      usersAffected: checkedField(t('reportForm.users'), users, countCheck(users)),
      serviceDowntimeMinutes: checkedField(t('reportForm.downtime'), downtime, countCheck(downtime)),
      actionsTaken: checkedField(t('reportForm.actionsTaken'), actions, () => null, { hint: t('reportForm.actionsHint') }),
      incidentIds: checkedField(t('reportForm.incidents'), incidents, () => null, { hint: t('reportForm.incidentsHint') }),
    };
    category.addEventListener('change', () => fields.type?.validate());

    // Indicators: one row each, checked by type as the user types.
    interface IndicatorRow {
      el: HTMLElement;
      type: HTMLSelectElement;
      value: Checked;
      note: HTMLInputElement;
    }
    const rows: IndicatorRow[] = [];
    const rowsEl = h('div', { class: 'ind-rows', 'data-testid': 'indicator-rows' });
    const indicatorsEmpty = h('p', { class: 'muted small' }, t('reportForm.noIndicators'));
    const syncIndicators = () => {
      indicatorsEmpty.hidden = rows.length > 0;
      rows.forEach((r, i) => {
        r.el.querySelector('.ind-row__n')!.textContent = String(i + 1);
      });
    };
    const addIndicator = (ind: Indicator | null, focus: boolean) => {
      const typeSelect = h(
        'select',
        { class: 'select ind-row__type', 'aria-label': t('reportForm.indicatorType') },
        INDICATOR_TYPES.map((x) => h('option', { value: x, selected: x === (ind?.type ?? 'ip') }, t(`reportForm.ind.${x}`))),
      );
      const valueInput = h('input', { type: 'text', class: 'input mono', value: ind?.value ?? '', autocomplete: 'off', spellcheck: 'false', placeholder: t('reportForm.indicatorPlaceholder') });
      const value = checkedField(t('reportForm.indicatorValue'), valueInput, () => indicatorProblem(typeSelect.value as IndicatorType, valueInput.value), {
        className: 'ind-row__value',
      });
      typeSelect.addEventListener('change', () => value.validate());
      const note = h('input', { type: 'text', class: 'input', value: ind?.description ?? '', maxlength: 500, 'aria-label': t('reportForm.indicatorNote'), placeholder: t('reportForm.indicatorNote') });
      const remove = h('button', { type: 'button', class: 'btn btn--ghost btn--small ind-row__remove', 'aria-label': t('reportForm.removeIndicator') }, icon('x', 14));
      const el = h('div', { class: 'ind-row', 'data-testid': 'indicator-row' }, h('span', { class: 'ind-row__n', 'aria-hidden': 'true' }), typeSelect, value.el, note, remove);
      const row: IndicatorRow = { el, type: typeSelect, value, note };
      remove.addEventListener('click', () => {
        rows.splice(rows.indexOf(row), 1);
        el.remove();
        syncIndicators();
        changed();
      });
      rows.push(row);
      rowsEl.append(el);
      syncIndicators();
      if (ind) value.validate();
      if (focus) valueInput.focus();
    };
    for (const ind of report?.indicators ?? []) addIndicator(ind, false);
    const addButton = h('button', { type: 'button', class: 'btn btn--secondary btn--small', 'data-testid': 'add-indicator' }, icon('plus', 14), h('span', null, t('reportForm.addIndicator')));
    addButton.addEventListener('click', () => {
      addIndicator(null, true);
      changed();
    });

    function collect(): Partial<ReportContent> {
      return {
        title: title.value.trim(),
        category: category.value,
        type: type.value || null,
        description: description.value.trim(),
        awarenessAt: fromLocalInput(awareness.value) ?? '',
        occurredAt: fromLocalInput(occurred.value),
        severity: severity.value,
        tlp: (tlpRadios.find((r) => r.checked)?.value ?? 'AMBER') as TlpLevel,
        impact: {
          systemsAffected: Number(systems.value),
          usersAffected: Number(users.value),
          serviceDowntimeMinutes: Number(downtime.value),
          data: { confidentiality: conf.input.checked, integrity: integ.input.checked, availability: avail.input.checked },
          crossBorder: cross.input.checked,
          suspectedMalicious: malicious.input.checked,
        },
        indicators: rows.map((r) => ({
          type: r.type.value as IndicatorType,
          value: (r.value.control as HTMLInputElement).value.trim(),
          ...(r.note.value.trim() ? { description: r.note.value.trim() } : {}),
        })),
        actionsTaken: actions.value.trim(),
        incidentIds: incidents.value.split(/[\s,]+/).filter(Boolean),
      };
    }

    const all = (): Checked[] => [...Object.values(fields), ...rows.map((r) => r.value)];
    function validateAll(force: boolean): Checked | null {
      let first: Checked | null = null;
      for (const f of all()) if (!f.validate(force) && !first) first = f;
      return first;
    }

    // Saving
    const saveButton = h('button', { type: 'submit', class: 'btn btn--primary', 'data-testid': 'save-draft' }, t('reportForm.save'));
    const viewButton = h('button', { type: 'button', class: 'btn btn--secondary' }, t('reportForm.saveAndView'));
    const status = h('span', { class: 'rform__status muted', role: 'status', 'data-testid': 'save-status' });
    const errors = errorBox();
    const notice = noticeBox();

    function showServerErrors(err: unknown): void {
      if (!(err instanceof ApiError) || !Array.isArray(err.details)) return;
      for (const d of err.details as { path?: unknown[]; message?: string }[]) {
        const path = Array.isArray(d.path) ? d.path : [];
        const message = typeof d.message === 'string' ? d.message : t('reportForm.error.invalid');
        if (path[0] === 'indicators' && typeof path[1] === 'number') rows[path[1]]?.value.showServer(message);
        else if (path[0] === 'impact' && typeof path[1] === 'string') fields[path[1]]?.showServer(message);
        else if (typeof path[0] === 'string') fields[path[0]]?.showServer(message);
      }
    }

    /** Saves the draft; resolves whether it was saved. `quiet`: an autosave, which never moves focus. */
    async function save(quiet: boolean): Promise<boolean> {
      if (saving) return saving;
      window.clearTimeout(autosaveTimer);
      const invalid = validateAll(!quiet);
      if (invalid) {
        if (!quiet) {
          errors.show(new ApiError(400, { message: t('reportForm.fixErrors') }, ''));
          invalid.control.focus();
        }
        return false;
      }
      errors.clear();
      saveButton.disabled = true;
      status.textContent = t('reportForm.saving');
      saving = (async () => {
        try {
          const content = collect();
          let saved: Report;
          if (reportId === null) {
            saved = await reportsApi.create(content);
            reportId = saved.id;
            // The form stays; the address becomes the draft's, so a reload reopens it.
            history.replaceState(null, '', reportEditHref(saved.id));
            document.title = `${t('reportForm.titleEdit')} · ${t('app.name')}`;
            notice.show(t('reportForm.created'));
          } else {
            saved = await reportsApi.update(reportId, { ...content, ...(revision !== null ? { revision } : {}) });
          }
          revision = saved.revision;
          dirty = false;
          status.textContent = t('reportForm.savedAt', { time: formatDateTime(saved.updatedAt) });
          return true;
        } catch (err) {
          status.textContent = '';
          if (err instanceof ApiError && err.status === 409) errors.show(new ApiError(409, { message: t('reportForm.stale') }, ''));
          else errors.show(err);
          showServerErrors(err);
          return false;
        } finally {
          saveButton.disabled = false;
          saving = null;
        }
      })();
      return saving;
    }

    flush = () => save(true);

    function changed(): void {
      dirty = true;
      status.textContent = t('reportForm.unsaved');
      window.clearTimeout(autosaveTimer);
      if (reportId !== null) autosaveTimer = window.setTimeout(() => void save(true), AUTOSAVE_MS);
    }

    const form = h(
      'form',
      { class: 'form rform', novalidate: true, 'data-testid': 'report-form' },
      section(
        t('reportForm.sectionWhat'),
        fields.title!.el,
        h('div', { class: 'rform__grid' }, fields.category!.el, fields.type!.el),
        fields.description!.el,
      ),
      section(t('reportForm.sectionWhen'), h('div', { class: 'rform__grid' }, fields.awarenessAt!.el, fields.occurredAt!.el), preview),
      section(t('reportForm.sectionClass'), h('div', { class: 'rform__grid' }, fields.severity!.el, tlpGroup)),
      section(
        t('reportForm.sectionImpact'),
        h('div', { class: 'rform__grid rform__grid--3' }, fields.systemsAffected!.el, fields.usersAffected!.el, fields.serviceDowntimeMinutes!.el),
        h('div', { class: 'rform__checks' }, h('span', { class: 'field__label' }, t('reportForm.dataAffected')), conf.el, integ.el, avail.el),
        h('div', { class: 'rform__checks' }, cross.el, malicious.el),
      ),
      section(t('reportForm.sectionIndicators'), h('p', { class: 'field__hint' }, t('reportForm.indicatorsHint')), rowsEl, indicatorsEmpty, h('div', null, addButton)),
      section(t('reportForm.sectionResponse'), fields.actionsTaken!.el, fields.incidentIds!.el),
      errors.el,
      h('div', { class: 'form__actions rform__actions' }, saveButton, viewButton, status),
      notice.el,
    );
    form.addEventListener('input', changed);
    form.addEventListener('change', changed);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void save(false);
    });
    viewButton.addEventListener('click', async () => {
      if ((dirty || reportId === null) && !(await save(false))) return;
      if (reportId) navigate(reportHref(reportId));
    });

    replace(
      body,
      h(
        'div',
        { class: 'page-head' },
        h('h1', { class: 'page-head__title' }, report ? t('reportForm.titleEdit') : t('reportForm.titleNew')),
        report ? h('p', { class: 'page-head__meta mono' }, report.id) : null,
      ),
      h('p', { class: 'page-intro' }, t('reportForm.intro', { ew: meta.policy.earlyWarningHours, nt: meta.policy.notificationHours, days: meta.policy.finalDays })),
      h('div', { class: 'card rform-card' }, form),
    );
    title.focus();
  }

  /** In-app navigation without a reload (the router follows history changes). */
  function navigate(href: string): void {
    history.pushState(null, '', href);
    window.dispatchEvent(new PopStateEvent('popstate'));
  }

  async function start(): Promise<void> {
    try {
      const meta = await reportsApi.meta();
      const incident = query.get('incident');
      if (reportId === null && incident) {
        // Prefilled from an incident: the server files the draft, the form opens it for editing.
        replace(body, loadingState(t('reportForm.prefilling')));
        const created = await reportsApi.create({ incidentIds: [incident] });
        if (!alive) return;
        history.replaceState(null, '', reportEditHref(created.id));
        reportId = created.id;
        build(meta, created);
        return;
      }
      const report = reportId ? await reportsApi.get(reportId) : null;
      if (!alive) return;
      if (report && report.status === 'closed') {
        replace(body, h('div', { class: 'card' }, h('h1', { class: 'page-head__title' }, t('reportForm.closedTitle')), h('p', null, t('reportForm.closedBody')), h('a', { class: 'btn btn--secondary', href: reportHref(report.id) }, t('reportForm.backToReport'))));
        return;
      }
      build(meta, report);
    } catch (err) {
      if (!alive) return;
      if (err instanceof ApiError && err.status === 404) {
        replace(body, h('div', { class: 'card' }, h('h1', { class: 'page-head__title' }, t('notFound.title')), h('p', null, t('report.notFound'))));
        return;
      }
      replace(body, errorState(err, () => void start()));
    }
  }

  const beforeUnload = (ev: BeforeUnloadEvent) => {
    if (dirty) ev.preventDefault();
  };
  window.addEventListener('beforeunload', beforeUnload);
  void start();

  return () => {
    alive = false;
    window.removeEventListener('beforeunload', beforeUnload);
    window.clearTimeout(autosaveTimer);
    // Leaving with unsaved changes to an existing draft: save them (when valid) rather than lose them.
    if (dirty && reportId !== null) void flush?.();
  };
};
