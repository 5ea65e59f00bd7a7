import { h } from '../dom';
import { t } from '../i18n';
import { errorContent } from './form';
import { icon } from './icons';

export function loadingState(text: string): HTMLElement {
  return h('div', { class: 'state state--loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

export function emptyState(text: string): HTMLElement {
  return h('div', { class: 'state state--empty' }, text);
}

export function errorState(err: unknown, retry?: () => void): HTMLElement {
  return h(
    'div',
    { class: 'state state--error', role: 'alert' },
    icon('alert', 20, 'state__icon'),
    h('div', { class: 'state__body' }, errorContent(err)),
    retry ? h('button', { type: 'button', class: 'btn btn--secondary', on: { click: retry } }, t('error.retry')) : null,
  );
}
