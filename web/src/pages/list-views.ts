import { ApiError, api } from '../api';
import { confirmDialog } from '../components/dialog';
import { UserError } from '../components/form';
import { icon } from '../components/icons';
import { popover } from '../components/popover';
import { h, replace, svgIcon } from '../dom';
import { t, type MessageKey } from '../i18n';
import type { SavedView, SessionUser } from '../types';
import { QUICK_VIEWS, canonicalQuery, type QuickView } from './incident-filters';
import { viewNameDialog } from './list-dialogs';

/**
 * Views of the incident queue: the built-in quick views (links), and the saved views of the API (own and shared) in
 * a menu, with "Save view", rename and delete. A view is its list query string; the one equal to the current filters
 * is highlighted.
 */

const PENCIL = ['M12 20h9', 'M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z'];

const QUICK_LABELS: Record<QuickView['id'], MessageKey> = {
  mine: 'list.views.myOpen',
  'unassigned-urgent': 'list.views.unassignedUrgent',
  open: 'list.views.allOpen',
  all: 'list.views.all',
};

export function quickViewLabel(view: QuickView): string {
  return t(QUICK_LABELS[view.id]);
}

/** The quick views this person gets ("My open" only for people who can be assigned incidents). */
export function quickViewsFor(user: SessionUser): QuickView[] {
  const editor = user.role === 'admin' || user.role === 'analyst';
  return QUICK_VIEWS.filter((v) => editor || !v.editorsOnly);
}

// Saved views are shared by every visit of the list in this session (back/forward re-creates the page).
let cache: { owner: string; items: SavedView[] } | null = null;
let pending: Promise<SavedView[]> | null = null;

function loadViews(owner: string, force = false): Promise<SavedView[]> {
  if (!force && cache?.owner === owner) return Promise.resolve(cache.items);
  if (pending) return pending;
  pending = api
    .views()
    .then((res) => {
      cache = { owner, items: res.items };
      return res.items;
    })
    .finally(() => {
      pending = null;
    });
  return pending;
}

function byName(a: SavedView, b: SavedView): number {
  return a.name.localeCompare(b.name, undefined, { sensitivity: 'base' });
}

/** The server's refusals, in the user's words. */
function viewError(err: unknown, name: string): unknown {
  if (err instanceof ApiError && err.status === 409) {
    const reason = (err.details as { reason?: string } | undefined)?.reason;
    return new UserError(reason === 'limit' ? t('list.views.error.limit') : t('list.views.error.duplicate', { name }));
  }
  return err;
}

export interface ViewsUi {
  /** Quick view links. */
  quick: HTMLElement;
  /** The saved views menu. */
  menu: HTMLElement;
  /** "Save view". */
  save: HTMLButtonElement;
  /** Marks the view equal to the current filters (a canonical query string). */
  setCurrent(canonical: string): void;
  dispose(): void;
}

