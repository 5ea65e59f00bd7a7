import { h } from '../dom';

/**
 * Windowed rendering of a long table body: only the rows in view (plus an overscan above and below) are in the DOM,
 * between two spacer rows that keep the full scroll height. Every row has the same height (measured from a rendered
 * row), so a scroll position maps to an index by one division: smooth at tens of thousands of rows.
 *
 * Row elements are cached by key while they stay in the window, so a re-render (scroll, live update elsewhere) leaves
 * them, their running animations and their focus alone; `invalidate` drops a row whose data changed.
 */

export interface VirtualRowsOptions {
  /** The element that scrolls (overflow: auto); the table is its first content, its thead sticks at its top. */
  scroller: HTMLElement;
  thead: HTMLTableSectionElement;
  tbody: HTMLTableSectionElement;
  columns: () => number;
  count: () => number;
  keyAt: (index: number) => string;
  renderRow: (index: number) => HTMLTableRowElement;
  estimatedRowHeight: number;
  overscan?: number;
  /** When set, each rendered row gets `aria-rowindex` = its index + this (e.g. 2: the header row is 1). */
  ariaRowIndexOffset?: number;
  /** After each render, with the rendered window and the rows at least partly in view. */
  onRender?: (window: { start: number; end: number; first: number; last: number }) => void;
}

export interface VirtualRows {
  /** Re-renders on the next animation frame (calls coalesce). */
  schedule(): void;
  /** Renders now. */
  render(): void;
  /** Drops the cached elements of these rows (all when omitted); they are rebuilt by the next render. */
  invalidate(keys?: Iterable<string>): void;
  /** The rendered row of a key, if it is in the window. */
  row(key: string): HTMLTableRowElement | undefined;
  rows(): IterableIterator<[string, HTMLTableRowElement]>;
  rowHeight(): number;
  /** Indexes of the first and last rows at least partly in view (first > last when there are none). */
  visible(): { first: number; last: number };
  /** Scrolls the least needed to show the row (`nearest`), or puts it at the top (`start`). */
  scrollToIndex(index: number, align?: 'nearest' | 'start'): void;
  /** The row at the top of the view and how far it is scrolled past, to restore after rows change above it. */
  anchor(): { key: string; offset: number } | null;
  /** Scrolls so that the row at `index` is where `anchor()` saw its key. */
  restoreAnchor(index: number, offset: number): void;
  destroy(): void;
}

