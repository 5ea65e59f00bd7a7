/**
 * The overview's HTML panels: severity legend, open incidents by agency, silent agents, top rules. Each is built once
 * and updated in place on every refresh: rows are keyed (agency, agent, rule), kept when still there and moved only
 * when the order changed, so a refresh every few seconds never drops keyboard focus or flickers.
 */
import { agencyName } from '../agencies';
import { ageElement } from '../components/age';
import { icon, type IconName } from '../components/icons';
import { severityBadge, severityLabel } from '../components/badges';
import { h, replace, setText, type Child } from '../dom';
import { formatNumber, t, tp } from '../i18n';
import { SEVERITIES, type Overview, type Severity } from '../types';

/** The statuses the list calls open (core/domain/types.ts OPEN_STATUSES), as its `status` filter. */
export const OPEN_FILTER = 'status=new,triaged,investigating,contained';

export const severityUrl = (s: Severity) => `/?${OPEN_FILTER}&severity=${s}`;
export const agencyUrl = (id: string) => `/?agencyId=${encodeURIComponent(id)}&${OPEN_FILTER}`;
export const ruleUrl = (ruleId: string) => `/?q=${encodeURIComponent(ruleId)}`;

const AGENCY_ROWS = 8;
const SILENT_ROWS = 6;

/** A translated template with `{name}` replaced by an element (never parsed as HTML). */
export function withElement(template: string, name: string, el: Node): Child[] {
  const at = template.indexOf(`{${name}}`);
  return at < 0 ? [template, ' ', el] : [template.slice(0, at), el, template.slice(at + name.length + 2)];
}

/** Bar widths come from data, through the CSSOM (no inline style in markup). */
function setWidth(el: HTMLElement, fraction: number): void {
  const width = `${Math.max(0, Math.min(100, fraction * 100)).toFixed(1)}%`;
  if (el.style.width !== width) el.style.width = width;
}

/**
 * Keeps `container`'s children in step with `items`: one element per key, created once, updated every time, moved
 * only when out of place, removed when gone.
 */
function keyedList<T>(container: HTMLElement, key: (item: T) => string, create: (item: T) => HTMLElement, update: (el: HTMLElement, item: T, index: number) => void) {
  const rows = new Map<string, HTMLElement>();
  return (items: readonly T[]): void => {
    const seen = new Set<string>();
    let expected: Element | null = container.firstElementChild;
    items.forEach((item, i) => {
      const k = key(item);
      seen.add(k);
      let el = rows.get(k);
      if (!el) {
        el = create(item);
        rows.set(k, el);
      }
      update(el, item, i);
      if (el !== expected) container.insertBefore(el, expected);
      expected = el.nextElementSibling;
    });
    for (const [k, el] of rows) {
      if (seen.has(k)) continue;
      el.remove();
      rows.delete(k);
    }
  };
}

/** A panel's "nothing to show" line, centred, with an icon (a check when nothing is good news). */
export function emptyLine(text: string, kind: 'ok' | 'info', testId?: string): HTMLElement {
  const name: IconName = kind === 'ok' ? 'check' : 'info';
  return h('p', { class: `ov-empty ov-empty--${kind}`, hidden: true, 'data-testid': testId ?? null }, icon(name, 18, 'ov-empty__icon'), h('span', null, text));
}

export interface Panel {
  el: HTMLElement;
  update(o: Overview): void;
}

export function panel(title: string, id: string, className: string, ...children: Child[]): HTMLElement {
  return h('section', { class: `card ov-panel ${className}`, 'aria-labelledby': id }, h('h2', { class: 'card__title ov-panel__title', id }, title), children);
}

// ---- Open incidents by severity: the legend beside the doughnut, one link per severity -----------------------------

