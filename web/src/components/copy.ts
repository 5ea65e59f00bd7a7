import { h, replace } from '../dom';
import { t } from '../i18n';
import { icon } from './icons';

async function copyText(text: string, fallbackSource: HTMLElement): Promise<boolean> {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // fall through to the selection-based copy
    }
  }
  // Plain-HTTP deployments have no Clipboard API: copy from a selection instead (and leave it selected).
  const selection = window.getSelection();
  if (!selection) return false;
  const range = document.createRange();
  range.selectNodeContents(fallbackSource);
  selection.removeAllRanges();
  selection.addRange(range);
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  }
}

/** A "Copy" button for the text of `source` that says "Copied" for a moment, with a status line for screen readers. */
export function copyButton(source: HTMLElement, label = t('agents.copy')): HTMLElement {
  const idle = () => [icon('copy', 16), h('span', null, label)];
  const button = h('button', { type: 'button', class: 'btn btn--primary copy-btn' }, idle());
  const status = h('span', { class: 'copy-status', role: 'status' });
  let timer: number | undefined;
  button.addEventListener('click', async () => {
    const ok = await copyText(source.textContent ?? '', source);
    window.clearTimeout(timer);
    if (ok) replace(button, icon('check', 16), h('span', null, t('agents.copied')));
    button.classList.toggle('copy-btn--done', ok);
    status.textContent = ok ? '' : t('agents.copyFailed');
    if (ok) {
      timer = window.setTimeout(() => {
        replace(button, idle());
        button.classList.remove('copy-btn--done');
      }, 2_500);
    }
  });
  return h('span', { class: 'copy' }, button, status);
}
