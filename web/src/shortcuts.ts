import { h, uid } from './dom';
import { t, type MessageKey } from './i18n';

/**
 * Keyboard shortcuts. Pages register what they offer while they are shown; `?` lists everything active in a help
 * overlay, so the overlay can never drift from what the keys actually do.
 *
 * Keys are `KeyboardEvent.key` values (`j`, `Enter`, `#`, `A` for Shift+a); a sequence is written with a space
 * (`g i`: press g, then i within a second). Shortcuts never fire while the user types in a field, holds Ctrl/Alt/Meta,
 * or while a modal dialog is open, so they cannot steal a keystroke meant for something else.
 */

export interface Shortcut {
  keys: string;
  /** Help text key, and the group it is listed under. */
  label: MessageKey;
  group: MessageKey;
  run: (ev: KeyboardEvent) => void;
  /** Listed in the help but currently unavailable (e.g. no row selected, role may not act). */
  enabled?: () => boolean;
}

const SEQUENCE_TIMEOUT_MS = 1_000;
const registered = new Set<Shortcut[]>();
let pending: string | null = null;
let pendingTimer: number | undefined;
let help: HTMLDialogElement | null = null;

/** Registers shortcuts; returns the function that removes them (call it when the page goes away). */
export function registerShortcuts(list: Shortcut[]): () => void {
  registered.add(list);
  return () => registered.delete(list);
}

function active(): Shortcut[] {
  return [...registered].flat();
}

/** Whether a keystroke belongs to whatever has focus rather than to the console. */
export function isTypingTarget(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || typeof el.closest !== 'function') return false;
  if (el.closest('textarea, select, [contenteditable=""], [contenteditable="true"]')) return true;
  const input = el.closest('input');
  if (!input) return false;
  return !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(input.type);
}

function onKeyDown(ev: KeyboardEvent): void {
  if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) return;
  if (isTypingTarget(ev.target)) return;
  if (document.querySelector('dialog[open]')) return;
  const key = ev.key;
  if (key === 'Shift' || key === 'Control' || key === 'Alt' || key === 'Meta') return;

  const shortcuts = active();
  if (pending) {
    const sequence = `${pending} ${key}`;
    clearPending();
    const hit = shortcuts.find((s) => s.keys === sequence);
    if (hit) {
      fire(hit, ev);
      return;
    }
  }
  if (key === '?') {
    ev.preventDefault();
    openShortcutHelp();
    return;
  }
  // The first key of a sequence waits for the second.
  if (shortcuts.some((s) => s.keys.startsWith(`${key} `))) {
    pending = key;
    pendingTimer = window.setTimeout(clearPending, SEQUENCE_TIMEOUT_MS);
    ev.preventDefault();
    return;
  }
  const hit = shortcuts.find((s) => s.keys === key);
  if (hit) fire(hit, ev);
}

function fire(shortcut: Shortcut, ev: KeyboardEvent): void {
  if (shortcut.enabled && !shortcut.enabled()) return;
  ev.preventDefault();
  shortcut.run(ev);
}

function clearPending(): void {
  pending = null;
  window.clearTimeout(pendingTimer);
}

function keyCaps(keys: string): HTMLElement {
  const parts = keys.split(' ');
  return h(
    'span',
    { class: 'keys' },
    parts.flatMap((k, i) => [i > 0 ? h('span', { class: 'keys__then' }, t('shortcuts.then')) : null, h('kbd', null, keyName(k))]),
  );
}

function keyName(key: string): string {
  if (key === ' ') return t('shortcuts.key.space');
  if (key === 'Enter') return '↵ Enter';
  if (key === 'Escape') return 'Esc';
  if (key === 'ArrowDown') return '↓';
  if (key === 'ArrowUp') return '↑';
  if (key.length === 1 && key !== key.toLowerCase()) return `Shift + ${key.toLowerCase()}`;
  return key;
}

/** The help overlay: every shortcut active on this screen, by group. Escape or the close button dismisses it. */
export function openShortcutHelp(): void {
  if (help) return;
  const previous = document.activeElement as HTMLElement | null;
  const titleId = uid('shortcuts');
  const groups = new Map<MessageKey, Shortcut[]>();
  const seen = new Set<string>();
  for (const s of active()) {
    if (seen.has(s.keys)) continue;
    seen.add(s.keys);
    const list = groups.get(s.group) ?? [];
    list.push(s);
    groups.set(s.group, list);
  }
  const close = h('button', { type: 'button', class: 'btn btn--secondary' }, t('shortcuts.close'));
  const dialog = h(
    'dialog',
    { class: 'dialog dialog--wide shortcut-help', 'aria-labelledby': titleId, 'data-testid': 'shortcut-help' },
    h('h2', { class: 'dialog__title', id: titleId }, t('shortcuts.title')),
    h(
      'div',
      { class: 'shortcut-help__groups' },
      [...groups].map(([group, list]) =>
        h(
          'section',
          { class: 'shortcut-help__group' },
          h('h3', null, t(group)),
          h(
            'dl',
            null,
            list.map((s) => h('div', { class: 'shortcut-help__row' }, h('dt', null, keyCaps(s.keys)), h('dd', null, t(s.label)))),
          ),
        ),
      ),
      h(
        'section',
        { class: 'shortcut-help__group' },
        h('h3', null, t('shortcuts.group.general')),
        h('dl', null, h('div', { class: 'shortcut-help__row' }, h('dt', null, keyCaps('?')), h('dd', null, t('shortcuts.help')))),
      ),
    ),
    h('div', { class: 'dialog__actions' }, close),
  );
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    dialog.remove();
    help = null;
    previous?.focus?.();
  });
  help = dialog;
  document.body.appendChild(dialog);
  dialog.showModal();
  close.focus();
}

/** Installs the one keydown listener (idempotent) and the shortcuts every screen has. */
export function startShortcuts(navigate: (path: string) => void, can: (path: string) => boolean): void {
  document.addEventListener('keydown', onKeyDown);
  const go = (keys: string, path: string, label: MessageKey): Shortcut => ({
    keys,
    label,
    group: 'shortcuts.group.navigation',
    run: () => navigate(path),
    enabled: () => can(path),
  });
  registerShortcuts([
    go('g i', '/', 'shortcuts.goIncidents'),
    go('g o', '/overview', 'shortcuts.goOverview'),
    go('g r', '/rules', 'shortcuts.goRules'),
    go('g p', '/reports', 'shortcuts.goReports'),
  ]);
}