export function severityLegend(): Panel {
  const rows = new Map<Severity, { count: HTMLElement; bar: HTMLElement; link: HTMLElement }>();
  const el = h(
    'ul',
    { class: 'ov-sevlist', 'aria-label': t('overview.severity.legend'), 'data-testid': 'ov-severity' },
    SEVERITIES.map((s) => {
      const count = h('span', { class: 'ov-sev__count' }, '0');
      const bar = h('span', { class: `ov-sev__bar ov-fill--${s}` });
      const link = h(
        'a',
        { class: 'ov-sev', href: severityUrl(s), 'data-severity': s, title: t('overview.severity.link', { severity: severityLabel(s) }) },
        h('span', { class: `ov-sev__swatch ov-fill--${s}`, 'aria-hidden': 'true' }),
        h('span', { class: 'ov-sev__label' }, severityLabel(s)),
        count,
        h('span', { class: 'ov-sev__track', 'aria-hidden': 'true' }, bar),
      );
      rows.set(s, { count, bar, link });
      return h('li', null, link);
    }),
  );
  return {
    el,
    update(o) {
      const max = Math.max(1, ...SEVERITIES.map((s) => o.open.bySeverity[s] ?? 0));
      for (const s of SEVERITIES) {
        const row = rows.get(s)!;
        const n = o.open.bySeverity[s] ?? 0;
        setText(row.count, formatNumber(n));
        row.link.dataset.count = String(n);
        row.link.classList.toggle('is-zero', n === 0);
        setWidth(row.bar, n / max);
      }
    },
  };
}

// ---- Open incidents by agency: horizontal bars, each a link to the agency's open incidents -------------------------

export function agencyBars(): Panel {
  const list = h('ol', { class: 'ov-bars', 'data-testid': 'ov-agency' });
  const more = h('p', { class: 'ov-more', hidden: true });
  const empty = emptyLine(t('overview.agency.none'), 'ok');
  let max = 1;
  const sync = keyedList<[string, number]>(
    list,
    ([id]) => id,
    ([id]) => {
      const link = h(
        'a',
        { class: 'ov-bar', href: agencyUrl(id), 'data-agency-id': id },
        h('span', { class: 'ov-bar__label' }),
        h('span', { class: 'ov-bar__track', 'aria-hidden': 'true' }, h('span', { class: 'ov-bar__fill' })),
        h('span', { class: 'ov-bar__count' }),
      );
      return h('li', null, link);
    },
    (li, [id, n]) => {
      const link = li.firstElementChild as HTMLElement;
      const name = agencyName(id);
      setText(link.querySelector('.ov-bar__label')!, name);
      setText(link.querySelector('.ov-bar__count')!, formatNumber(n));
      link.title = t('overview.agency.link', { agency: name });
      link.dataset.count = String(n);
      setWidth(link.querySelector<HTMLElement>('.ov-bar__fill')!, n / max);
    },
  );
  return {
    el: h('div', { class: 'ov-agency' }, list, empty, more),
    update(o) {
      const all = Object.entries(o.open.byAgency)
        .filter(([, n]) => n > 0)
        .sort((a, b) => b[1] - a[1] || agencyName(a[0]).localeCompare(agencyName(b[0])));
      max = Math.max(1, all[0]?.[1] ?? 1);
      sync(all.slice(0, AGENCY_ROWS));
      empty.hidden = all.length > 0;
      more.hidden = all.length <= AGENCY_ROWS;
      if (!more.hidden) setText(more, tp('overview.agency.more', all.length - AGENCY_ROWS));
    },
  };
}

// ---- Agents silent now ---------------------------------------------------------------------------------------------

type SilentAgent = Overview['silentAgents'][number];

function lastSeen(a: SilentAgent): Child {
  return a.lastSeenAt ? withElement(t('overview.silent.lastSeen'), 'time', ageElement(a.lastSeenAt, { ago: true })) : t('overview.silent.never');
}

