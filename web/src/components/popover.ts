import { h, uid } from '../dom';

/**
 * A disclosure popover: a button (aria-expanded) that shows a panel of arbitrary content under it. Escape closes it
 * and returns focus to the button; a click or focus outside closes it; ↑/↓ move between the panel's controls.
 */
export interface Popover {
  el: HTMLElement;
  button: HTMLButtonElement;
  panel: HTMLElement;
  open(): void;
  close(focusButton: boolean): void;
  isOpen(): boolean;
}

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), [tabindex="0"]';

export function popover(opts: {
  button: HTMLButtonElement;
  content: HTMLElement;
  /** Which edge of the button the panel lines up with. */
  align?: 'start' | 'end';
  className?: string;
  /** Accessible name of the panel. */
  label: string;
  onOpen?: () => void;
}): Popover {
  const panelId = uid('pop');
  const { button } = opts;
  button.setAttribute('aria-expanded', 'false');
  button.setAttribute('aria-controls', panelId);
  const panel = h(
    'div',
    { class: `popover__panel popover__panel--${opts.align ?? 'start'}`, id: panelId, role: 'group', 'aria-label': opts.label, hidden: true },
    opts.content,
  );
  const el = h('div', { class: `popover${opts.className ? ` ${opts.className}` : ''}` }, button, panel);

  const isOpen = () => !panel.hidden;

  function open(): void {
    if (isOpen()) return;
    opts.onOpen?.();
    panel.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    document.addEventListener('pointerdown', onOutside, true);
    panel.querySelector<HTMLElement>(FOCUSABLE)?.focus();
  }

  function close(focusButton: boolean): void {
    if (!isOpen()) return;
    panel.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    document.removeEventListener('pointerdown', onOutside, true);
    if (focusButton) button.focus();
  }

  function onOutside(ev: Event): void {
    if (!el.contains(ev.target as Node)) close(false);
  }

  button.addEventListener('click', () => (isOpen() ? close(true) : open()));
  el.addEventListener('keydown', (ev) => {
    if (!isOpen()) return;
    if (ev.key === 'Escape') {
      ev.stopPropagation();
      ev.preventDefault();
      close(true);
      return;
    }
    if ((ev.key === 'ArrowDown' || ev.key === 'ArrowUp') && panel.contains(ev.target as Node)) {
      const target = ev.target as HTMLElement;
      if (target.matches('input:not([type="checkbox"]):not([type="radio"]), select, textarea')) return;
      const items = [...panel.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((e) => e.offsetParent !== null);
      const i = items.indexOf(document.activeElement as HTMLElement);
      const next = items[(i + (ev.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length];
      if (next) {
        ev.preventDefault();
        ev.stopPropagation();
        next.focus();
      }
    }
  });
  el.addEventListener('focusout', (ev) => {
    const next = ev.relatedTarget as Node | null;
    if (next && !el.contains(next)) close(false);
  });

  return { el, button, panel, open, close, isOpen };
}
