/** A small router on the History API: path patterns with `:params`, link interception, focus on navigation. */

import type { Role } from './types';

export interface RouteContext {
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  outlet: HTMLElement;
}

/** A page renders into the outlet and may return a cleanup run when the user navigates away. */
export type Page = (ctx: RouteContext) => void | (() => void);

export interface Route {
  pattern: string;
  page: Page;
  /** Only for signed-in admins. */
  adminOnly?: boolean;
  /** Only for these roles (e.g. the detection pages: admins and analysts). */
  roles?: readonly Role[];
  /** Reachable without a session (the login page). */
  public?: boolean;
}

interface CompiledRoute extends Route {
  regex: RegExp;
  keys: string[];
}

export interface Resolution {
  route: Route;
  params: Record<string, string>;
}

export interface RouterOptions {
  routes: Route[];
  outlet: HTMLElement;
  notFound: Page;
  /** Runs before rendering: return a path to redirect to, or a page to render instead (e.g. forbidden). */
  guard?: (target: Resolution | null, url: URL) => { redirect: string } | { page: Page } | null;
  /** After each render (header uses it to mark the active nav item). */
  afterRender?: (path: string) => void;
}

function compile(route: Route): CompiledRoute {
  const keys: string[] = [];
  const source = route.pattern
    .split('/')
    .map((part) => {
      if (part.startsWith(':')) {
        keys.push(part.slice(1));
        return '([^/]+)';
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { ...route, regex: new RegExp(`^${source}/?$`), keys };
}

export class Router {
  private readonly routes: CompiledRoute[];
  private cleanup: (() => void) | null = null;
  private renderedPath: string | null = null;

  constructor(private readonly opts: RouterOptions) {
    this.routes = opts.routes.map(compile);
  }

  start(): void {
    window.addEventListener('popstate', () => this.render());
    document.addEventListener('click', (ev) => this.onClick(ev));
    this.render();
  }

  match(pathname: string): Resolution | null {
    for (const route of this.routes) {
      const m = route.regex.exec(pathname);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((key, i) => {
        try {
          params[key] = decodeURIComponent(m[i + 1] ?? '');
        } catch {
          params[key] = m[i + 1] ?? '';
        }
      });
      return { route, params };
    }
    return null;
  }

  navigate(to: string, opts: { replace?: boolean } = {}): void {
    const url = new URL(to, location.origin);
    const target = url.pathname + url.search + url.hash;
    if (opts.replace) history.replaceState(null, '', target);
    else if (target !== location.pathname + location.search + location.hash) history.pushState(null, '', target);
    this.render();
  }

  /** Re-renders the current location (e.g. after sign-in). */
  refresh(): void {
    this.render();
  }

  private onClick(ev: MouseEvent): void {
    if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    const a = (ev.target as Element | null)?.closest?.('a');
    if (!a || !a.href || a.target || a.hasAttribute('download') || a.dataset.external !== undefined) return;
    const url = new URL(a.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
    // In-page anchors (the skip link) are left to the browser.
    if (url.hash && url.pathname === location.pathname && url.search === location.search) return;
    ev.preventDefault();
    this.navigate(url.pathname + url.search + url.hash);
  }

  private render(): void {
    const url = new URL(location.href);
    const resolution = this.match(url.pathname);
    const verdict = this.opts.guard?.(resolution, url) ?? null;
    if (verdict && 'redirect' in verdict) {
      history.replaceState(null, '', verdict.redirect);
      this.render();
      return;
    }
    const page = verdict?.page ?? resolution?.route.page ?? this.opts.notFound;

    const samePath = this.renderedPath === url.pathname;
    this.cleanup?.();
    this.cleanup = null;
    this.opts.outlet.replaceChildren();
    const ctx: RouteContext = {
      path: url.pathname,
      params: resolution?.params ?? {},
      query: url.searchParams,
      outlet: this.opts.outlet,
    };
    this.cleanup = page(ctx) ?? null;
    this.renderedPath = url.pathname;
    this.opts.afterRender?.(url.pathname);

    if (!samePath) {
      window.scrollTo(0, 0);
      // Move focus to the new page so keyboard and screen-reader users start at its top.
      const auto = this.opts.outlet.querySelector<HTMLElement>('[data-autofocus]');
      const target = auto ?? this.opts.outlet.querySelector<HTMLElement>('h1') ?? this.opts.outlet;
      if (!auto && !target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
      target.focus({ preventScroll: true });
    }
  }
}
