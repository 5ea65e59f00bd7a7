/**
 * The `/leadership` route: who may open it, and the page itself loaded on demand, so Chart.js is downloaded only by
 * those who open the statistics.
 */
import { h } from '../dom';
import { t } from '../i18n';
import type { Page } from '../router';
import { session } from '../session';
import type { Role } from '../types';
import { renderLazyPage } from './lazy-page';

/** Roles that see the statistics page (the API also answers agency admins, for their own agency only). */
export const LEADERSHIP_ROLES: readonly Role[] = ['leadership', 'admin', 'analyst'];

export const leadershipRoute: Page = (ctx) => {
  const role = session.user?.role;
  if (!role || !LEADERSHIP_ROLES.includes(role)) {
    document.title = `${t('error.forbidden')} · ${t('app.name')}`;
    ctx.outlet.append(
      h(
        'section',
        { class: 'page page--message' },
        h(
          'div',
          { class: 'card message' },
          h('h1', { class: 'page-head__title' }, t('error.forbidden')),
          h('p', null, t('leadership.forbidden')),
          h('a', { class: 'btn btn--secondary', href: '/' }, t('notFound.home')),
        ),
      ),
    );
    return;
  }
  return renderLazyPage(ctx, t('leadership.loading'), () => import('./leadership').then((m) => m.leadershipPage));
};
