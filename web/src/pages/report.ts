import { agencyName, findAgency, loadAgencies, onAgenciesChange } from '../agencies';
import { ApiError, isAbortError } from '../api';
import { confirmDialog } from '../components/dialog';
import { describeError, errorBox, noticeBox } from '../components/form';
import { icon } from '../components/icons';
import { emptyState, errorState, loadingState } from '../components/states';
import { h, replace, uid, type Child } from '../dom';
import { formatNumber, t } from '../i18n';
import type { Page } from '../router';
import { session } from '../session';
import {
  categoryLabel,
  deadlineBadge,
  deadlineLabel,
  deadlineStateBadge,
  nciss,
  reportEditHref,
  reportStatusBadge,
  stageLabel,
  timeEl,
  tlpBadge,
  typeLabel,
} from './report-common';
import {
  attachmentHref,
  DEADLINE_KINDS,
  exportHref,
  REPORT_STAGES,
  reportsApi,
  type ReportDetail,
  type ReportDiff,
  type ReportMeta,
  type ReportStage,
  type ReportVersion,
} from './reports-api';
import { onReportEvents } from './reports-live';

const REFETCH_DEBOUNCE_MS = 300;

function fact(label: string, ...value: Child[]): HTMLElement {
  return h('div', { class: 'fact' }, h('dt', { class: 'fact__label' }, label), h('dd', { class: 'fact__value' }, value));
}

const yesNo = (b: boolean) => (b ? t('report.yes') : t('report.no'));

function sizeText(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** The stages the workflow accepts next (the server checks the same rules). */
export function nextStages(r: Pick<ReportDetail, 'status' | 'lastStage' | 'deadlines'>): ReportStage[] {
  if (r.status === 'closed') return [];
  const met = (k: 'notification' | 'final') => r.deadlines[k].state === 'met';
  return REPORT_STAGES.filter((stage) => {
    if (stage === 'early_warning') return r.lastStage === null;
    if (stage === 'notification') return !met('notification');
    if (stage === 'progress') return met('notification') && !met('final');
    return !met('final');
  });
}

function valueText(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.value === 'string') return `${String(o.kind ?? o.type ?? '')} ${o.value}${o.description ? ` (${String(o.description)})` : ''}`.trim();
    return JSON.stringify(v);
  }
  return String(v);
}