export function viewsUi(opts: {
  user: SessionUser;
  /** The current filters as a canonical query string. */
  current: () => string;
  /** Shows the list with these filters (a query string). */
  apply: (query: string) => void;
  /** The current filters in words, and a name suggested for them. */
  summary: () => string;
  suggestName: () => string;
  announce: (message: string) => void;
}): ViewsUi {
  const { user } = opts;
  let current = opts.current();
  let views: SavedView[] = cache?.owner === user.username ? cache.items : [];
  let state: 'loading' | 'ready' | 'error' = cache?.owner === user.username ? 'ready' : 'loading';
  let disposed = false;

  const link = (query: string, className: string, label: string): HTMLAnchorElement => {
    const a = h('a', { class: className, href: query ? `/?${query}` : '/', 'data-query': canonicalQuery(query) }, label);
    a.addEventListener('click', (ev) => {
      if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
      ev.preventDefault();
      menu.close(false);
      opts.apply(query);
    });
    return a;
  };

  // ---- Quick views --------------------------------------------------------------------------------------------------

  const quickLinks = quickViewsFor(user).map((v) => {
    const a = link(v.query, 'lq-quick__link', quickViewLabel(v));
    a.dataset.view = v.id;
    return a;
  });
  const quick = h(
    'nav',
    { class: 'lq-quick', 'aria-label': t('list.views.quick') },
    h('ul', { class: 'lq-quick__list' }, quickLinks.map((a) => h('li', null, a))),
  );

  // ---- Saved views menu ---------------------------------------------------------------------------------------------

  const buttonText = h('span', { class: 'lq-views__text' });
  const countBadge = h('span', { class: 'lq-views__count' });
  const menuButton = h(
    'button',
    { type: 'button', class: 'btn btn--secondary btn--small lq-views__button', 'data-testid': 'views-button' },
    icon('star', 14),
    buttonText,
    countBadge,
    icon('chevronDown', 14),
  );
  const panelBody = h('div', { class: 'lq-views__body' });
  const menu = popover({
    button: menuButton,
    content: panelBody,
    align: 'end',
    className: 'lq-views',
    label: t('list.views.menu'),
    onOpen: () => {
      // Someone may have shared a view since: refresh quietly while the menu is open.
      void refresh(true);
    },
  });

  const save = h('button', { type: 'button', class: 'btn btn--secondary btn--small lq-save', 'data-testid': 'save-view' }, icon('plus', 14), h('span', null, t('list.views.save')));
  save.addEventListener('click', () => void saveCurrent());

  const mayChange = (v: SavedView) => v.owner === user.username || user.role === 'admin';

  function viewItem(v: SavedView): HTMLElement {
    const a = link(v.query, 'lq-view__link', v.name);
    a.title = v.name;
    const own = v.owner === user.username;
    const actions: HTMLElement[] = [];
    if (mayChange(v)) {
      const rename = h(
        'button',
        { type: 'button', class: 'btn btn--ghost btn--small btn--icon', title: t('list.views.rename'), 'aria-label': t('list.views.renameOf', { name: v.name }) },
        svgIcon(PENCIL, { size: 14 }),
      );
      rename.addEventListener('click', () => void renameView(v));
      const del = h(
        'button',
        { type: 'button', class: 'btn btn--ghost btn--small btn--icon lq-view__delete', title: t('list.views.delete'), 'aria-label': t('list.views.deleteOf', { name: v.name }) },
        icon('trash', 14),
      );
      del.addEventListener('click', () => void deleteView(v));
      actions.push(rename, del);
    }
    return h(
      'li',
      { class: 'lq-view', 'data-testid': 'saved-view', 'data-view-id': v.id },
      h(
        'div',
        { class: 'lq-view__main' },
        a,
        h(
          'span',
          { class: 'lq-view__meta' },
          v.shared ? h('span', { class: 'badge lq-view__shared' }, t('list.views.sharedBadge')) : null,
          own ? null : h('span', { class: 'muted' }, t('list.views.by', { owner: v.owner })),
        ),
      ),
      actions.length ? h('div', { class: 'lq-view__actions' }, actions) : null,
    );
  }

  function section(title: string, list: SavedView[]): HTMLElement | null {
    if (!list.length) return null;
    return h('section', { class: 'lq-views__section' }, h('h3', { class: 'lq-views__heading' }, title), h('ul', { class: 'lq-views__list' }, list.map(viewItem)));
  }

  function render(): void {
    const mine = views.filter((v) => v.owner === user.username).sort(byName);
    const others = views.filter((v) => v.owner !== user.username).sort(byName);
    const active = views.find((v) => canonicalQuery(v.query) === current);
    replace(buttonText, active ? t('list.views.menuActive', { name: active.name }) : t('list.views.menu'));
    buttonText.title = active ? active.name : '';
    countBadge.textContent = views.length ? String(views.length) : '';
    countBadge.hidden = views.length === 0;
    menuButton.classList.toggle('is-active', !!active);

    const body: (HTMLElement | null)[] = [];
    if (state === 'loading' && !views.length) body.push(h('p', { class: 'lq-views__note muted' }, t('list.views.loading')));
    else if (state === 'error' && !views.length) body.push(h('p', { class: 'lq-views__note' }, t('list.views.loadFailed')));
    else if (!views.length) body.push(h('p', { class: 'lq-views__note muted' }, t('list.views.none')));
    body.push(section(t('list.views.mine'), mine), section(t('list.views.shared'), others));
    const saveHere = h('button', { type: 'button', class: 'btn btn--ghost btn--small lq-views__save' }, icon('plus', 14), h('span', null, t('list.views.saveCurrent')));
    saveHere.addEventListener('click', () => {
      menu.close(false);
      void saveCurrent();
    });
    body.push(h('div', { class: 'lq-views__footer' }, saveHere));
    // Keep focus on the same control across the re-render (a refresh may land while the menu is in use).
    const focusedId = (document.activeElement as HTMLElement | null)?.closest<HTMLElement>('[data-view-id]')?.dataset.viewId;
    replace(panelBody, body);
    if (focusedId && menu.isOpen()) panelBody.querySelector<HTMLElement>(`[data-view-id="${CSS.escape(focusedId)}"] a`)?.focus();
    highlight();
  }

  function highlight(): void {
    for (const a of [...quickLinks, ...panelBody.querySelectorAll<HTMLAnchorElement>('a[data-query]')]) {
      const on = a.dataset.query === current;
      if (on) a.setAttribute('aria-current', 'true');
      else a.removeAttribute('aria-current');
    }
  }

  async function refresh(force: boolean): Promise<void> {
    try {
      const items = await loadViews(user.username, force);
      if (disposed) return;
      views = items;
      state = 'ready';
    } catch {
      if (disposed) return;
      state = 'error';
    }
    render();
  }

  function store(next: SavedView[]): void {
    views = next;
    cache = { owner: user.username, items: next };
    render();
  }

  const validate = (name: string) => (name.trim() ? null : t('list.views.error.nameRequired'));

  async function saveCurrent(): Promise<void> {
    const query = opts.current();
    await viewNameDialog({
      title: t('list.views.saveTitle'),
      name: opts.suggestName(),
      showShared: true,
      summary: opts.summary(),
      submitLabel: t('list.views.saveButton'),
      validate,
      submit: async (name, shared) => {
        try {
          const view = await api.createView({ name, query, shared });
          store([...views.filter((v) => v.id !== view.id), view]);
          opts.announce(t('list.views.saved', { name: view.name }));
        } catch (err) {
          throw viewError(err, name);
        }
      },
    });
  }

  async function renameView(v: SavedView): Promise<void> {
    menu.close(false);
    await viewNameDialog({
      title: t('list.views.renameTitle'),
      name: v.name,
      shared: v.shared,
      showShared: v.owner === user.username,
      submitLabel: t('list.views.saveButton'),
      validate,
      submit: async (name, shared) => {
        try {
          const change: { name?: string; shared?: boolean } = {};
          if (name !== v.name) change.name = name;
          if (v.owner === user.username && shared !== v.shared) change.shared = shared;
          if (!Object.keys(change).length) return;
          const updated = await api.updateView(v.id, change);
          store(views.map((x) => (x.id === updated.id ? updated : x)));
          opts.announce(t('list.views.renamed', { name: updated.name }));
        } catch (err) {
          throw viewError(err, name);
        }
      },
    });
  }

  async function deleteView(v: SavedView): Promise<void> {
    menu.close(false);
    const ok = await confirmDialog({
      title: t('list.views.deleteTitle', { name: v.name }),
      body: t('list.views.deleteBody'),
      confirmLabel: t('list.views.delete'),
      danger: true,
    });
    if (!ok) return;
    try {
      await api.deleteView(v.id);
      store(views.filter((x) => x.id !== v.id));
      opts.announce(t('list.views.deleted', { name: v.name }));
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        store(views.filter((x) => x.id !== v.id));
        return;
      }
      opts.announce(t('list.views.deleteFailed', { name: v.name }));
    }
  }

  render();
  void refresh(false);

  return {
    quick,
    menu: menu.el,
    save,
    setCurrent(canonical) {
      current = canonical;
      render();
    },
    dispose() {
      disposed = true;
      menu.close(false);
    },
  };
}
