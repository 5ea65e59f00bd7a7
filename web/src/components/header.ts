import { api } from '../api';
import { h, replace } from '../dom';
import { LANGUAGES, language, onLanguageChange, setLanguage, t } from '../i18n';
import { onLiveStatus, type LiveStatus } from '../live';
import { session } from '../session';
import { DETECTION_ROLES, type Role, type SessionUser } from '../types';
import { LEADERSHIP_ROLES } from '../pages/leadership-route';
import { roleBadge } from './badges';
import { REPORT_ROLES } from '../pages/reports-api';
import { icon, type IconName } from './icons';
import { openShortcutHelp } from '../shortcuts';
import { notificationControl } from '../notify';

interface NavItem {
  href: string;
  label: string;
  icon: IconName;
  adminOnly: boolean;
  /** Only for these roles. */
  roles?: readonly Role[];
  /** Which paths mark this item as current. */
  matches: (path: string) => boolean;
}

const HEALTH_POLL_MS = 30_000;

function navItems(): NavItem[] {
  return [
    { href: '/overview', label: t('nav.overview'), icon: 'activity', adminOnly: false, matches: (p) => p.startsWith('/overview') },
    {
      href: '/',
      label: t('nav.incidents'),
      icon: 'list',
      adminOnly: false,
      matches: (p) => p === '/' || p.startsWith('/incidents'),
    },
    { href: '/rules', label: t('nav.rules'), icon: 'fileCode', adminOnly: false, roles: DETECTION_ROLES, matches: (p) => p.startsWith('/rules') },
    {
      href: '/exceptions',
      label: t('nav.exceptions'),
      icon: 'bellOff',
      adminOnly: false,
      roles: DETECTION_ROLES,
      matches: (p) => p.startsWith('/exceptions'),
    },
    { href: '/reports', label: t('nav.reports'), icon: 'clock', adminOnly: false, roles: REPORT_ROLES, matches: (p) => p.startsWith('/reports') },
    { href: '/leadership', label: t('nav.leadership'), icon: 'barChart', adminOnly: false, roles: LEADERSHIP_ROLES, matches: (p) => p.startsWith('/leadership') },
    { href: '/admin/agencies', label: t('nav.agencies'), icon: 'building', adminOnly: true, matches: (p) => p.startsWith('/admin/agencies') },
    { href: '/admin/agents', label: t('nav.agents'), icon: 'cpu', adminOnly: true, matches: (p) => p.startsWith('/admin/agents') },
    { href: '/admin/users', label: t('nav.users'), icon: 'users', adminOnly: true, matches: (p) => p.startsWith('/admin/users') },
  ];
}

function liveIndicator(): HTMLElement {
  const text = h('span', { class: 'live__text' });
  const el = h(
    'span',
    { class: 'live', 'data-testid': 'live-status', role: 'status', 'aria-live': 'polite' },
    h('span', { class: 'live__dot', 'aria-hidden': 'true' }),
    text,
  );
  let current: LiveStatus | null = null;
  const render = (): void => {
    if (!current) return;
    text.textContent = current === 'live' ? t('live.live') : t('live.reconnecting');
    el.title = current === 'live' ? t('live.liveTitle') : t('live.reconnectingTitle');
  };
  onLiveStatus((status: LiveStatus) => {
    current = status;
    el.dataset.state = status;
    render();
  });
  onLanguageChange(render);
  return el;
}

/**
 * EN / VI: a group of two toggle buttons (Tab reaches them, Enter/Space activates, arrow keys move between them).
 * The buttons stay in place across a change of language so focus is not lost.
 */
function languageSwitcher(): HTMLElement {
  const buttons = LANGUAGES.map((lang) => {
    const b = h(
      'button',
      { type: 'button', class: 'lang__btn', lang: lang.code, 'data-lang': lang.code, title: lang.name, 'aria-label': `${lang.label} · ${lang.name}` },
      lang.label,
    );
    b.addEventListener('click', () => setLanguage(lang.code, { remember: true }));
    return b;
  });
  const group = h('div', { class: 'lang', role: 'group', 'data-testid': 'language-switcher' }, buttons);
  group.addEventListener('keydown', (ev) => {
    if (ev.key !== 'ArrowLeft' && ev.key !== 'ArrowRight') return;
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (i < 0) return;
    ev.preventDefault();
    buttons[(i + (ev.key === 'ArrowRight' ? 1 : buttons.length - 1)) % buttons.length]!.focus();
  });
  const render = (): void => {
    group.setAttribute('aria-label', t('header.language'));
    for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset.lang === language()));
  };
  render();
  onLanguageChange(render);
  return group;
}

