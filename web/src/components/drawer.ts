import { h, uid, type Child } from '../dom';
import { t } from '../i18n';
import { icon } from './icons';

export interface Drawer {
  el: HTMLDialogElement;
  close(): void;
}

/**
 * A side panel over the page on the native modal <dialog>: focus stays inside, Escape, the close button or a click
 * on the dimmed page closes it, and focus returns to what had it before (or to `returnFocus()` if that is gone,
 * e.g. after the list behind re-rendered).
 */
export function openDrawer(opts: {
  title: Child;
  /** Badges and the like above the title. */
  eyebrow?: Child;
  body: Child;
  footer?: Child;
  testId?: string;
  returnFocus?: () => HTMLElement | null;
  onClose?: () => void;
}): Drawer {
  const titleId = uid('drawer');
  const previous = document.activeElement as HTMLElement | null;
  const closeButton = h(
    'button',
    { type: 'button', class: 'btn btn--ghost btn--small drawer__close', 'aria-label': t('drawer.close'), title: t('drawer.close') },
    icon('x', 18),
  );
  const el = h(
    'dialog',
    { class: 'drawer', 'aria-labelledby': titleId, 'data-testid': opts.testId ?? null },
    h(
      'div',
      { class: 'drawer__frame' },
      h(
        'header',
        { class: 'drawer__head' },
        h('div', { class: 'drawer__heading' }, opts.eyebrow ? h('div', { class: 'drawer__eyebrow' }, opts.eyebrow) : null, h('h2', { class: 'drawer__title', id: titleId, tabindex: -1 }, opts.title)),
        closeButton,
      ),
      h('div', { class: 'drawer__body' }, opts.body),
      opts.footer ? h('footer', { class: 'drawer__footer' }, opts.footer) : null,
    ),
  );

  closeButton.addEventListener('click', () => el.close());
  // A click on the backdrop lands on the dialog itself, outside its frame.
  el.addEventListener('click', (ev) => {
    if (ev.target === el) el.close();
  });
  el.addEventListener('close', () => {
    el.remove();
    opts.onClose?.();
    const target = previous?.isConnected ? previous : opts.returnFocus?.();
    target?.focus?.({ preventScroll: true });
  });

  document.body.appendChild(el);
  el.showModal();
  el.querySelector<HTMLElement>('.drawer__title')?.focus();
  return { el, close: () => el.close() };
}
