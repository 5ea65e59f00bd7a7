import { h } from '../dom';
import { hasKey, t } from '../i18n';
import { humanize } from '../format';
import type { IncidentStatus, Role, RuleKind, Severity } from '../types';

/** Severity as a coloured badge; the word is always there, colour is never the only cue. */
export function severityBadge(severity: Severity): HTMLElement {
  const key = `severity.${severity}`;
  return h(
    'span',
    { class: `badge sev sev--${severity}`, 'data-severity': severity },
    h('span', { class: 'sev__dot', 'aria-hidden': 'true' }),
    hasKey(key) ? t(key) : humanize(severity),
  );
}

export function statusBadge(status: IncidentStatus): HTMLElement {
  const key = `status.${status}`;
  return h('span', { class: `badge status status--${status}`, 'data-status': status }, hasKey(key) ? t(key) : humanize(status));
}

export function roleLabel(role: Role | string): string {
  const key = `role.${role}`;
  return hasKey(key) ? t(key) : humanize(role);
}

export function roleBadge(role: Role): HTMLElement {
  return h('span', { class: `badge role role--${role}` }, roleLabel(role));
}

export function severityLabel(severity: Severity): string {
  const key = `severity.${severity}`;
  return hasKey(key) ? t(key) : humanize(severity);
}

export function statusLabel(status: IncidentStatus): string {
  const key = `status.${status}`;
  return hasKey(key) ? t(key) : humanize(status);
}

export function ruleKindLabel(kind: RuleKind | string): string {
  const key = `rules.kind.${kind}`;
  return hasKey(key) ? t(key) : humanize(kind);
}

/** Sigma or YARA, as a small outlined badge. */
export function ruleKindBadge(kind: RuleKind | string): HTMLElement {
  return h('span', { class: `badge kind kind--${kind === 'yara' ? 'yara' : 'sigma'}`, 'data-kind': kind }, ruleKindLabel(kind));
}