/** The top bar: product, navigation (admin items for admins only), health, live state, user, sign-out. */
export function createHeader(opts: { onLogout: () => void }): { el: HTMLElement; setActive(path: string): void } {
  const nav = h('ul', { class: 'nav__list' });
  const userBox = h('div', { class: 'user' });
  const health = h('span', { class: 'health', hidden: true, role: 'status' });
  let currentPath = location.pathname;
  let healthTimer: number | undefined;

  const logoutText = h('span', null, t('header.logout'));
  const logout = h('button', { type: 'button', class: 'btn btn--ghost btn--small logout', title: t('header.logout') }, icon('logout', 16), logoutText);
  logout.addEventListener('click', () => {
    logout.disabled = true;
    api
      .logout()
      .catch(() => undefined)
      .finally(() => {
        logout.disabled = false;
        opts.onLogout();
      });
  });

  const shortcutsButton = h(
    'button',
    { type: 'button', class: 'btn btn--ghost btn--small btn--icon', title: t('shortcuts.button'), 'aria-label': t('shortcuts.button'), 'data-testid': 'shortcuts-button' },
    icon('keyboard', 16),
  );
  shortcutsButton.addEventListener('click', () => openShortcutHelp());

  const skip = h('a', { class: 'skip-link', href: '#main' }, t('app.skipToContent'));
  const brandName = h('span', { class: 'brand__name' }, t('app.name'));
  const navEl = h('nav', { class: 'nav', 'aria-label': t('nav.label') }, nav);
  const el = h(
    'header',
    { class: 'topbar', hidden: true },
    skip,
    h('a', { class: 'brand', href: '/' }, icon('shieldV', 22, 'brand__logo'), brandName),
    navEl,
    h('div', { class: 'topbar__right' }, health, liveIndicator(), notificationControl(), shortcutsButton, userBox, languageSwitcher(), logout),
  );

  /** Re-applies every translated text of the bar in the active language. */
  function relabel(): void {
    skip.textContent = t('app.skipToContent');
    brandName.textContent = t('app.name');
    navEl.setAttribute('aria-label', t('nav.label'));
    logoutText.textContent = t('header.logout');
    shortcutsButton.title = t('shortcuts.button');
    shortcutsButton.setAttribute('aria-label', t('shortcuts.button'));
    logout.title = t('header.logout');
    renderNav(session.user);
    renderUser(session.user);
    if (session.user) void pollHealth();
  }
  onLanguageChange(relabel);

  function renderNav(user: SessionUser | null): void {
    const items = navItems().filter(
      (item) => (!item.adminOnly || user?.role === 'admin') && (!item.roles || (!!user && item.roles.includes(user.role))),
    );
    replace(
      nav,
      items.map((item, i) => {
        const a = h('a', { class: 'nav__link', href: item.href, title: item.label }, icon(item.icon, 16), h('span', null, item.label));
        if (item.matches(currentPath)) a.setAttribute('aria-current', 'page');
        const li = h('li', { class: 'nav__item' }, a);
        if (item.adminOnly) li.classList.add('nav__item--admin');
        if (item.adminOnly && !items[i - 1]?.adminOnly) li.classList.add('nav__item--group');
        return li;
      }),
    );
  }

  function renderUser(user: SessionUser | null): void {
    if (!user) {
      userBox.replaceChildren();
      return;
    }
    replace(
      userBox,
      h('span', { class: 'user__name', title: t('header.signedInAs', { username: user.username }) }, user.username),
      roleBadge(user.role),
    );
  }

  async function pollHealth(): Promise<void> {
    const result = await api.health();
    if (!result || result.status === 'ok') {
      health.hidden = true;
      return;
    }
    const down = [!result.redis ? t('header.part.redis') : null, !result.storage ? t('header.part.storage') : null].filter(Boolean);
    const detail = t('header.degradedDetail', { parts: down.join(', ') });
    replace(health, icon('alert', 14), h('span', null, t('header.degraded')));
    health.title = detail;
    health.setAttribute('aria-label', detail);
    health.hidden = false;
  }

  session.onChange((user) => {
    el.hidden = !user;
    renderNav(user);
    renderUser(user);
    window.clearInterval(healthTimer);
    if (user) {
      void pollHealth();
      healthTimer = window.setInterval(() => void pollHealth(), HEALTH_POLL_MS);
    } else {
      health.hidden = true;
    }
  });

  return {
    el,
    setActive(path) {
      currentPath = path;
      renderNav(session.user);
    },
  };
}
