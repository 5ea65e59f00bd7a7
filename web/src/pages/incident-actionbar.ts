import { api, type IncidentChange } from '../api';
import { severityBadge, severityLabel } from '../components/badges';
import { confirmDialog } from '../components/dialog';
import { errorContent } from '../components/form';
import { icon, type IconName } from '../components/icons';
import { h, replace } from '../dom';
import { t } from '../i18n';
import {
  SEVERITIES,
  type Assignee,
  type Incident,
  type IncidentDetail,
  type Role,
  type Severity,
  type StatusOption,
} from '../types';
import { allowedNextStatuses } from '../../../core/services/incident-transitions';
import type { StatusDefinition } from '../../../core/domain/types';
import { isStale, openClassifyDialog, openPickDialog } from './incident-dialogs';
import { openIncidentExceptionDialog } from './incident-exception';
import { incidentStatusKey, knownStatusOptions, statusChip, statusName } from './incident-labels';
import { menuButton, type MenuItem } from './incident-menu';

/**
 * The incident action bar for admins and analysts: status (only the steps the transition table allows, including
 * admin-defined statuses by stage), assignment, severity, ENISA classification, close as false positive, merge,
 * link, and add exception. Every change sends the revision the analyst saw; a 409 "stale" answer is explained and
 * the page shows the latest. Progress, success and errors appear in one line under the bar.
 */

export interface ActionBarHost {
  detail(): IncidentDetail;
  role: Role;
  username: string;
  statuses(): Promise<readonly StatusOption[]>;
  assignees(): Promise<readonly Assignee[]>;
  linkedIds(): ReadonlySet<string>;
  /** The server's answer to a change: shown at once; the rest (timeline, links) is refetched. */
  applied(incident: Incident): void;
  /** Someone else changed the incident: refetch. The bar has already said so. */
  stale(): void;
  refetch(): void;
}

export interface ActionBar {
  el: HTMLElement;
  update(incident: Incident): void;
  assignMe(): void;
  openStatus(): void;
  falsePositive(): void;
  openMerge(): void;
  openLink(): void;
  openException(): void;
  unlink(other: Incident, button: HTMLButtonElement): Promise<boolean>;
  /** Focuses the "Link related…" button (e.g. after the last link was removed). */
  focusLink(): void;
  /** Announces someone else's change (also used by the page when a live update races a dialog). */
  showStale(): void;
  dispose(): void;
}

const asDefinitions = (options: readonly StatusOption[]): StatusDefinition[] =>
  options.filter((o) => !o.builtIn).map((o) => ({ key: o.key, label: o.label, stage: o.stage, createdBy: '', createdAt: '' }));

