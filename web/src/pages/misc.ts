import { h } from '../dom';
import { t } from '../i18n';
import type { Page } from '../router';

export const notFoundPage: Page = ({ outlet }) => {
  document.title = `${t('notFound.title')} · ${t('app.name')}`;
  outlet.append(
    h(
      'section',
      { class: 'page page--message' },
      h('div', { class: 'card message' }, h('h1', { class: 'page-head__title' }, t('notFound.title')), h('p', null, t('notFound.body')), h('a', { class: 'btn btn--secondary', href: '/' }, t('notFound.home'))),
    ),
  );
};

export const forbiddenPage: Page = ({ outlet }) => {
  document.title = `${t('error.forbidden')} · ${t('app.name')}`;
  outlet.append(
    h(
      'section',
      { class: 'page page--message' },
      h('div', { class: 'card message' }, h('h1', { class: 'page-head__title' }, t('error.forbidden')), h('p', null, t('admin.forbidden')), h('a', { class: 'btn btn--secondary', href: '/' }, t('notFound.home'))),
    ),
  );
};
