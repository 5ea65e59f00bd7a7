import { ruleKindBadge, severityBadge } from '../components/badges';
import { openDrawer, type Drawer } from '../components/drawer';
import { icon } from '../components/icons';
import { h } from '../dom';
import { humanize } from '../format';
import { formatNumber, t } from '../i18n';
import type { Rule } from '../types';
import { externalLink, fact, none, tagChip } from './incident-sections';

/** `windows / process_creation`, or null when the rule looks at any event (YARA). */
export function logsourceText(rule: Pick<Rule, 'logsource'>): string | null {
  const parts = [rule.logsource.product, rule.logsource.category, rule.logsource.service].filter((v): v is string => !!v);
  return parts.length ? parts.join(' / ') : null;
}

export function exceptionsHref(ruleId: string): string {
  return `/exceptions?ruleId=${encodeURIComponent(ruleId)}`;
}

/** Everything about one rule in a side panel: description, author, references (safe links), false positives. */
export function openRuleDrawer(rule: Rule, opts: { returnFocus?: () => HTMLElement | null } = {}): Drawer {
  const source = logsourceText(rule);
  const addException = h(
    'a',
    { class: 'btn btn--secondary', href: exceptionsHref(rule.id), 'data-testid': 'rule-drawer-exception' },
    icon('bellOff', 16),
    h('span', null, t('rules.detail.addException')),
  );
  const drawer = openDrawer({
    testId: 'rule-drawer',
    ...(opts.returnFocus ? { returnFocus: opts.returnFocus } : {}),
    eyebrow: [
      ruleKindBadge(rule.kind),
      severityBadge(rule.level),
      rule.status ? h('span', { class: 'chip' }, humanize(rule.status)) : null,
      rule.enabled ? null : h('span', { class: 'badge badge--revoked' }, t('rules.stateDisabled')),
    ],
    title: rule.title,
    body: [
      rule.description ? h('p', { class: 'rule__description' }, rule.description) : h('p', { class: 'muted rule__description' }, t('rules.detail.noDescription')),
      h(
        'dl',
        { class: 'facts facts--stack' },
        fact(t('incident.ruleId'), h('span', { class: 'mono break' }, rule.id)),
        fact(t('incident.ruleAuthor'), rule.author || none()),
        fact(t('rules.detail.logsource'), source ? h('span', { class: 'mono' }, source) : h('span', { class: 'muted' }, t('rules.anySource'))),
        fact(t('rules.detail.category'), rule.category ? humanize(rule.category) : none()),
        fact(t('rules.detail.tags'), rule.tags.length ? h('ul', { class: 'chips' }, rule.tags.map((tag) => h('li', null, tagChip(tag)))) : none()),
        fact(
          t('incident.ruleReferences'),
          rule.references.length ? h('ul', { class: 'plain-list' }, rule.references.map((r) => h('li', null, externalLink(r)))) : none(),
        ),
        fact(
          t('incident.ruleFalsePositives'),
          rule.falsepositives.length ? h('ul', { class: 'bullets' }, rule.falsepositives.map((fp) => h('li', null, fp))) : none(),
        ),
        fact(t('rules.detail.hits'), h('span', { class: 'num' }, formatNumber(rule.hits))),
        fact(t('incident.ruleFile'), rule.file ? h('span', { class: 'mono break' }, rule.file) : none()),
      ),
    ],
    footer: addException,
  });
  // The link leaves the page: close the panel first (the router handles the navigation).
  addException.addEventListener('click', () => drawer.close());
  return drawer;
}
