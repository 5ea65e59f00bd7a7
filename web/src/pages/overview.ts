/**
 * The `/overview` route: the live SOC dashboard. The page itself (./overview-dashboard.ts) is loaded on demand, so
 * Chart.js is downloaded only by those who open a page with charts.
 */
import { errorState, loadingState } from '../components/states';
import { h, replace } from '../dom';
import { t } from '../i18n';
import type { Page } from '../router';

export const overviewPage: Page = (ctx) => {
  document.title = `${t('overview.title')} · ${t('app.name')}`;
  let alive = true;
  let cleanup: (() => void) | null = null;
  const holder = h('div', null, loadingState(t('overview.loading')));
  ctx.outlet.append(holder);
  const mount = () => {
    import('./overview-dashboard')
      .then((m) => {
        if (!alive) return;
        holder.remove();
        cleanup = m.overviewDashboard(ctx);
        ctx.outlet.querySelector<HTMLElement>('h1')?.focus({ preventScroll: true });
      })
      .catch((err: unknown) => {
        if (alive) replace(holder, errorState(err, mount));
      });
  };
  mount();
  return () => {
    alive = false;
    cleanup?.();
  };
};
