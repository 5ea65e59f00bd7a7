import { errorState, loadingState } from '../components/states';
import { h, replace } from '../dom';
import type { Page, RouteContext } from '../router';

/**
 * Renders a page whose module is loaded on demand (chart pages: Chart.js is downloaded only by those who open one).
 * A failed download offers a retry; leaving before it arrives renders nothing.
 */
export function renderLazyPage(ctx: RouteContext, loadingText: string, load: () => Promise<Page>): () => void {
  let alive = true;
  let cleanup: (() => void) | null = null;
  const holder = h('div', null, loadingState(loadingText));
  ctx.outlet.append(holder);
  const mount = () => {
    load()
      .then((page) => {
        if (!alive) return;
        holder.remove();
        cleanup = page(ctx) ?? null;
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
}
