import { h, replace, uid } from '../dom';
import { t } from '../i18n';
import { icon } from './icons';

export interface Option {
  value: string;
  label: string;
  /** Extra class for the option row (e.g. a severity colour). */
  className?: string;
}

export interface MultiSelect {
  el: HTMLElement;
  set(values: readonly string[]): void;
}

/**
 * A compact filter control: a button that summarises the choice and opens a list of checkboxes.
 * Escape or a click outside closes it; changes apply at once.
 */
export function multiSelect(opts: {
  label: string;
  options: readonly Option[];
  selected: readonly string[];
  onChange: (values: string[]) => void;
}): MultiSelect {
  const selected = new Set(opts.selected);
  const popId = uid('ms');
  const labelId = uid('ms');
  const valueEl = h('span', { class: 'ms__value' });
  const button = h(
    'button',
    {
      type: 'button',
      class: 'ms__button',
      'aria-expanded': 'false',
      'aria-controls': popId,
    },
    h('span', { class: 'ms__label', id: labelId }, opts.label),
    valueEl,
    icon('chevronDown', 14, 'ms__chevron'),
  );
  valueEl.id = `${popId}-v`;

  const boxes = new Map<string, HTMLInputElement>();
  const list = h(
    'div',
    { class: 'ms__options' },
    opts.options.map((o) => {
      const box = h('input', { type: 'checkbox', value: o.value, checked: selected.has(o.value) });
      boxes.set(o.value, box);
      box.addEventListener('change', () => {
        if (box.checked) selected.add(o.value);
        else selected.delete(o.value);
        summarise();
        opts.onChange(ordered());
      });
      return h('label', { class: `ms__option${o.className ? ` ${o.className}` : ''}` }, box, h('span', null, o.label));
    }),
  );
  const clear = h('button', { type: 'button', class: 'btn btn--ghost btn--small' }, t('incidents.clearSelection'));
  clear.addEventListener('click', () => {
    if (selected.size === 0) return;
    selected.clear();
    for (const box of boxes.values()) box.checked = false;
    summarise();
    opts.onChange([]);
  });
  const pop = h(
    'div',
    { class: 'ms__pop', id: popId, role: 'group', 'aria-label': opts.label, hidden: true },
    list,
    h('div', { class: 'ms__footer' }, clear),
  );
  const root = h('div', { class: 'ms' }, button, pop);

  function ordered(): string[] {
    return opts.options.map((o) => o.value).filter((v) => selected.has(v));
  }

  function summarise(): void {
    const values = ordered();
    let text = t('incidents.anyValue');
    if (values.length === 1) text = opts.options.find((o) => o.value === values[0])?.label ?? values[0]!;
    else if (values.length > 1) text = t('incidents.selectedCount', { count: values.length });
    replace(valueEl, text);
    root.classList.toggle('ms--active', values.length > 0);
  }

  function open(): void {
    pop.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    document.addEventListener('pointerdown', onOutside, true);
    (pop.querySelector('input') as HTMLInputElement | null)?.focus();
  }

  function close(focusButton: boolean): void {
    if (pop.hidden) return;
    pop.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    document.removeEventListener('pointerdown', onOutside, true);
    if (focusButton) button.focus();
  }

  function onOutside(ev: Event): void {
    if (!root.contains(ev.target as Node)) close(false);
  }

  button.addEventListener('click', () => (pop.hidden ? open() : close(true)));
  root.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && !pop.hidden) {
      ev.stopPropagation();
      close(true);
    }
  });
  root.addEventListener('focusout', (ev) => {
    const next = ev.relatedTarget as Node | null;
    if (next && !root.contains(next)) close(false);
  });

  summarise();
  return {
    el: root,
    set(values) {
      selected.clear();
      for (const v of values) selected.add(v);
      for (const [v, box] of boxes) box.checked = selected.has(v);
      summarise();
    },
  };
}
