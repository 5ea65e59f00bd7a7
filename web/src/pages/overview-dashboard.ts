/**
 * `/overview`: the live SOC dashboard, made to hang on a wall screen. Four tiles (events per second with the last
 * 10 minutes, alerts per minute with the last hour, open incidents, agents silent now), open incidents by severity
 * and by agency, the silent agents and the rules that fired most in the last 24 hours. Everything comes from one
 * call, `GET /api/v1/overview` (national, or the agency's own for an agency admin).
 *
 * Live: refreshed every 5 s while the tab is visible, and about a second after an incident arrives or the live feed
 * (re)connects. The page is built once and updated in place (charts with `update('none')`, keyed rows), so nothing
 * is recreated per tick. A failed refresh keeps the last figures under an error banner. Wall mode (`?wall=1` or the
 * toggle) hides the navigation bar and scales everything up for a 2560×1440 screen.
 *
 * Loaded on demand by ./overview.ts; the cleanup it returns stops the timers, listeners, request and charts.
 */
import { agencyName, findAgency, loadAgencies, onAgenciesChange } from '../agencies';
import { api, isAbortError } from '../api';
import { severityLabel } from '../components/badges';
import { describeError } from '../components/form';
import { icon } from '../components/icons';
import { errorState, loadingState } from '../components/states';
import { h, replace, setText } from '../dom';
import { formatAge } from '../format';
import { formatNumber, locale, t, tp } from '../i18n';
import { onIncident, onLiveConnect } from '../live';
import type { RouteContext } from '../router';
import { session } from '../session';
import { SEVERITIES, type Overview, type OverviewPoint, type Severity } from '../types';
import { severityDoughnut, seriesChart, type LiveChart } from './overview-charts';
import { OPEN_FILTER, agencyBars, panel, severityLegend, severityUrl, silentAgents, topRules, type Panel } from './overview-panels';

const REFRESH_MS = 5_000;
/** After an incident or a (re)connection: one refresh this long after the first signal, however many follow. */
const SOON_MS = 1_000;
const REQUEST_TIMEOUT_MS = 15_000;
const WALL_CLASS = 'ov-wall';

// Cached per locale: the language can change while the page is open (the page is then rebuilt).
let timeFormat: { locale: string; format: Intl.DateTimeFormat } | null = null;
/** `14:05:09` in the user's time zone. */
function clock(iso: string): string {
  if (timeFormat?.locale !== locale()) {
    timeFormat = { locale: locale(), format: new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }) };
  }
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : timeFormat.format.format(d);
}

/** A rate as a big number: two decimals under 1, one under 10, whole numbers above. */
function rate(n: number): string {
  const digits = n < 1 ? 100 : n < 10 ? 10 : 1;
  return formatNumber(Math.round(n * digits) / digits);
}

/** The series in words, for the chart's accessible name. */
function describeSeries(points: readonly OverviewPoint[], full: 'overview.chart.events' | 'overview.chart.alerts', empty: 'overview.chart.eventsEmpty' | 'overview.chart.alertsEmpty'): string {
  const total = points.reduce((n, p) => n + p.count, 0);
  if (total === 0) return t(empty);
  const peak = points.reduce((best, p) => (p.count > best.count ? p : best), points[0]!);
  return t(full, { total, peak: peak.count, time: clock(peak.t), latest: points.at(-1)?.count ?? 0 });
}

interface Tile {
  el: HTMLElement;
  value: HTMLElement;
  note: HTMLElement;
}

function tile(opts: { label: string; testId: string; className?: string; extra?: HTMLElement[] }): Tile {
  const value = h('div', { class: 'ov-tile__value', 'data-testid': opts.testId }, '–');
  const note = h('div', { class: 'ov-tile__note' });
  const labelId = `${opts.testId}-label`;
  const el = h(
    'section',
    { class: `ov-tile${opts.className ? ` ${opts.className}` : ''}`, 'aria-labelledby': labelId },
    h('h2', { class: 'ov-tile__label', id: labelId }, opts.label),
    value,
    note,
    opts.extra ?? [],
  );
  return { el, value, note };
}

/** Captions under a tile's chart: how far back it starts, and "now". */
function axis(from: string): HTMLElement {
  return h('div', { class: 'ov-axis', 'aria-hidden': 'true' }, h('span', null, from), h('span', null, t('overview.axis.now')));
}

