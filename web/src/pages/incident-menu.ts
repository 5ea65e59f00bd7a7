import { icon, type IconName } from '../components/icons';
import { h, replace, uid, type Child } from '../dom';
import { t } from '../i18n';

/**
 * A menu button (WAI-ARIA menu button pattern) for the incident action bar: the button opens a list of choices
 * below it; arrow keys, Home/End and first letters move between them, Enter/Space picks, Escape or Tab closes and
 * focus goes back to the button. Items are built when the menu opens, so they always reflect the latest incident.
 */

export interface MenuItem {
  value: string;
  label: string;
  /** Shown before the label (e.g. a severity badge instead of plain text). */
  lead?: Child;
  /** Marks the current value (menuitemradio, aria-checked). */
  checked?: boolean;
  disabled?: boolean;
  /** Rendered before this item: a separator line. */
  separator?: boolean;
  testId?: string;
}

export interface MenuButton {
  el: HTMLElement;
  button: HTMLButtonElement;
  open(focus?: 'first' | 'checked'): void;
  close(returnFocus?: boolean): void;
  isOpen(): boolean;
  setLabel(label: Child): void;
  setDisabled(disabled: boolean, why?: string): void;
}

export function menuButton(opts: {
  label: Child;
  icon?: IconName;
  testId: string;
  /** Accessible name of the menu itself. */
  menuLabel: string;
  /** Choices at the moment the menu opens; a promise shows "Loading…" until it settles. */
  items: () => MenuItem[] | Promise<MenuItem[]>;
  onSelect: (value: string) => void;
  /** Text shown in place of items when there are none. */
  empty?: () => string;
  /** Text shown when the items could not be loaded. */
  failed?: () => string;
  radio?: boolean;
}): MenuButton {
  const menuId = uid('menu');
  const labelSpan = h('span', { class: 'menu__label' }, opts.label);
  const button = h(
    'button',
    {
      type: 'button',
      class: 'btn btn--secondary btn--small menu__button',
      'aria-haspopup': 'menu',
      'aria-expanded': 'false',
      'aria-controls': menuId,
      'data-testid': opts.testId,
      'data-focus-key': opts.testId,
    },
    opts.icon ? icon(opts.icon, 14) : null,
    labelSpan,
    icon('chevronDown', 14, 'menu__chevron'),
  );
  const list = h('div', { class: 'menu__pop', role: 'menu', id: menuId, 'aria-label': opts.menuLabel, hidden: true, 'data-testid': `${opts.testId}-menu` });
  const el = h('div', { class: 'menu' }, button, list);
  let openToken = 0;

  const itemsOf = () => [...list.querySelectorAll<HTMLButtonElement>('[role^="menuitem"]:not([aria-disabled="true"])')];

  function render(items: MenuItem[], focus: 'first' | 'checked' | null, failed = false): void {
    if (items.length === 0) {
      replace(list, h('div', { class: 'menu__empty', role: 'presentation' }, (failed ? opts.failed?.() : opts.empty?.()) ?? ''));
      return;
    }
    replace(
      list,
      items.map((item) => [
        item.separator ? h('div', { class: 'menu__sep', role: 'separator' }) : null,
        h(
          'button',
          {
            type: 'button',
            class: `menu__item${item.checked ? ' is-checked' : ''}`,
            role: opts.radio ? 'menuitemradio' : 'menuitem',
            'aria-checked': opts.radio ? String(!!item.checked) : null,
            'aria-disabled': item.disabled ? 'true' : null,
            tabindex: -1,
            'data-value': item.value,
            'data-testid': item.testId ?? null,
            on: {
              click: (ev) => {
                ev.preventDefault();
                if (item.disabled) return;
                close(true);
                opts.onSelect(item.value);
              },
            },
          },
          h('span', { class: 'menu__check', 'aria-hidden': 'true' }, item.checked ? icon('check', 13) : null),
          item.lead ?? null,
          item.lead ? null : h('span', { class: 'menu__text' }, item.label),
          item.checked ? h('span', { class: 'visually-hidden' }, ` (${t('triage.current')})`) : null,
        ),
      ]),
    );
    if (focus) {
      const all = itemsOf();
      const target = (focus === 'checked' ? all.find((b) => b.classList.contains('is-checked')) : undefined) ?? all[0];
      target?.focus();
    }
  }

  function onOutside(ev: PointerEvent): void {
    if (!el.contains(ev.target as Node)) close(false);
  }

  function open(focus: 'first' | 'checked' = 'first'): void {
    if (button.getAttribute('aria-disabled') === 'true') return;
    const token = ++openToken;
    list.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    el.classList.add('menu--open');
    document.addEventListener('pointerdown', onOutside, true);
    const items = opts.items();
    if (items instanceof Promise) {
      replace(list, h('div', { class: 'menu__empty', role: 'presentation' }, h('span', { class: 'spinner spinner--small', 'aria-hidden': 'true' }), t('triage.menuLoading')));
      list.setAttribute('aria-busy', 'true');
      // Keep keyboard focus inside the widget while loading.
      list.tabIndex = -1;
      list.focus();
      items
        .then((loaded) => {
          if (token !== openToken || list.hidden) return;
          list.removeAttribute('aria-busy');
          render(loaded, focus);
        })
        .catch(() => {
          if (token !== openToken || list.hidden) return;
          list.removeAttribute('aria-busy');
          render([], null, true);
        });
    } else {
      render(items, focus);
      if (!items.length) {
        list.tabIndex = -1;
        list.focus();
      }
    }
  }

  function close(returnFocus = true): void {
    if (list.hidden) return;
    openToken++;
    list.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    el.classList.remove('menu--open');
    document.removeEventListener('pointerdown', onOutside, true);
    if (returnFocus) button.focus();
  }

  button.addEventListener('click', () => (list.hidden ? open('checked') : close(true)));
  button.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      open(ev.key === 'ArrowDown' ? 'first' : 'checked');
      if (ev.key === 'ArrowUp') itemsOf().at(-1)?.focus();
    }
  });
  list.addEventListener('keydown', (ev) => {
    const all = itemsOf();
    const i = all.indexOf(document.activeElement as HTMLButtonElement);
    const move = (to: number) => {
      ev.preventDefault();
      ev.stopPropagation();
      if (all.length) all[(to + all.length) % all.length]?.focus();
    };
    switch (ev.key) {
      case 'ArrowDown':
        move(i + 1);
        return;
      case 'ArrowUp':
        move(i < 0 ? all.length - 1 : i - 1);
        return;
      case 'Home':
        move(0);
        return;
      case 'End':
        move(all.length - 1);
        return;
      case 'Escape':
        ev.preventDefault();
        ev.stopPropagation();
        close(true);
        return;
      case 'Tab':
        close(false);
        return;
      default:
        // Type-ahead: the next item starting with the letter.
        if (ev.key.length === 1 && /\S/.test(ev.key) && !ev.ctrlKey && !ev.metaKey && !ev.altKey) {
          const key = ev.key.toLowerCase();
          const order = [...all.slice(i + 1), ...all.slice(0, i + 1)];
          const hit = order.find((b) => (b.textContent ?? '').trim().toLowerCase().startsWith(key));
          // Letters never reach the page's shortcuts while a menu is open.
          ev.preventDefault();
          ev.stopPropagation();
          hit?.focus();
        }
    }
  });
  el.addEventListener('focusout', (ev) => {
    const next = ev.relatedTarget as Node | null;
    if (next && !el.contains(next)) close(false);
  });

  return {
    el,
    button,
    open,
    close,
    isOpen: () => !list.hidden,
    setLabel: (label) => replace(labelSpan, label),
    setDisabled(disabled, why) {
      if (disabled) {
        close(false);
        button.setAttribute('aria-disabled', 'true');
        if (why) button.title = why;
      } else {
        button.removeAttribute('aria-disabled');
        button.removeAttribute('title');
      }
    },
  };
}
