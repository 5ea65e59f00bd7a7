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

function forbidden(body: string): Page {
  return ({ outlet }) => {
    document.title = `${t('error.forbidden')} · ${t('app.name')}`;
    outlet.append(
      h(
        'section',
        { class: 'page page--message' },
        h('div', { class: 'card message' }, h('h1', { class: 'page-head__title' }, t('error.forbidden')), h('p', null, body), h('a', { class: 'btn btn--secondary', href: '/' }, t('notFound.home'))),
      ),
    );
  };
}

/** An admin page opened by someone else. */
export const forbiddenPage: Page = (ctx) => forbidden(t('admin.forbidden'))(ctx);

/** A detection page (rules, exceptions) opened by a role that has no access to it. */
export const restrictedPage: Page = (ctx) => forbidden(t('error.detectionOnly'))(ctx);