export function virtualRows(opts: VirtualRowsOptions): VirtualRows {
  const overscan = opts.overscan ?? 8;
  const { scroller, thead, tbody } = opts;
  let rh = opts.estimatedRowHeight;
  let frame = 0;
  let measured = false;
  const cache = new Map<string, HTMLTableRowElement>();

  const spacerCell = (): HTMLTableCellElement => h('td', { class: 'vspacer__cell' });
  const topCell = spacerCell();
  const bottomCell = spacerCell();
  const top = h('tr', { class: 'vspacer', 'aria-hidden': 'true' }, topCell);
  const bottom = h('tr', { class: 'vspacer', 'aria-hidden': 'true' }, bottomCell);

  const headHeight = () => thead.offsetHeight;

  function range(): { start: number; end: number; first: number; last: number } {
    const count = opts.count();
    const head = headHeight();
    const viewTop = Math.max(0, scroller.scrollTop);
    const viewHeight = Math.max(0, scroller.clientHeight - head);
    const first = Math.min(count, Math.floor(viewTop / rh));
    const last = Math.min(count - 1, Math.ceil((viewTop + viewHeight) / rh) - 1);
    const start = Math.max(0, first - overscan);
    const end = Math.min(count, Math.max(first, last + 1) + overscan);
    return { start, end, first, last };
  }

  /**
   * The header cells shown (columns can be hidden by media queries): a spacer spanning more columns than the table
   * shows would add empty columns that take width from the real ones.
   */
  function visibleColumns(): number {
    const cells = thead.rows[0]?.cells;
    if (!cells) return opts.columns();
    let n = 0;
    for (const cell of cells) if (getComputedStyle(cell).display !== 'none') n += cell.colSpan;
    return Math.max(1, n);
  }

  function setSpacer(row: HTMLTableRowElement, cell: HTMLTableCellElement, height: number): void {
    row.hidden = height <= 0;
    const span = visibleColumns();
    if (cell.colSpan !== span) cell.colSpan = span;
    cell.style.height = `${height}px`;
  }

  function render(): void {
    window.cancelAnimationFrame(frame);
    frame = 0;
    const count = opts.count();
    const win = range();
    const wanted: HTMLTableRowElement[] = [];
    const keep = new Set<string>();
    for (let i = win.start; i < win.end; i++) {
      const key = opts.keyAt(i);
      keep.add(key);
      let row = cache.get(key);
      if (!row) {
        row = opts.renderRow(i);
        row.dataset.key = key;
        cache.set(key, row);
      }
      if (opts.ariaRowIndexOffset !== undefined) {
        const value = String(i + opts.ariaRowIndexOffset);
        if (row.getAttribute('aria-rowindex') !== value) row.setAttribute('aria-rowindex', value);
      }
      wanted.push(row);
    }
    // Remember where focus was, in case its row is rebuilt or leaves the window.
    const active = document.activeElement;
    const focusedRow = active instanceof Element && tbody.contains(active) ? active.closest<HTMLTableRowElement>('tr[data-key]') : null;
    const focusedKey = focusedRow?.dataset.key;
    const focusedPart = active instanceof Element ? focusPart(active) : null;

    for (const [key, row] of cache) {
      if (!keep.has(key)) {
        cache.delete(key);
        row.remove();
      }
    }
    // Anything else in the body (state rows, stale rows) goes; kept rows stay put, so only new ones are inserted.
    const desired = new Set<Element>([top, ...wanted, bottom]);
    for (const child of [...tbody.children]) if (!desired.has(child)) child.remove();
    let cursor: Element | null = tbody.firstElementChild;
    for (const el of [top, ...wanted, bottom]) {
      if (cursor === el) {
        cursor = cursor.nextElementSibling;
        continue;
      }
      tbody.insertBefore(el, cursor);
    }
    setSpacer(top, topCell, win.start * rh);
    setSpacer(bottom, bottomCell, (count - win.end) * rh);

    if (focusedKey && focusedPart && !tbody.contains(document.activeElement)) {
      const again = cache.get(focusedKey)?.querySelector<HTMLElement>(focusedPart);
      if (again) again.focus({ preventScroll: true });
      else scroller.focus({ preventScroll: true });
    }

    // The real row height (font, zoom, screen size) replaces the estimate once, then on every resize.
    if (!measured && wanted[0]) {
      const real = wanted[0].getBoundingClientRect().height;
      measured = true;
      if (real > 0 && Math.abs(real - rh) >= 0.5) {
        rh = real;
        render();
        return;
      }
    }
    opts.onRender?.(win);
  }

  function schedule(): void {
    if (frame) return;
    frame = window.requestAnimationFrame(render);
  }

  const onScroll = () => schedule();
  scroller.addEventListener('scroll', onScroll, { passive: true });
  const resize = new ResizeObserver(() => {
    measured = false;
    schedule();
  });
  resize.observe(scroller);

  return {
    schedule,
    render,
    invalidate(keys) {
      if (!keys) {
        for (const row of cache.values()) row.remove();
        cache.clear();
        return;
      }
      for (const key of keys) {
        const row = cache.get(key);
        if (!row) continue;
        cache.delete(key);
        // Left in place until the next render replaces it, so focus can move to its successor.
        row.dataset.stale = 'true';
      }
    },
    row: (key) => cache.get(key),
    rows: () => cache.entries(),
    rowHeight: () => rh,
    visible() {
      const { first, last } = range();
      return { first, last };
    },
    scrollToIndex(index, align = 'nearest') {
      const head = headHeight();
      const rowTop = index * rh;
      const viewHeight = scroller.clientHeight - head;
      if (align === 'start' || rowTop < scroller.scrollTop) scroller.scrollTop = rowTop;
      else if (rowTop + rh > scroller.scrollTop + viewHeight) scroller.scrollTop = rowTop + rh - viewHeight;
      render();
    },
    anchor() {
      if (opts.count() === 0) return null;
      const first = Math.min(opts.count() - 1, Math.floor(scroller.scrollTop / rh));
      return { key: opts.keyAt(first), offset: scroller.scrollTop - first * rh };
    },
    restoreAnchor(index, offset) {
      scroller.scrollTop = Math.max(0, index * rh + offset);
    },
    destroy() {
      window.cancelAnimationFrame(frame);
      scroller.removeEventListener('scroll', onScroll);
      resize.disconnect();
    },
  };
}

/** A selector for the focused part of a row, to focus the same part of its rebuilt copy. */
function focusPart(el: Element): string | null {
  const part = el.closest<HTMLElement>('[data-part]');
  return part ? `[data-part="${part.dataset.part}"]` : null;
}
