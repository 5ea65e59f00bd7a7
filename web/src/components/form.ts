import { ApiError } from '../api';
import { h, replace, uid } from '../dom';
import { sentence } from '../format';
import { t } from '../i18n';
import { icon } from './icons';

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** A labelled form control with an optional hint wired up through aria-describedby. */
export function field(label: string, control: Control, opts: { hint?: string; className?: string } = {}): HTMLElement {
  if (!control.id) control.id = uid('f');
  const children: Node[] = [h('label', { class: 'field__label', for: control.id }, label), control];
  if (opts.hint) {
    const hintId = `${control.id}-hint`;
    control.setAttribute('aria-describedby', hintId);
    children.push(h('p', { class: 'field__hint', id: hintId }, opts.hint));
  }
  return h('div', { class: `field${opts.className ? ` ${opts.className}` : ''}` }, children);
}

/** A problem found in the browser before anything is sent, worded for the user (already translated). */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

export interface DescribedError {
  message: string;
  lines: string[];
  requestId: string | null;
}

interface Issue {
  path?: unknown[];
  message?: unknown;
}

/** Turns any thrown value into what the user reads: the server's message, its validation issues, the request id. */
export function describeError(err: unknown): DescribedError {
  if (err instanceof ApiError) {
    if (err.status === 0) return { message: t('error.network'), lines: [], requestId: null };
    const lines: string[] = [];
    if (Array.isArray(err.details)) {
      for (const item of err.details as Issue[]) {
        if (!item || typeof item !== 'object' || typeof item.message !== 'string') continue;
        const path = Array.isArray(item.path) ? item.path.map(String).join('.') : '';
        lines.push(path ? `${path}: ${item.message}` : item.message);
      }
    }
    const message = err.message && !/^HTTP \d+$/.test(err.message) ? sentence(err.message) : t('error.server', { status: err.status });
    return { message, lines, requestId: err.requestId };
  }
  if (err instanceof UserError) return { message: err.message, lines: [], requestId: null };
  return { message: t('error.generic'), lines: [], requestId: null };
}

/** The content of an error box or error state. */
export function errorContent(err: unknown): Node[] {
  const d = describeError(err);
  const nodes: Node[] = [h('p', { class: 'error__message' }, d.message)];
  if (d.lines.length) nodes.push(h('ul', { class: 'error__details' }, d.lines.map((l) => h('li', null, l))));
  if (d.requestId) nodes.push(h('p', { class: 'error__request' }, t('error.requestId', { id: d.requestId })));
  return nodes;
}

/** An error region next to a form; hidden until `show`. */
export function errorBox(): { el: HTMLElement; show(err: unknown): void; clear(): void } {
  const el = h('div', { class: 'form-error', role: 'alert', hidden: true });
  return {
    el,
    show(err) {
      replace(el, icon('alert', 16, 'form-error__icon'), h('div', null, errorContent(err)));
      el.hidden = false;
    },
    clear() {
      el.replaceChildren();
      el.hidden = true;
    },
  };
}

/** A polite success notice (e.g. "Agency created"). */
export function noticeBox(): { el: HTMLElement; show(text: string): void; clear(): void } {
  const el = h('div', { class: 'notice', role: 'status' });
  let timer: number | undefined;
  return {
    el,
    show(text) {
      window.clearTimeout(timer);
      replace(el, icon('check', 16), h('span', null, text));
      el.classList.add('notice--visible');
      timer = window.setTimeout(() => {
        el.classList.remove('notice--visible');
        el.replaceChildren();
      }, 6_000);
    },
    clear() {
      window.clearTimeout(timer);
      el.classList.remove('notice--visible');
      el.replaceChildren();
    },
  };
}

/**
 * Submits `form` with `action` (Enter works: it is a real form submit). While busy the button is disabled and
 * shows `busyLabel`; a failure is shown in `errors`.
 */
export function onSubmit(
  form: HTMLFormElement,
  opts: { button: HTMLButtonElement; busyLabel: string; errors: ReturnType<typeof errorBox>; action: () => Promise<void> },
): void {
  let busy = false;
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (busy) return;
    if (!form.checkValidity()) {
      form.reportValidity();
      return;
    }
    busy = true;
    const label = opts.button.textContent ?? '';
    opts.button.disabled = true;
    opts.button.textContent = opts.busyLabel;
    form.setAttribute('aria-busy', 'true');
    opts.errors.clear();
    opts
      .action()
      .catch((err: unknown) => opts.errors.show(err))
      .finally(() => {
        busy = false;
        opts.button.disabled = false;
        opts.button.textContent = label;
        form.removeAttribute('aria-busy');
      });
  });
}