export function silentAgents(isAdmin: boolean): Panel {
  const list = h('ul', { class: 'ov-agents', 'data-testid': 'ov-silent' });
  const more = h('p', { class: 'ov-more', hidden: true });
  const empty = emptyLine(t('overview.silent.none'), 'ok');
  const sync = keyedList<SilentAgent>(
    list,
    (a) => a.id,
    (a) =>
      h(
        'li',
        { class: 'ov-agent', 'data-agent-id': a.id },
        h('span', { class: 'ov-agent__dot', 'aria-hidden': 'true' }),
        isAdmin ? h('a', { class: 'ov-agent__name', href: '/admin/agents' }, a.name) : h('span', { class: 'ov-agent__name' }, a.name),
        h('span', { class: 'ov-agent__agency' }),
        h('span', { class: 'ov-agent__seen' }),
      ),
    (li, a) => {
      setText(li.querySelector('.ov-agent__name')!, a.name);
      setText(li.querySelector('.ov-agent__agency')!, agencyName(a.agencyId));
      const seen = li.querySelector<HTMLElement>('.ov-agent__seen')!;
      if (seen.dataset.lastSeen !== (a.lastSeenAt ?? '')) {
        seen.dataset.lastSeen = a.lastSeenAt ?? '';
        replace(seen, lastSeen(a));
      }
    },
  );
  return {
    el: h('div', { class: 'ov-silent' }, list, empty, more),
    update(o) {
      // Longest silent first: the oldest last sighting (never seen counts as oldest).
      const agents = [...o.silentAgents].sort((a, b) => (a.lastSeenAt ?? '').localeCompare(b.lastSeenAt ?? '') || a.name.localeCompare(b.name));
      sync(agents.slice(0, SILENT_ROWS));
      empty.hidden = agents.length > 0;
      more.hidden = agents.length <= SILENT_ROWS;
      if (!more.hidden) setText(more, tp('overview.silent.more', agents.length - SILENT_ROWS));
    },
  };
}

// ---- Top rules, last 24 h ------------------------------------------------------------------------------------------

type TopRule = Overview['topRules'][number];

export function topRules(): Panel {
  const body = h('tbody', null);
  const empty = emptyLine(t('overview.rules.none'), 'info');
  const table = h(
    'table',
    { class: 'table ov-rules', 'data-testid': 'ov-rules' },
    h('caption', { class: 'visually-hidden' }, t('overview.rules.title')),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col', class: 'num ov-rules__rank' }, t('overview.rules.rank')),
        h('th', { scope: 'col' }, t('overview.rules.rule')),
        h('th', { scope: 'col', class: 'ov-rules__level' }, t('overview.rules.level')),
        h('th', { scope: 'col', class: 'ov-rules__count' }, t('overview.rules.alerts')),
      ),
    ),
    body,
  );
  const wrap = h('div', { class: 'ov-rules-wrap' }, table);
  let max = 1;
  const sync = keyedList<TopRule>(
    body,
    (r) => r.ruleId,
    (r) =>
      h(
        'tr',
        { 'data-rule-id': r.ruleId },
        h('td', { class: 'num muted ov-rules__rank' }),
        h(
          'td',
          { class: 'ov-rules__rule' },
          h('a', { class: 'ov-rules__link', href: ruleUrl(r.ruleId), title: t('overview.rules.link') }, h('span', { class: 'ov-rules__title' }), h('span', { class: 'ov-rules__id mono' }, r.ruleId)),
        ),
        h('td', { class: 'ov-rules__level' }),
        h(
          'td',
          { class: 'ov-rules__count' },
          h('span', { class: 'ov-count' }, h('span', { class: 'ov-count__track', 'aria-hidden': 'true' }, h('span', { class: 'ov-count__bar' })), h('span', { class: 'ov-count__value' })),
        ),
      ),
    (tr, r, i) => {
      const [rank, , level] = tr.children as unknown as HTMLElement[];
      setText(rank!, formatNumber(i + 1));
      setText(tr.querySelector('.ov-rules__title')!, r.title);
      if (level!.dataset.level !== r.level) {
        level!.dataset.level = r.level;
        replace(level!, severityBadge(r.level));
      }
      setText(tr.querySelector('.ov-count__value')!, formatNumber(r.count));
      const bar = tr.querySelector<HTMLElement>('.ov-count__bar')!;
      bar.className = `ov-count__bar ov-fill--${r.level}`;
      setWidth(bar, r.count / max);
    },
  );
  return {
    el: h('div', { class: 'ov-rules-box' }, wrap, empty),
    update(o) {
      max = Math.max(1, ...o.topRules.map((r) => r.count));
      sync(o.topRules);
      wrap.hidden = o.topRules.length === 0;
      empty.hidden = o.topRules.length > 0;
    },
  };
}
