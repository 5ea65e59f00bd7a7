import './styles/main.css';
import './styles/list.css';
import './styles/triage.css';
import './styles/overview.css';
import './styles/shell.css';
import { resetAgencies } from './agencies';
import { ApiError, api, setUnauthorizedHandler } from './api';
import { startAgeTicker } from './components/age';
import { createHeader } from './components/header';
import { errorState, loadingState } from './components/states';
import { h, replace } from './dom';
import { onLanguageChange, t } from './i18n';
import { connectLive, disconnectLive } from './live';
import { startNotifications } from './notify';
import { agenciesPage } from './pages/admin-agencies';
import { agentsPage } from './pages/admin-agents';
import { usersPage } from './pages/admin-users';
import { incidentPage } from './pages/incident';
import { exceptionsPage } from './pages/exceptions';
import { incidentsPage } from './pages/incidents';
import { overviewPage } from './pages/overview';
import { leadershipRoute } from './pages/leadership-route';
import { loginPage } from './pages/login';
import { reportPage } from './pages/report';
import { reportFormPage } from './pages/report-form';
import { reportsPage } from './pages/reports';
import { REPORT_FILER_ROLES, REPORT_READER_ROLES, REPORT_ROLES } from './pages/reports-api';
import { forbiddenPage, notFoundPage, restrictedPage } from './pages/misc';
import { rulesPage } from './pages/rules';
import { Router, type Resolution } from './router';
import { session } from './session';
import { startShortcuts } from './shortcuts';
import { DETECTION_ROLES, type SessionUser } from './types';

const root = document.getElementById('app');
if (!root) throw new Error('#app missing from index.html');

const header = createHeader({ onLogout: () => signOut(false) });
const main = h('main', { id: 'main', class: 'main', tabindex: -1 });
root.replaceChildren(header.el, main);

/** The login URL; `keepPlace` brings the user back here after signing in. */
function loginPath(keepPlace: boolean, expired: boolean): string {
  const here = location.pathname + location.search;
  const params = new URLSearchParams();
  if (expired) params.set('expired', '1');
  if (keepPlace && here !== '/' && !location.pathname.startsWith('/login')) params.set('next', here);
  const qs = params.toString();
  return qs ? `/login?${qs}` : '/login';
}

const router = new Router({
  outlet: main,
  notFound: notFoundPage,
  routes: [
    { pattern: '/login', page: loginPage((user, next) => signIn(user, next)), public: true },
    { pattern: '/', page: incidentsPage },
    { pattern: '/incidents/:id', page: incidentPage },
    { pattern: '/overview', page: overviewPage },
    { pattern: '/rules', page: rulesPage, roles: DETECTION_ROLES },
    { pattern: '/exceptions', page: exceptionsPage, roles: DETECTION_ROLES },
    { pattern: '/leadership', page: leadershipRoute },
    { pattern: '/reports', page: reportsPage, roles: REPORT_ROLES },
    { pattern: '/reports/new', page: reportFormPage, roles: REPORT_FILER_ROLES },
    { pattern: '/reports/:id/edit', page: reportFormPage, roles: REPORT_FILER_ROLES },
    { pattern: '/reports/:id', page: reportPage, roles: REPORT_READER_ROLES },
    { pattern: '/admin/agencies', page: agenciesPage, adminOnly: true },
    { pattern: '/admin/agents', page: agentsPage, adminOnly: true },
    { pattern: '/admin/users', page: usersPage, adminOnly: true },
  ],
  guard(target: Resolution | null) {
    const user = session.user;
    if (target?.route.public) return user ? { redirect: '/' } : null;
    if (!user) return { redirect: loginPath(true, false) };
    if (target?.route.adminOnly && user.role !== 'admin') return { page: forbiddenPage };
    if (target?.route.roles && !target.route.roles.includes(user.role)) return { page: restrictedPage };
    return null;
  },
  afterRender: (path) => header.setActive(path),
});

function startLive(): void {
  // The socket handshake was refused for the session: same as a 401 from the API.
  connectLive(() => {
    if (session.user) signOut(true);
  });
  // Sound / desktop alerts for new critical incidents (off until the user turns them on in the header).
  startNotifications({ navigate: (path) => router.navigate(path) });
}

function signIn(user: SessionUser, next: string): void {
  session.set(user);
  startLive();
  router.navigate(next, { replace: true });
}

function signOut(expired: boolean): void {
  const target = loginPath(expired, expired);
  disconnectLive();
  resetAgencies();
  session.set(null);
  router.navigate(target, { replace: true });
}

setUnauthorizedHandler(() => {
  if (session.user) signOut(true);
});

session.onChange((user) => document.body.classList.toggle('signed-in', !!user));

async function boot(): Promise<void> {
  replace(main, loadingState(t('app.loading')));
  try {
    const { user } = await api.me();
    session.set(user);
    startLive();
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) {
      // The server is unreachable or failing: say so rather than pretending the user is signed out.
      replace(main, h('section', { class: 'page page--message' }, errorState(err, () => void boot())));
      return;
    }
    session.set(null);
  }
  router.start();
  routerStarted = true;
  startShortcuts(
    (path) => router.navigate(path),
    (path) => {
      const target = router.match(path);
      const user = session.user;
      if (!target || !user) return false;
      if (target.route.adminOnly && user.role !== 'admin') return false;
      return !target.route.roles || target.route.roles.includes(user.role);
    },
  );
}

let routerStarted = false;
// A change of language re-renders the current page in place: no reload, same URL, focus left on the switcher.
onLanguageChange(() => {
  if (routerStarted) router.refresh();
});

startAgeTicker();
void boot();