export function overviewDashboard({ outlet, query }: RouteContext): () => void {
  document.title = `${t('overview.title')} · ${t('app.name')}`;
  const user = session.user;
  const isAdmin = user?.role === 'admin';
  const agencyScoped = user?.role === 'agency_admin';

  let alive = true;
  let wall = query.get('wall') === '1';
  let data: Overview | null = null;
  let built = false;
  let controller: AbortController | null = null;
  let again = false;
  let soonTimer: number | undefined;
  const charts: LiveChart[] = [];
  const panels: Panel[] = [];
  const disposers: (() => void)[] = [];

  // ---- Head: title, scope, last update, wall toggle, error banner --------------------------------------------------

  const scope = h('span', { class: 'page-head__meta ov-scope', 'data-testid': 'ov-scope' });
  const updated = h('span', { class: 'ov-updated', 'data-testid': 'ov-updated', title: t('overview.updatedTitle') }, h('span', { class: 'ov-updated__dot', 'aria-hidden': 'true' }), h('span', { class: 'ov-updated__text' }));
  const wallLabel = h('span', null);
  const wallButton = h('button', { type: 'button', class: 'btn btn--secondary btn--small ov-wall-toggle', 'data-testid': 'wall-toggle', title: t('overview.wall.title') }, icon('activity', 14), wallLabel);
  wallButton.addEventListener('click', () => setWall(!wall));
  const banner = h('div', { class: 'banner--error ov-error', role: 'alert', 'data-testid': 'ov-error', hidden: true });
  const body = h('div', { class: 'ov-body' }, loadingState(t('overview.loading')));
  const root = h(
    'section',
    { class: 'page ov', 'aria-labelledby': 'overview-title' },
    h(
      'div',
      { class: 'page-head ov-head' },
      h('h1', { class: 'page-head__title', id: 'overview-title', tabindex: -1 }, t('overview.title')),
      scope,
      h('div', { class: 'ov-head__actions' }, updated, wallButton),
    ),
    banner,
    body,
  );
  outlet.append(root);

  function setScope(): void {
    const agency = agencyScoped && user?.agencyId ? findAgency(user.agencyId)?.name ?? agencyName(user.agencyId) : null;
    setText(scope, agency ? t('overview.scope.agency', { agency }) : t('overview.scope.national'));
  }
  setScope();

  function setWall(on: boolean): void {
    wall = on;
    document.body.classList.toggle(WALL_CLASS, on);
    root.classList.toggle('ov--wall', on);
    wallButton.setAttribute('aria-pressed', String(on));
    setText(wallLabel, t(on ? 'overview.wall.exit' : 'overview.wall.enter'));
    const url = on ? '/overview?wall=1' : '/overview';
    if (location.pathname + location.search !== url) history.replaceState(null, '', url);
    for (const c of charts) c.redraw();
  }
  setWall(wall);

  const onKey = (ev: KeyboardEvent) => {
    if (ev.key !== 'Escape' || !wall || ev.defaultPrevented || document.querySelector('dialog[open]')) return;
    setWall(false);
    wallButton.focus();
  };
  document.addEventListener('keydown', onKey);
  disposers.push(() => document.removeEventListener('keydown', onKey));

  // ---- The dashboard, built on the first answer ------------------------------------------------------------------

  const eventsChart = seriesChart({
    type: 'line',
    testId: 'chart-events',
    label: t('overview.chart.eventsEmpty'),
    color: ['--accent', '#58a6ff'],
    point: (n) => tp('overview.chart.eventsPoint', n),
    wall: () => wall,
  });
  const alertsChart = seriesChart({
    type: 'bar',
    testId: 'chart-alerts',
    label: t('overview.chart.alertsEmpty'),
    color: ['--sev-high', '#ff8c42'],
    point: (n) => tp('overview.chart.alertsPoint', n),
    wall: () => wall,
  });
  const donut = severityDoughnut({ testId: 'chart-severity', label: '', onSelect: (s) => go(severityUrl(s)) });
  charts.push(eventsChart, alertsChart, donut);

  const eventsTile = tile({ label: t('overview.tile.events'), testId: 'ov-events-rate', className: 'ov-tile--events', extra: [eventsChart.el, axis(t('overview.axis.tenMinutes'))] });
  const alertsTile = tile({ label: t('overview.tile.alerts'), testId: 'ov-alerts-rate', className: 'ov-tile--alerts', extra: [alertsChart.el, axis(t('overview.axis.hour'))] });
  const strip = h('div', { class: 'ov-strip', 'aria-hidden': 'true' }, SEVERITIES.map((s) => h('span', { class: `ov-strip__seg ov-fill--${s}`, 'data-severity': s })));
  const openLink = h('a', { class: 'ov-tile__link', href: `/?${OPEN_FILTER}` }, t('overview.tile.openLink'));
  const openTile = tile({ label: t('overview.tile.open'), testId: 'ov-open-total', className: 'ov-tile--open', extra: [strip, openLink] });
  const silentTile = tile({
    label: t('overview.tile.silent'),
    testId: 'ov-silent-total',
    className: 'ov-tile--silent',
    extra: isAdmin ? [h('a', { class: 'ov-tile__link ov-tile__link--end', href: '/admin/agents' }, t('overview.silent.manage'))] : [],
  });

  const legend = severityLegend();
  const donutTotal = h('span', { class: 'ov-donut__total' }, '0');
  const agencies = agencyBars();
  const silent = silentAgents(isAdmin);
  const rules = topRules();
  panels.push(legend, agencies, silent, rules);

  function build(): HTMLElement {
    return h(
      'div',
      { class: `ov-grid${agencyScoped ? ' ov-grid--agency' : ''}` },
      h('div', { class: 'ov-tiles' }, eventsTile.el, alertsTile.el, openTile.el, silentTile.el),
      panel(
        t('overview.severity.title'),
        'ov-severity-title',
        'ov-panel--severity',
        h(
          'div',
          { class: 'ov-severity' },
          h('div', { class: 'ov-donut' }, donut.el, h('div', { class: 'ov-donut__center', 'aria-hidden': 'true' }, donutTotal, h('span', { class: 'ov-donut__caption' }, t('overview.donut.open')))),
          legend.el,
        ),
      ),
      // An agency admin sees one agency only: the breakdown would be a single bar, so it is left out.
      agencyScoped ? null : panel(t('overview.agency.title'), 'ov-agency-title', 'ov-panel--agency', agencies.el),
      panel(t('overview.silent.title'), 'ov-silent-title', 'ov-panel--silent', silent.el),
      panel(t('overview.rules.title'), 'ov-rules-title', 'ov-panel--rules', rules.el),
    );
  }

  function render(o: Overview): void {
    if (!built) {
      built = true;
      replace(body, build());
    }
    const events = o.series.events;
    const alerts = o.series.alerts;
    const eventsTotal = events.reduce((n, p) => n + p.count, 0);
    const alertsTotal = alerts.reduce((n, p) => n + p.count, 0);

    setText(eventsTile.value, rate(o.eventsPerSecond));
    setText(eventsTile.note, tp('overview.tile.eventsNote', eventsTotal));
    eventsTile.note.dataset.total = String(eventsTotal);
    eventsChart.set(events.map((p) => clock(p.t)), events.map((p) => p.count), describeSeries(events, 'overview.chart.events', 'overview.chart.eventsEmpty'));

    setText(alertsTile.value, rate(o.alertsPerMinute));
    setText(alertsTile.note, tp('overview.tile.alertsNote', alertsTotal));
    alertsTile.note.dataset.total = String(alertsTotal);
    alertsChart.set(alerts.map((p) => clock(p.t)), alerts.map((p) => p.count), describeSeries(alerts, 'overview.chart.alerts', 'overview.chart.alertsEmpty'));

    const open = o.open.total;
    setText(openTile.value, formatNumber(open));
    openTile.el.classList.toggle('is-critical', (o.open.bySeverity.critical ?? 0) > 0);
    const counted = SEVERITIES.reduce((n, s) => n + (o.open.bySeverity[s] ?? 0), 0);
    for (const seg of strip.children as HTMLCollectionOf<HTMLElement>) {
      const n = o.open.bySeverity[seg.dataset.severity as Severity] ?? 0;
      seg.style.flexGrow = String(n);
      seg.hidden = n === 0;
    }
    strip.classList.toggle('is-empty', counted === 0);
    setText(openTile.note, open === 0 ? t('overview.tile.openNone') : SEVERITIES.filter((s) => (o.open.bySeverity[s] ?? 0) > 0).map((s) => `${formatNumber(o.open.bySeverity[s] ?? 0)} ${severityLabel(s)}`).join(' · '));

    const silentCount = o.silentAgents.length;
    setText(silentTile.value, formatNumber(silentCount));
    silentTile.el.classList.toggle('is-warn', silentCount > 0);
    const longest = [...o.silentAgents].sort((a, b) => (a.lastSeenAt ?? '').localeCompare(b.lastSeenAt ?? ''))[0];
    setText(
      silentTile.note,
      longest
        ? t('overview.tile.silentLongest', { name: longest.name, age: longest.lastSeenAt ? t('time.ago', { age: formatAge(longest.lastSeenAt, Date.parse(o.at)) }) : t('overview.tile.neverSeen') })
        : t('overview.tile.silentNone'),
    );

    const items = SEVERITIES.map((s) => ({ label: severityLabel(s), count: o.open.bySeverity[s] ?? 0 }));
    donut.set(
      [...items.map((i) => i.label), ''],
      [...items.map((i) => i.count), counted === 0 ? 1 : 0],
      t('overview.severity.aria', { details: items.map((i) => t('overview.severity.item', { label: i.label, count: i.count })).join(', ') }),
    );
    setText(donutTotal, formatNumber(open));

    for (const p of panels) p.update(o);
  }

  // ---- Status: updated at, or the error that stopped the updates ---------------------------------------------------

  function markUpdated(o: Overview): void {
    updated.classList.remove('is-stale');
    setText(updated.querySelector('.ov-updated__text')!, t('overview.updated', { time: clock(o.at) }));
    banner.hidden = true;
    banner.replaceChildren();
  }

  function markFailed(err: unknown): void {
    if (!data) {
      // Nothing to keep: the error takes the place of the dashboard, with a retry (the timer keeps trying too).
      replace(body, errorState(err, refresh));
      return;
    }
    const at = clock(data.at);
    updated.classList.add('is-stale');
    setText(updated.querySelector('.ov-updated__text')!, t('overview.stale', { time: at }));
    const text = t('overview.error', { message: describeError(err).message, time: at });
    if (banner.hidden || banner.textContent !== text) {
      replace(banner, icon('alert', 16), h('span', null, text));
      banner.hidden = false;
    }
  }

  // ---- Refreshing ------------------------------------------------------------------------------------------------

  function refresh(): void {
    if (!alive) return;
    if (controller) {
      // One request at a time; a signal meanwhile asks for another right after.
      again = true;
      return;
    }
    const ac = new AbortController();
    controller = ac;
    let timedOut = false;
    const timeout = window.setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, REQUEST_TIMEOUT_MS);
    api
      .overview(ac.signal)
      .then((o) => {
        if (!alive) return;
        data = o;
        render(o);
        markUpdated(o);
      })
      .catch((err: unknown) => {
        if (!alive) return;
        if (timedOut) markFailed(new Error(t('overview.timeout')));
        else if (!isAbortError(err)) markFailed(err);
      })
      .finally(() => {
        window.clearTimeout(timeout);
        if (controller === ac) controller = null;
        if (alive && again) {
          again = false;
          soon();
        }
      });
  }

  function soon(): void {
    if (soonTimer !== undefined || !alive) return;
    soonTimer = window.setTimeout(() => {
      soonTimer = undefined;
      if (!document.hidden) refresh();
    }, SOON_MS);
  }

  /** Navigates like a link would (the router listens to popstate). */
  function go(url: string): void {
    history.pushState(null, '', url);
    window.dispatchEvent(new PopStateEvent('popstate'));
  }

  const interval = window.setInterval(() => {
    if (!document.hidden) refresh();
  }, REFRESH_MS);
  const onVisible = () => {
    if (!document.hidden) refresh();
  };
  document.addEventListener('visibilitychange', onVisible);
  disposers.push(
    () => window.clearInterval(interval),
    () => document.removeEventListener('visibilitychange', onVisible),
    onIncident(() => soon()),
    onLiveConnect(() => soon()),
    onAgenciesChange(() => {
      setScope();
      if (data) render(data);
    }),
  );
  void loadAgencies().catch(() => undefined);
  refresh();

  return () => {
    alive = false;
    window.clearTimeout(soonTimer);
    controller?.abort();
    controller = null;
    for (const d of disposers) d();
    for (const c of charts) c.destroy();
    document.body.classList.remove(WALL_CLASS);
  };
}
