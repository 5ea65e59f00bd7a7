/**
 * The `/overview` route: the live SOC dashboard. The page itself (./overview-dashboard.ts) is loaded on demand, so
 * Chart.js is downloaded only by those who open a page with charts.
 */
import { t } from '../i18n';
import type { Page } from '../router';
import { renderLazyPage } from './lazy-page';

export const overviewPage: Page = (ctx) => {
  document.title = `${t('overview.title')} · ${t('app.name')}`;
  return renderLazyPage(ctx, t('overview.loading'), () => import('./overview-dashboard').then((m) => m.overviewDashboard));
};
