import { api, isAbortError } from '../api';
import { UserError, errorBox, noticeBox } from '../components/form';
import { icon } from '../components/icons';
import { emptyState, loadingState } from '../components/states';
import { h, replace, uid } from '../dom';
import { formatDateTime, formatDateTimeLong, shortId } from '../format';
import { t } from '../i18n';
import type { IncidentComment } from '../types';
import { incidentHref } from './incident-sections';

/**
 * The incident's comments: oldest first (a conversation), each with its author and time, the body with its line
 * breaks, and a mark on those that came with a merged incident. People who may comment get a box under the list
 * (Ctrl+Enter posts). The card element is created once: a live refresh replaces the list, never the draft.
 */
export interface CommentsCard {
  el: HTMLElement;
  refresh(): Promise<void>;
  focusComposer(): void;
  dispose(): void;
}

function commentItem(c: IncidentComment): HTMLElement {
  return h(
    'li',
    { class: `comment${c.mergedFrom ? ' comment--merged' : ''}`, 'data-comment-id': c.id },
    h(
      'div',
      { class: 'comment__head' },
      h('span', { class: 'comment__avatar', 'aria-hidden': 'true' }, (c.author[0] ?? '?').toUpperCase()),
      h('strong', { class: 'comment__author' }, c.author),
      h('time', { class: 'comment__time', datetime: c.at, title: formatDateTimeLong(c.at) }, formatDateTime(c.at)),
      c.mergedFrom
        ? h(
            'span',
            { class: 'comment__merged', 'data-testid': 'comment-merged' },
            icon('merge', 12),
            h('span', null, t('triage.commentMergedFrom')),
            h('a', { class: 'mono', href: incidentHref(c.mergedFrom), title: c.mergedFrom }, shortId(c.mergedFrom)),
          )
        : null,
    ),
    h('p', { class: 'comment__body' }, c.body),
  );
}

export function commentsCard(opts: { incidentId: string; canComment: boolean; onPosted?: () => void }): CommentsCard {
  const titleId = uid('comments');
  const count = h('span', { class: 'count-pill', 'data-testid': 'comment-count' }, '0');
  const list = h('div', { class: 'comments__list', 'data-testid': 'comment-list' }, loadingState(t('triage.commentsLoading')));
  const loadError = h('p', { class: 'muted small', role: 'status' });
  let controller: AbortController | null = null;
  let loaded = false;

  async function refresh(): Promise<void> {
    controller?.abort();
    const ctrl = new AbortController();
    controller = ctrl;
    try {
      const { items } = await api.comments(opts.incidentId, ctrl.signal);
      if (ctrl !== controller) return;
      loaded = true;
      loadError.textContent = '';
      count.textContent = String(items.length);
      replace(list, items.length ? h('ol', { class: 'comments' }, items.map(commentItem)) : emptyState(t('triage.commentsEmpty')));
    } catch (err) {
      if (isAbortError(err) || ctrl !== controller) return;
      // A failed refresh keeps what is shown.
      if (!loaded) replace(list, h('p', { class: 'muted' }, t('triage.commentsFailed')));
      else loadError.textContent = t('triage.commentsFailed');
    }
  }

  let composer: HTMLElement | null = null;
  let textarea: HTMLTextAreaElement | null = null;
  if (opts.canComment) {
    const area = h('textarea', {
      class: 'input textarea comment-box__input',
      name: 'comment',
      rows: 3,
      maxlength: 10000,
      placeholder: t('triage.commentPlaceholder'),
      'data-testid': 'comment-input',
      'data-focus-key': 'comment-input',
    });
    textarea = area;
    const areaId = uid('comment');
    area.id = areaId;
    const hintId = `${areaId}-hint`;
    area.setAttribute('aria-describedby', hintId);
    const errors = errorBox();
    const notice = noticeBox();
    const submit = h(
      'button',
      { type: 'submit', class: 'btn btn--primary btn--small', 'data-testid': 'comment-submit', 'data-focus-key': 'comment-submit' },
      icon('message', 14),
      h('span', null, t('triage.commentSubmit')),
    );
    const form = h(
      'form',
      { class: 'comment-box', novalidate: true, 'aria-busy': 'false' },
      h('label', { class: 'field__label', for: areaId }, t('triage.commentLabel')),
      area,
      h('div', { class: 'comment-box__foot' }, h('p', { class: 'field__hint', id: hintId }, t('triage.commentHint')), submit),
      errors.el,
      notice.el,
    );
    let busy = false;
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (busy) return;
      const body = area.value.trim();
      errors.clear();
      if (!body) {
        errors.show(new UserError(t('triage.commentEmpty')));
        area.focus();
        return;
      }
      busy = true;
      form.setAttribute('aria-busy', 'true');
      submit.setAttribute('aria-disabled', 'true');
      replace(submit, h('span', { class: 'spinner spinner--small', 'aria-hidden': 'true' }), h('span', null, t('triage.commentPosting')));
      api
        .addComment(opts.incidentId, body)
        .then(async () => {
          // Only the text that was sent is cleared: anything typed meanwhile stays.
          if (area.value.trim() === body) area.value = '';
          notice.show(t('triage.commentPosted'));
          await refresh();
          opts.onPosted?.();
        })
        .catch((err: unknown) => errors.show(err))
        .finally(() => {
          busy = false;
          form.setAttribute('aria-busy', 'false');
          submit.removeAttribute('aria-disabled');
          replace(submit, icon('message', 14), h('span', null, t('triage.commentSubmit')));
        });
    });
    area.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        form.requestSubmit();
      }
    });
    composer = form;
  }

  const el = h(
    'section',
    { class: 'card comments-card', 'aria-labelledby': titleId, 'data-testid': 'incident-comments' },
    h('h2', { class: 'card__title', id: titleId }, icon('message', 14), t('triage.comments'), count),
    list,
    loadError,
    composer,
  );

  return {
    el,
    refresh,
    focusComposer() {
      if (!textarea) return;
      textarea.scrollIntoView({ block: 'center', behavior: 'auto' });
      textarea.focus({ preventScroll: true });
    },
    dispose() {
      controller?.abort();
    },
  };
}
