import { h } from '../dom';
import { t } from '../i18n';
import type { Page } from '../router';

/** `/overview`: the live dashboard (being built: see the overview helper's brief). */
export const overviewPage: Page = ({ outlet }) => {
  document.title = `${t('overview.title')} · ${t('app.name')}`;
  outlet.append(h('section', { class: 'page' }, h('h1', { class: 'page-head__title' }, t('overview.title'))));
};
