import { ageElement } from '../components/age';
import { h } from '../dom';
import { formatCompact, formatDateTimeLong, humanize } from '../format';
import { hasKey, t } from '../i18n';
import type { AgentListItem, AgentStatus } from '../types';

export function agentStatusLabel(status: AgentStatus | string): string {
  const key = `agentStatus.${status}`;
  return hasKey(key) ? t(key) : humanize(status);
}

/** The heartbeat status as a badge: a dot and a word (colour is never the only cue). */
export function agentStatusBadge(status: AgentStatus): HTMLElement {
  return h(
    'span',
    { class: `badge agent-status agent-status--${status}`, 'data-testid': 'agent-status', 'data-status': status },
    h('span', { class: 'agent-status__dot', 'aria-hidden': 'true' }),
    agentStatusLabel(status),
  );
}

/** `since 12m ago`: the translated sentence with a live-ticking `<time>` where `{age}` stands. */
function silentSince(iso: string): HTMLElement {
  const [before = '', after = ''] = t('agents.silentSince').split('{age}');
  return h('span', { class: 'agent-status__since', 'data-testid': 'agent-silent-since' }, before, ageElement(iso, { ago: true }), after);
}

export function incidentHref(id: string): string {
  return `/incidents/${encodeURIComponent(id)}`;
}

/**
 * The status cell: the badge, and for a silent agent how long it has been silent and a link to the incident
 * raised for the silence.
 */
export function agentStatusCell(agent: AgentListItem): HTMLElement {
  const since = agent.status === 'silent' ? (agent.silentSince ?? agent.lastSeenAt) : null;
  return h(
    'div',
    { class: 'agent-status-cell' },
    agentStatusBadge(agent.status),
    since ? silentSince(since) : null,
    agent.status === 'silent' && agent.silenceIncidentId
      ? h(
          'a',
          {
            class: 'agent-status__incident',
            href: incidentHref(agent.silenceIncidentId),
            'data-testid': 'agent-silence-incident',
            'aria-label': t('agents.silenceIncidentLabel', { name: agent.name }),
          },
          t('agents.silenceIncident'),
        )
      : null,
    agent.status === 'revoked' && agent.revokedAt
      ? h('time', { class: 'muted small', datetime: agent.revokedAt, title: t('agents.revokedAt', { time: formatDateTimeLong(agent.revokedAt) }) }, formatCompact(agent.revokedAt))
      : null,
  );
}
