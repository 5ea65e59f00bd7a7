/**
 * The overview dashboard (GET /api/v1/overview): live rates from Redis (core/metrics/live-metrics.ts), open
 * incidents, silent agents and the rules that alerted most in the last day, national or for one agency.
 */
import { OPEN_STATUSES, SEVERITIES, type Severity } from '../domain/types.js';
import type { LiveMetrics } from '../metrics/live-metrics.js';
import type { Storage } from '../storage/storage.port.js';
import { AGENT_SILENT_RULE_ID, agentStatus } from './agent-health.js';

export const TOP_RULES = 10;
export const TOP_RULES_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface Overview extends LiveMetrics {
  at: string;
  /** Incidents in an open status (OPEN_STATUSES: new, triaged, investigating, contained). */
  open: { total: number; bySeverity: Record<Severity, number>; byAgency: Record<string, number> };
  /** Agents silent now (agent-health.ts agentStatus), in name order. */
  silentAgents: { id: string; name: string; agencyId: string; lastSeenAt: string | null; silentSince: string | null }[];
  /** The rules with the most alerts recorded in the last 24 h, most first. */
  topRules: { ruleId: string; title: string; level: Severity; count: number }[];
}

/** Rules that live in code rather than in the rule files. */
const BUILT_IN_RULES: ReadonlyMap<string, { title: string; level: Severity }> = new Map([
  [AGENT_SILENT_RULE_ID, { title: 'Agent stopped reporting', level: 'medium' }],
]);

export function createOverviewService(deps: {
  storage: Pick<Storage, 'incidents' | 'agents' | 'agentHealth'>;
  /** Live rates: every agency summed (null), or one agency's. */
  metrics: (agencyId: string | null, now: number) => Promise<LiveMetrics>;
  /** The live rule catalog, for titles and levels. */
  rules: () => ReadonlyMap<string, { title: string; level: Severity }>;
  defaultSilenceMinutes: number;
}) {
  return {
    /** `agencyId` null: the national picture; otherwise everything is that agency's only. */
    async compute(agencyId: string | null, now = Date.now()): Promise<Overview> {
      const agencyIds = agencyId === null ? undefined : [agencyId];
      const scoped = agencyIds ? { agencyIds } : {};
      const [metrics, open, agents, health, ruleCounts] = await Promise.all([
        deps.metrics(agencyId, now),
        deps.storage.incidents.summary({ status: [...OPEN_STATUSES], ...scoped }),
        deps.storage.agents.list(agencyId === null ? {} : { agencyId }),
        deps.storage.agentHealth.list(),
        deps.storage.incidents.alertCountsByRule({
          since: new Date(now - TOP_RULES_WINDOW_MS).toISOString(),
          ...scoped,
          limit: TOP_RULES,
        }),
      ]);

      const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, open.bySeverity[s] ?? 0])) as Record<Severity, number>;
      const healthOf = new Map(health.map((h) => [h.agentId, h]));
      const silentAgents = agents.flatMap((a) => {
        const h = healthOf.get(a.id) ?? null;
        if (agentStatus(a, h, deps.defaultSilenceMinutes, now) !== 'silent') return [];
        return [{ id: a.id, name: a.name, agencyId: a.agencyId, lastSeenAt: a.lastSeenAt, silentSince: h?.silentSince ?? null }];
      });
      const catalog = deps.rules();
      const topRules = ruleCounts.map(({ ruleId, count }) => {
        const rule = catalog.get(ruleId) ?? BUILT_IN_RULES.get(ruleId);
        return { ruleId, title: rule?.title ?? ruleId, level: rule?.level ?? ('medium' as Severity), count };
      });

      return {
        at: new Date(now).toISOString(),
        ...metrics,
        open: { total: open.total, bySeverity, byAgency: open.byAgency },
        silentAgents,
        topRules,
      };
    },
  };
}
