import { h, type Child } from '../dom';

/** The frame every admin page shares: a heading, the create form on the left, the list on the right. */
export function adminShell(opts: { id: string; title: string; banner?: HTMLElement; form: HTMLElement; list: HTMLElement }): HTMLElement {
  return h(
    'section',
    { class: `page page--admin page--${opts.id}`, 'aria-labelledby': `${opts.id}-title` },
    h('div', { class: 'page-head' }, h('h1', { class: 'page-head__title', id: `${opts.id}-title` }, opts.title)),
    opts.banner ?? null,
    h('div', { class: 'admin-grid' }, opts.form, opts.list),
  );
}

export function card(opts: { title: string; id: string; className?: string; count?: HTMLElement }, ...children: Child[]): HTMLElement {
  return h(
    'section',
    { class: `card${opts.className ? ` ${opts.className}` : ''}`, 'aria-labelledby': opts.id },
    h('h2', { class: 'card__title', id: opts.id }, opts.title, opts.count ?? null),
    children,
  );
}

export interface Column<T> {
  label: string;
  className?: string;
  cell: (row: T) => Child;
}

/** A plain data table; each row may carry attributes (ids for tests and updates). */
export function dataTable<T>(opts: { caption: string; columns: Column<T>[]; rows: readonly T[]; rowAttrs?: (row: T) => Record<string, string> }): HTMLTableElement {
  return h(
    'table',
    { class: 'table table--data' },
    h('caption', { class: 'visually-hidden' }, opts.caption),
    h('thead', null, h('tr', null, opts.columns.map((c) => h('th', { scope: 'col', class: c.className ?? null }, c.label)))),
    h(
      'tbody',
      null,
      opts.rows.map((row) => h('tr', opts.rowAttrs?.(row) ?? null, opts.columns.map((c) => h('td', { class: c.className ?? null }, c.cell(row))))),
    ),
  );
}

/** The small number next to a list heading. */
export function countPill(): { el: HTMLElement; set(n: number | null): void } {
  const el = h('span', { class: 'count-pill', hidden: true });
  return {
    el,
    set(n) {
      el.hidden = n === null;
      el.textContent = n === null ? '' : String(n);
    },
  };
}