/** `/reports/:id`: the report, its deadlines, stage submissions and versions, evidence, exports. */
export const reportPage: Page = ({ outlet, params }) => {
  const id = params.id ?? '';
  const role = session.user?.role;
  const isFiler = role === 'agency_admin';
  const isCentre = role === 'admin' || role === 'analyst';
  document.title = t('app.name');

  let detail: ReportDetail | null = null;
  let versions: ReportVersion[] = [];
  let meta: ReportMeta | null = null;
  let controller: AbortController | null = null;
  let refetchTimer: number | undefined;
  let firstRender = true;
  let busy = false;
  let diffFrom: number | null = null;
  let diffTo: number | 'current' = 'current';
  let diffResult: ReportDiff | null = null;

  const errors = errorBox();
  const notice = noticeBox();
  const body = h('div', { class: 'report-body' }, loadingState(t('report.loading')));
  outlet.append(
    h(
      'section',
      { class: 'page page--report' },
      h('a', { class: 'back-link', href: '/reports' }, icon('arrowLeft', 16), h('span', null, t('report.back'))),
      errors.el,
      notice.el,
      body,
    ),
  );

  async function act(confirm: { title: string; body: string; confirmLabel: string } | null, run: () => Promise<unknown>, done: string): Promise<void> {
    if (busy) return;
    if (confirm && !(await confirmDialog(confirm))) return;
    busy = true;
    errors.clear();
    try {
      await run();
      notice.show(done);
      await load();
    } catch (err) {
      errors.show(err);
    } finally {
      busy = false;
    }
  }

  function actionsBar(r: ReportDetail): HTMLElement {
    const items: Child[] = [];
    if (isFiler && r.status !== 'closed') {
      items.push(h('a', { class: 'btn btn--secondary btn--small', href: reportEditHref(r.id), 'data-testid': 'edit-report' }, t('report.edit')));
      const stages = nextStages(r);
      if (stages.length) {
        const selectId = uid('stage');
        const select = h(
          'select',
          { id: selectId, class: 'select select--inline', 'data-testid': 'stage-select' },
          stages.map((s) => h('option', { value: s }, stageLabel(s))),
        );
        const submit = h('button', { type: 'button', class: 'btn btn--primary btn--small', 'data-testid': 'submit-stage' }, t('report.submitStage'));
        submit.addEventListener('click', () => {
          const stage = select.value as ReportStage;
          void act(
            { title: t('report.submitTitle', { stage: stageLabel(stage) }), body: t('report.submitBody'), confirmLabel: t('report.submitConfirm') },
            () => reportsApi.submit(r.id, stage),
            t('report.submitted', { stage: stageLabel(stage) }),
          );
        });
        items.push(h('div', { class: 'inline-field' }, h('label', { class: 'inline-field__label', for: selectId }, t('report.stage')), select), submit);
      }
    }
    if (isCentre && r.status === 'submitted') {
      const ack = h('button', { type: 'button', class: 'btn btn--primary btn--small', 'data-testid': 'acknowledge' }, icon('check', 14), h('span', null, t('report.acknowledge')));
      ack.addEventListener('click', () =>
        void act(null, () => reportsApi.acknowledge(r.id), t('report.acknowledged')),
      );
      items.push(ack);
    }
    if (isCentre && (r.status === 'submitted' || r.status === 'acknowledged')) {
      const close = h('button', { type: 'button', class: 'btn btn--secondary btn--small', 'data-testid': 'close-report' }, t('report.close'));
      close.addEventListener('click', () =>
        void act({ title: t('report.closeTitle'), body: t('report.closeBody'), confirmLabel: t('report.close') }, () => reportsApi.close(r.id), t('report.closed')),
      );
      items.push(close);
    }
    items.push(
      h('span', { class: 'report-actions__spacer' }),
      h('a', { class: 'btn btn--ghost btn--small', href: exportHref(r.id, 'pdf'), download: '', 'data-testid': 'export-pdf' }, t('report.exportPdf')),
      h('a', { class: 'btn btn--ghost btn--small', href: exportHref(r.id, 'stix'), download: '', 'data-testid': 'export-stix' }, t('report.exportStix')),
    );
    return h('div', { class: 'report-actions' }, items);
  }

  function header(r: ReportDetail): HTMLElement {
    const agency = findAgency(r.agencyId);
    return h(
      'header',
      { class: `card report-head report-head--${r.deadlineState ?? 'closed'}` },
      h(
        'div',
        { class: 'incident-head__top' },
        reportStatusBadge(r.status),
        deadlineBadge(r),
        tlpBadge(r.tlp),
        nciss(meta, r.severity),
        h('span', { class: 'incident-head__id mono' }, r.id),
      ),
      h('h1', { class: 'incident-head__title', 'data-testid': 'report-title' }, r.title),
      h(
        'dl',
        { class: 'facts facts--head' },
        fact(t('report.agency'), agency ? `${agency.name} (${agency.code})` : agencyName(r.agencyId)),
        fact(t('report.reporter'), r.reporter),
        fact(t('report.category'), categoryLabel(meta, r.category)),
        fact(t('report.type'), r.type ? typeLabel(meta, r.category, r.type) : h('span', { class: 'muted' }, t('report.typeUnknown'))),
        fact(t('report.awarenessAt'), timeEl(r.awarenessAt)),
        fact(t('report.occurredAt'), timeEl(r.occurredAt)),
        fact(t('report.lastStage'), r.lastStage ? `${stageLabel(r.lastStage)} (v${r.version})` : h('span', { class: 'muted' }, t('reports.notSubmitted'))),
        fact(t('report.updated'), timeEl(r.updatedAt)),
        r.acknowledgedAt ? fact(t('report.acknowledgedBy'), `${r.acknowledgedBy ?? ''} · `, timeEl(r.acknowledgedAt)) : null,
        r.closedAt ? fact(t('report.closedBy'), `${r.closedBy ?? ''} · `, timeEl(r.closedAt)) : null,
      ),
      actionsBar(r),
    );
  }

  function deadlinesCard(r: ReportDetail): HTMLElement {
    return h(
      'section',
      { class: 'card', 'aria-labelledby': 'deadlines-title' },
      h('h2', { class: 'card__title', id: 'deadlines-title' }, t('report.deadlines')),
      h(
        'ul',
        { class: 'deadlines', 'data-testid': 'deadlines' },
        DEADLINE_KINDS.map((k) => {
          const d = r.deadlines[k];
          return h(
            'li',
            { class: `deadline deadline--${d.state}`, 'data-deadline': k, 'data-state': d.state },
            h('span', { class: 'deadline__name' }, deadlineLabel(k)),
            deadlineStateBadge(d),
            h('span', { class: 'deadline__due' }, t('report.due'), ' ', timeEl(d.dueAt)),
            d.submittedAt ? h('span', { class: 'deadline__met muted' }, t('report.metAt'), ' ', timeEl(d.submittedAt)) : null,
          );
        }),
      ),
    );
  }

  function contentCards(r: ReportDetail): HTMLElement[] {
    const text = (s: string) => (s ? h('p', { class: 'report-text' }, s) : h('p', { class: 'muted' }, t('report.none')));
    return [
      h('section', { class: 'card', 'aria-labelledby': 'desc-title' }, h('h2', { class: 'card__title', id: 'desc-title' }, t('report.description')), text(r.description)),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'impact-title' },
        h('h2', { class: 'card__title', id: 'impact-title' }, t('report.impact')),
        h(
          'dl',
          { class: 'facts facts--grid' },
          fact(t('reportForm.systems'), h('span', { class: 'num' }, formatNumber(r.impact.systemsAffected))),
          fact(t('reportForm.users'), h('span', { class: 'num' }, formatNumber(r.impact.usersAffected))),
          fact(t('reportForm.downtime'), h('span', { class: 'num' }, formatNumber(r.impact.serviceDowntimeMinutes))),
          fact(t('reportForm.confidentiality'), yesNo(r.impact.data.confidentiality)),
          fact(t('reportForm.integrity'), yesNo(r.impact.data.integrity)),
          fact(t('reportForm.availability'), yesNo(r.impact.data.availability)),
          fact(t('reportForm.crossBorder'), yesNo(r.impact.crossBorder)),
          fact(t('reportForm.suspectedMalicious'), yesNo(r.impact.suspectedMalicious)),
        ),
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'ind-title' },
        h('h2', { class: 'card__title', id: 'ind-title' }, t('report.indicators'), h('span', { class: 'count-pill' }, String(r.indicators.length))),
        r.indicators.length
          ? h(
              'div',
              { class: 'table-wrap' },
              h(
                'table',
                { class: 'table table--data' },
                h('caption', { class: 'visually-hidden' }, t('report.indicators')),
                h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('report.indKind')), h('th', { scope: 'col' }, t('report.indValue')), h('th', { scope: 'col' }, t('report.indNote')))),
                h(
                  'tbody',
                  null,
                  r.indicators.map((i) => h('tr', null, h('td', null, h('span', { class: 'chip mono' }, i.kind ?? i.type)), h('td', { class: 'mono break' }, i.value), h('td', null, i.description ?? ''))),
                ),
              ),
            )
          : h('p', { class: 'muted' }, t('report.none')),
      ),
      h('section', { class: 'card', 'aria-labelledby': 'acts-title' }, h('h2', { class: 'card__title', id: 'acts-title' }, t('report.actionsTaken')), text(r.actionsTaken)),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'links-title' },
        h('h2', { class: 'card__title', id: 'links-title' }, t('report.incidents')),
        r.incidentIds.length
          ? h('ul', { class: 'plain-list' }, r.incidentIds.map((i) => h('li', null, h('a', { class: 'mono', href: `/incidents/${encodeURIComponent(i)}` }, i))))
          : h('p', { class: 'muted' }, t('report.none')),
      ),
    ];
  }

  function attachmentsCard(r: ReportDetail): HTMLElement {
    const list = r.attachments.length
      ? h(
          'ul',
          { class: 'attachments', 'data-testid': 'attachments' },
          r.attachments.map((a) =>
            h(
              'li',
              { class: 'attachment' },
              h('a', { href: attachmentHref(r.id, a.id), download: a.filename }, a.filename),
              h('span', { class: 'muted small' }, `${a.contentType} · ${sizeText(a.size)} · ${a.uploadedBy}`),
              h('span', { class: 'mono small break attachment__sha', title: 'SHA-256' }, a.sha256),
            ),
          ),
        )
      : h('p', { class: 'muted' }, t('report.noAttachments'));
    let upload: HTMLElement | null = null;
    if (isFiler && r.status !== 'closed') {
      const input = h('input', { type: 'file', class: 'input input--file', id: uid('att'), accept: meta?.attachmentTypes.join(',') ?? '' });
      const status = h('span', { class: 'muted small', role: 'status' });
      input.addEventListener('change', async () => {
        const file = input.files?.[0];
        if (!file) return;
        if (meta && file.size > meta.attachmentMaxBytes) {
          status.textContent = t('report.tooLarge', { max: sizeText(meta.attachmentMaxBytes) });
          return;
        }
        status.textContent = t('report.uploading');
        try {
          await reportsApi.upload(r.id, file);
          status.textContent = '';
          notice.show(t('report.uploaded', { name: file.name }));
          await load();
        } catch (err) {
          status.textContent = describeError(err).message;
        } finally {
          input.value = '';
        }
      });
      upload = h(
        'div',
        { class: 'field attachment-upload' },
        h('label', { class: 'field__label', for: input.id }, t('report.addEvidence')),
        input,
        h('p', { class: 'field__hint' }, t('report.evidenceHint', { max: sizeText(meta?.attachmentMaxBytes ?? 0) })),
        status,
      );
    }
    return h(
      'section',
      { class: 'card', 'aria-labelledby': 'att-title' },
      h('h2', { class: 'card__title', id: 'att-title' }, t('report.attachments'), h('span', { class: 'count-pill' }, String(r.attachments.length))),
      list,
      upload,
    );
  }

  function versionsCard(r: ReportDetail): HTMLElement {
    if (versions.length === 0) {
      return h('section', { class: 'card', 'aria-labelledby': 'ver-title' }, h('h2', { class: 'card__title', id: 'ver-title' }, t('report.versions')), emptyState(t('report.noVersions')));
    }
    diffFrom ??= versions.length > 1 ? versions[versions.length - 2]!.version : versions[0]!.version;
    const fromId = uid('vfrom');
    const toId = uid('vto');
    const from = h('select', { id: fromId, class: 'select select--inline' }, versions.map((v) => h('option', { value: String(v.version), selected: v.version === diffFrom }, `v${v.version} · ${stageLabel(v.stage)}`)));
    const to = h(
      'select',
      { id: toId, class: 'select select--inline' },
      versions.map((v) => h('option', { value: String(v.version), selected: v.version === diffTo }, `v${v.version} · ${stageLabel(v.stage)}`)),
      h('option', { value: 'current', selected: diffTo === 'current' }, t('report.currentDraft')),
    );
    const result = h('div', { class: 'diff', 'data-testid': 'diff', 'aria-live': 'polite' });
    const renderDiff = () => {
      if (!diffResult) return result.replaceChildren();
      if (diffResult.changes.length === 0) return replace(result, h('p', { class: 'muted' }, t('report.noDifferences')));
      replace(
        result,
        h(
          'table',
          { class: 'table table--data table--diff' },
          h('caption', { class: 'visually-hidden' }, t('report.compare')),
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('report.diffField')), h('th', { scope: 'col' }, t('report.diffBefore')), h('th', { scope: 'col' }, t('report.diffAfter')))),
          h(
            'tbody',
            null,
            diffResult.changes.map((c) =>
              h(
                'tr',
                { class: `diff--${c.op}` },
                h('td', { class: 'mono' }, c.field, h('span', { class: `badge diff__op diff__op--${c.op}` }, t(`report.op.${c.op}`))),
                h('td', { class: 'diff__before break' }, c.op === 'added' ? '' : valueText(c.before)),
                h('td', { class: 'diff__after break' }, c.op === 'removed' ? '' : valueText(c.after)),
              ),
            ),
          ),
        ),
      );
    };
    const compare = async () => {
      diffFrom = Number(from.value);
      diffTo = to.value === 'current' ? 'current' : Number(to.value);
      try {
        diffResult = await reportsApi.diff(r.id, diffFrom, diffTo);
        renderDiff();
      } catch (err) {
        replace(result, h('p', { class: 'state--error' }, describeError(err).message));
      }
    };
    from.addEventListener('change', () => void compare());
    to.addEventListener('change', () => void compare());
    if (diffResult) renderDiff();
    else void compare();
    return h(
      'section',
      { class: 'card', 'aria-labelledby': 'ver-title' },
      h('h2', { class: 'card__title', id: 'ver-title' }, t('report.versions'), h('span', { class: 'count-pill' }, String(versions.length))),
      h(
        'ol',
        { class: 'timeline versions', 'data-testid': 'versions' },
        versions.map((v) =>
          h(
            'li',
            { class: 'timeline__item' },
            h('span', { class: 'timeline__dot', 'aria-hidden': 'true' }),
            h(
              'div',
              { class: 'timeline__content' },
              h('div', { class: 'timeline__head' }, h('strong', null, `v${v.version} · ${stageLabel(v.stage)}`), h('span', { class: 'muted' }, v.submittedBy)),
              timeEl(v.submittedAt),
            ),
          ),
        ),
      ),
      h(
        'div',
        { class: 'diff-controls' },
        h('span', { class: 'field__label' }, t('report.compare')),
        h('div', { class: 'inline-field' }, h('label', { class: 'inline-field__label', for: fromId }, t('report.from')), from),
        h('div', { class: 'inline-field' }, h('label', { class: 'inline-field__label', for: toId }, t('report.to')), to),
      ),
      result,
    );
  }

  function render(r: ReportDetail): void {
    document.title = `${r.title} · ${t('app.name')}`;
    const focusIdle = !document.activeElement || document.activeElement === document.body || document.activeElement === outlet;
    replace(
      body,
      header(r),
      h(
        'div',
        { class: 'incident-grid' },
        h('div', { class: 'incident-main' }, contentCards(r)),
        h('aside', { class: 'incident-side' }, deadlinesCard(r), versionsCard(r), attachmentsCard(r)),
      ),
    );
    if (firstRender && focusIdle) {
      const title = body.querySelector<HTMLElement>('h1');
      title?.setAttribute('tabindex', '-1');
      title?.focus({ preventScroll: true });
    }
    firstRender = false;
  }

  async function load(): Promise<void> {
    controller?.abort();
    const ctrl = new AbortController();
    controller = ctrl;
    try {
      const [next, vers] = await Promise.all([reportsApi.get(id, ctrl.signal), reportsApi.versions(id, ctrl.signal)]);
      if (ctrl !== controller) return;
      if (vers.items.length !== versions.length) diffResult = null;
      detail = next;
      versions = vers.items;
      render(next);
    } catch (err) {
      if (isAbortError(err) || ctrl !== controller) return;
      if (err instanceof ApiError && err.status === 404) {
        replace(body, h('div', { class: 'card' }, h('h1', { class: 'page-head__title' }, t('notFound.title')), h('p', null, t('report.notFound'))));
        return;
      }
      if (!detail) replace(body, errorState(err, () => void load()));
      else errors.show(err);
    }
  }

  function scheduleRefetch(): void {
    window.clearTimeout(refetchTimer);
    refetchTimer = window.setTimeout(() => void load(), REFETCH_DEBOUNCE_MS);
  }

  const disposers = [
    onReportEvents({
      updated: (e) => {
        if (e.id === id && (!detail || e.revision !== detail.revision)) scheduleRefetch();
      },
      deadline: (e) => {
        if (e.reportId !== id) return;
        notice.show(t(e.level === 'overdue' ? 'reports.alertOverdue' : 'reports.alertDueSoon', { deadline: deadlineLabel(e.deadline), title: detail?.title ?? id }));
        scheduleRefetch();
      },
      connected: () => scheduleRefetch(),
    }),
    onAgenciesChange(() => {
      if (detail) render(detail);
    }),
  ];

  void loadAgencies().catch(() => undefined);
  void reportsApi
    .meta()
    .then((m) => {
      meta = m;
      if (detail) render(detail);
    })
    .catch(() => undefined);
  void load();

  return () => {
    controller?.abort();
    window.clearTimeout(refetchTimer);
    for (const dispose of disposers) dispose();
  };
};