export function actionBar(host: ActionBarHost): ActionBar {
  const current = () => host.detail().incident;
  const id = () => current().id;

  // ---- Feedback ------------------------------------------------------------------------------------------------------
  const progress = h('div', { class: 'triage-feedback__status', role: 'status', 'data-testid': 'triage-status' });
  const problem = h('div', { class: 'triage-feedback__problem', role: 'alert', 'data-testid': 'triage-error' });
  const feedback = h('div', { class: 'triage-feedback' }, progress, problem);
  let doneTimer: number | undefined;
  let busy = false;

  function showBusy(): void {
    window.clearTimeout(doneTimer);
    problem.replaceChildren();
    problem.className = 'triage-feedback__problem';
    replace(progress, h('span', { class: 'spinner spinner--small', 'aria-hidden': 'true' }), h('span', null, t('triage.saving')));
    progress.className = 'triage-feedback__status is-busy';
  }

  function showDone(text: string): void {
    window.clearTimeout(doneTimer);
    replace(progress, icon('check', 14), h('span', null, text));
    progress.className = 'triage-feedback__status is-done';
    doneTimer = window.setTimeout(() => {
      progress.replaceChildren();
      progress.className = 'triage-feedback__status';
    }, 6_000);
  }

  function clearProgress(): void {
    window.clearTimeout(doneTimer);
    progress.replaceChildren();
    progress.className = 'triage-feedback__status';
  }

  function dismissButton(): HTMLButtonElement {
    const b = h(
      'button',
      { type: 'button', class: 'tool-btn', 'aria-label': t('triage.dismiss'), title: t('triage.dismiss') },
      icon('x', 13),
    );
    b.addEventListener('click', () => {
      problem.replaceChildren();
      problem.className = 'triage-feedback__problem';
    });
    return b;
  }

  function showError(err: unknown): void {
    clearProgress();
    replace(problem, icon('alert', 16, 'triage-feedback__icon'), h('div', { class: 'triage-feedback__text' }, errorContent(err)), dismissButton());
    problem.className = 'triage-feedback__problem is-error';
  }

  function showStale(): void {
    clearProgress();
    replace(problem, icon('refresh', 16, 'triage-feedback__icon'), h('p', { class: 'triage-feedback__text', 'data-testid': 'triage-stale' }, t('triage.stale')), dismissButton());
    problem.className = 'triage-feedback__problem is-stale';
  }

  /** Runs one change: progress, then success or a clear error; a stale answer refetches. */
  async function run(action: () => Promise<string>): Promise<void> {
    if (busy) return;
    busy = true;
    el.setAttribute('aria-busy', 'true');
    showBusy();
    try {
      showDone(await action());
    } catch (err) {
      if (isStale(err)) {
        showStale();
        host.stale();
      } else {
        showError(err);
      }
    } finally {
      busy = false;
      el.setAttribute('aria-busy', 'false');
    }
  }

  async function patch(change: IncidentChange): Promise<Incident> {
    const updated = await api.updateIncident(id(), { ...change, revision: current().revision ?? 0 });
    host.applied(updated);
    return updated;
  }

  // ---- Controls ------------------------------------------------------------------------------------------------------
  function actionButton(label: string, iconName: IconName, testId: string, onClick: () => void, opts: { danger?: boolean; dialog?: boolean } = {}): HTMLButtonElement {
    const b = h(
      'button',
      {
        type: 'button',
        class: `btn btn--small ${opts.danger ? 'btn--danger-outline' : 'btn--secondary'}`,
        'data-testid': testId,
        'data-focus-key': testId,
        'aria-haspopup': opts.dialog ? 'dialog' : null,
      },
      icon(iconName, 14),
      h('span', null, label),
    );
    b.addEventListener('click', () => {
      if (b.getAttribute('aria-disabled') === 'true') return;
      onClick();
    });
    return b;
  }

  function setEnabled(b: HTMLButtonElement, enabled: boolean, why?: string): void {
    if (enabled) {
      b.removeAttribute('aria-disabled');
      b.removeAttribute('title');
    } else {
      b.setAttribute('aria-disabled', 'true');
      if (why) b.title = why;
    }
  }

  const statusMenu = menuButton({
    label: t('triage.status'),
    icon: 'activity',
    testId: 'action-status',
    menuLabel: t('triage.statusMenu'),
    radio: true,
    empty: () => t('triage.statusNone'),
    items: () =>
      host.statuses().then((options) => {
        const incident = current();
        const now = incidentStatusKey(incident);
        const next = allowedNextStatuses(incident, host.role, asDefinitions(options));
        const items: MenuItem[] = [{ value: now, label: statusName(now), lead: statusChip(now), checked: true, disabled: true }];
        for (const key of next) items.push({ value: key, label: statusName(key), lead: statusChip(key), testId: `status-option-${key}` });
        return next.length ? items : [];
      }),
    onSelect: (key) => {
      if (key === incidentStatusKey(current())) return;
      void run(async () => {
        await patch({ status: key });
        return t('triage.done.status', { status: statusName(key) });
      });
    },
  });

  const assignMeButton = actionButton(t('triage.assignMe'), 'user', 'action-assign-me', () => assignMe());

  const assignMenu = menuButton({
    label: t('triage.assign'),
    icon: 'users',
    testId: 'action-assign',
    menuLabel: t('triage.assign'),
    radio: true,
    empty: () => t('triage.assigneesNone'),
    failed: () => t('triage.assigneesFailed'),
    items: () =>
      host.assignees().then((people) => {
        const assignee = current().assignee;
        const items: MenuItem[] = people.map((p) => ({
          value: `user:${p.username}`,
          label: p.username === host.username ? `${p.username} (${t('triage.you')})` : p.username,
          checked: p.username === assignee,
          testId: `assign-option-${p.username}`,
        }));
        if (assignee) items.push({ value: 'none', label: t('triage.unassign'), separator: items.length > 0, testId: 'assign-option-none' });
        return items;
      }),
    onSelect: (value) => {
      const to = value === 'none' ? null : value.slice('user:'.length);
      if (to === current().assignee) return;
      void run(async () => {
        await patch({ assignee: to });
        return to === null ? t('triage.done.unassigned') : to === host.username ? t('triage.done.assignedMe') : t('triage.done.assigned', { name: to });
      });
    },
  });

  const severityMenu = menuButton({
    label: t('triage.severity'),
    icon: 'alert',
    testId: 'action-severity',
    menuLabel: t('triage.severity'),
    radio: true,
    items: () =>
      SEVERITIES.map((s) => ({
        value: s,
        label: severityLabel(s),
        lead: severityBadge(s),
        checked: s === current().severity,
        testId: `severity-option-${s}`,
      })),
    onSelect: (value) => {
      const severity = value as Severity;
      if (severity === current().severity) return;
      void run(async () => {
        await patch({ severity });
        return t('triage.done.severity', { severity: severityLabel(severity) });
      });
    },
  });

  const classifyButton = actionButton(t('triage.classify'), 'filter', 'action-classify', () => openClassify(), { dialog: true });
  const fpButton = actionButton(t('triage.falsePositive'), 'ban', 'action-false-positive', () => falsePositive(), { danger: true, dialog: true });
  const mergeButton = actionButton(t('triage.merge'), 'merge', 'action-merge', () => openMerge(), { dialog: true });
  const linkButton = actionButton(t('triage.link'), 'link', 'action-link', () => openLink(), { dialog: true });
  const exceptionButton = actionButton(t('incident.addException'), 'bellOff', 'incident-add-exception', () => openException(), { dialog: true });

  const find = (testId: string) => () => el.querySelector<HTMLElement>(`[data-testid="${testId}"]`);

  function assignMe(): void {
    if (current().assignee === host.username) {
      showDone(t('triage.assignedToYou'));
      return;
    }
    void run(async () => {
      await patch({ assignee: host.username });
      return t('triage.done.assignedMe');
    });
  }

  function openStatus(): void {
    if (statusMenu.button.getAttribute('aria-disabled') === 'true') {
      statusMenu.button.focus();
      return;
    }
    statusMenu.button.focus();
    statusMenu.open('first');
  }

  function canFalsePositive(incident: Incident): boolean {
    return allowedNextStatuses(incident, host.role, asDefinitions(knownStatusOptions())).includes('false_positive');
  }

  function falsePositive(): void {
    if (busy || !canFalsePositive(current())) return;
    fpButton.focus();
    void confirmDialog({
      title: t('triage.fpConfirmTitle'),
      body: t('triage.fpConfirmBody'),
      confirmLabel: t('triage.falsePositive'),
      danger: true,
    }).then((ok) => {
      if (!ok) return;
      void run(async () => {
        await patch({ status: 'false_positive' });
        return t('triage.done.falsePositive');
      });
    });
  }

  function openClassify(): void {
    if (busy) return;
    openClassifyDialog({
      incident: current(),
      returnFocus: find('action-classify'),
      save: async (change) => {
        const incident = current();
        if (change.category === incident.category && change.type === (incident.type ?? null)) {
          showDone(t('triage.done.nothing'));
          return;
        }
        const body: IncidentChange = { category: change.category, type: change.type };
        try {
          await patch(body);
          showDone(t('triage.done.classified'));
        } catch (err) {
          if (isStale(err)) {
            showStale();
            host.stale();
          }
          throw err;
        }
      },
    });
  }

  function openMerge(): void {
    const incident = current();
    if (busy || incident.mergedInto || incident.status === 'closed') return;
    openPickDialog({
      mode: 'merge',
      incident,
      linked: host.linkedIds(),
      returnFocus: find('action-merge'),
      submit: async (target) => {
        try {
          const { source } = await api.mergeIncident(incident.id, target.id, current().revision ?? 0);
          host.applied(source);
          showDone(t('triage.done.merged', { title: target.title }));
        } catch (err) {
          if (isStale(err)) {
            showStale();
            host.stale();
          }
          throw err;
        }
      },
    });
  }

  function openLink(): void {
    if (busy) return;
    openPickDialog({
      mode: 'link',
      incident: current(),
      linked: host.linkedIds(),
      returnFocus: find('action-link'),
      submit: async (target) => {
        await api.addLink(id(), target.id);
        showDone(t('triage.done.linked', { title: target.title }));
        host.refetch();
      },
    });
  }

  function openException(): void {
    openIncidentExceptionDialog(host.detail(), find('incident-add-exception'));
  }

  /** Removes a link; resolves true when it is gone. The page refreshes the related list and places focus. */
  async function unlink(other: Incident, button: HTMLButtonElement): Promise<boolean> {
    if (busy) return false;
    let ok = false;
    button.setAttribute('aria-busy', 'true');
    await run(async () => {
      await api.removeLink(id(), other.id);
      ok = true;
      return t('triage.done.unlinked', { title: other.title });
    });
    button.removeAttribute('aria-busy');
    return ok;
  }

  const el = h(
    'div',
    { class: 'triage', 'aria-busy': 'false' },
    h(
      'div',
      { class: 'triage-bar', role: 'group', 'aria-label': t('triage.actions'), 'data-testid': 'incident-actions' },
      h('div', { class: 'triage-bar__group' }, statusMenu.el, assignMeButton, assignMenu.el, severityMenu.el, classifyButton),
      h('div', { class: 'triage-bar__group triage-bar__group--end' }, fpButton, mergeButton, linkButton, exceptionButton),
    ),
    feedback,
  );

  function update(incident: Incident): void {
    const mine = incident.assignee === host.username;
    replace(assignMeButton, icon(mine ? 'check' : 'user', 14), h('span', null, mine ? t('triage.assignedToYou') : t('triage.assignMe')));
    assignMeButton.classList.toggle('is-done', mine);
    setEnabled(assignMeButton, !mine);
    const merged = !!incident.mergedInto;
    statusMenu.setDisabled(merged, merged ? t('triage.statusMerged') : undefined);
    setEnabled(fpButton, canFalsePositive(incident));
    setEnabled(mergeButton, !merged && incident.status !== 'closed');
  }

  update(current());

  return {
    el,
    update,
    assignMe,
    openStatus,
    falsePositive,
    openMerge,
    openLink,
    openException,
    unlink,
    focusLink: () => linkButton.focus({ preventScroll: true }),
    showStale,
    dispose() {
      window.clearTimeout(doneTimer);
      statusMenu.close(false);
      assignMenu.close(false);
      severityMenu.close(false);
    },
  };
}
