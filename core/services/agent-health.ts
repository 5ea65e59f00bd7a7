import { createHash } from 'node:crypto';
import type { Agent, Incident } from '../domain/types.js';
import type { Logger } from '../logging/logger.js';
import type { AgentHealth, Storage } from '../storage/storage.port.js';

/** The rule id under which silent agents are raised: an absence rule Sigma cannot express. */
export const AGENT_SILENT_RULE_ID = 'vigil:agent-silent';

export type AgentStatus = 'reporting' | 'silent' | 'never_seen' | 'revoked';

export function agentStatus(agent: Agent, health: AgentHealth | null, defaultMinutes: number, now: number): AgentStatus {
  if (agent.revokedAt) return 'revoked';
  if (!agent.lastSeenAt) return 'never_seen';
  // Once found silent, an agent stays silent until a check sees it report again (and resolves its incident).
  if (health?.silentSince && Date.parse(agent.lastSeenAt) <= Date.parse(health.silentSince)) return 'silent';
  const threshold = (health?.silenceMinutes ?? defaultMinutes) * 60_000;
  return now - Date.parse(agent.lastSeenAt) > threshold ? 'silent' : 'reporting';
}

/**
 * Agent heartbeats: any event or heartbeat moves an agent's last-seen time; an agent silent past its threshold
 * raises an incident, and its return resolves it. Idempotent: the alert id derives from the agent and its last
 * event, so several servers checking at once raise one incident.
 */
export function createAgentHealthService(deps: {
  storage: Pick<Storage, 'agents' | 'agentHealth' | 'incidents' | 'audit'>;
  defaultSilenceMinutes: number;
  publish: (kind: 'new' | 'updated', incident: Incident) => void;
  logger: Logger;
}) {
  const { storage } = deps;

  async function raise(agent: Agent, at: string): Promise<void> {
    const lastSeen = agent.lastSeenAt!;
    const r = await storage.incidents.recordAlert({
      alertId: createHash('sha256').update(`${AGENT_SILENT_RULE_ID}\0${agent.id}\0${lastSeen}`).digest('hex').slice(0, 32),
      groupKey: createHash('sha256').update(`${AGENT_SILENT_RULE_ID}\0${agent.id}`).digest('hex').slice(0, 32),
      suppressionMs: 0,
      ruleId: AGENT_SILENT_RULE_ID,
      ruleTitle: `Agent ${agent.name} stopped reporting`,
      level: 'medium',
      category: 'availability',
      techniques: [],
      tags: [],
      ruleAuthor: 'Vigil',
      ruleReferences: [],
      ruleFalsepositives: ['Planned maintenance or a decommissioned system whose agent was not revoked'],
      agencyId: agent.agencyId,
      agentId: agent.id,
      host: agent.name,
      entities: { hosts: [agent.name], users: [], ips: [] },
      eventCount: 1,
      eventIds: [],
      events: [],
      firstEventAt: lastSeen,
      lastEventAt: lastSeen,
      now: at,
    });
    await storage.agentHealth.set(agent.id, { silentSince: lastSeen, incidentId: r.incident.id }, at);
    // Another server may have raised this very silence a moment ago: its alert id is the same, so only one records it.
    if (r.duplicate) return;
    await storage.audit.record({
      at,
      actor: 'system',
      action: 'agent.silent',
      targetType: 'agent',
      target: agent.id,
      details: { lastSeenAt: lastSeen, incidentId: r.incident.id },
    });
    deps.publish(r.created ? 'new' : 'updated', r.incident);
  }

  async function returned(agent: Agent, health: AgentHealth, at: string): Promise<void> {
    if (health.incidentId) {
      try {
        const { incident } = await storage.incidents.update(health.incidentId, { status: 'resolved' }, { actor: 'system', at });
        deps.publish('updated', incident);
      } catch (err) {
        // An analyst may already have closed or merged it; the agent's return is still recorded below.
        deps.logger.info({ err: (err as Error).message, agentId: agent.id }, 'silence incident not resolved automatically');
      }
    }
    await storage.agentHealth.set(agent.id, { silentSince: null, incidentId: null }, at);
    await storage.audit.record({
      at,
      actor: 'system',
      action: 'agent.returned',
      targetType: 'agent',
      target: agent.id,
      details: { silentSince: health.silentSince, lastSeenAt: agent.lastSeenAt, incidentId: health.incidentId },
    });
  }

  return {
    /** One pass over all agents; `now` is injectable so tests need no waiting. */
    async check(now = Date.now()): Promise<{ silent: string[]; returned: string[] }> {
      const at = new Date(now).toISOString();
      const [agents, healthList] = await Promise.all([storage.agents.list(), storage.agentHealth.list()]);
      const health = new Map(healthList.map((h) => [h.agentId, h]));
      const out = { silent: [] as string[], returned: [] as string[] };
      for (const agent of agents) {
        const h = health.get(agent.id) ?? null;
        const status = agentStatus(agent, h, deps.defaultSilenceMinutes, now);
        try {
          if (status === 'silent' && !h?.silentSince) {
            await raise(agent, at);
            out.silent.push(agent.id);
          } else if (status === 'reporting' && h?.silentSince) {
            await returned(agent, h, at);
            out.returned.push(agent.id);
          }
        } catch (err) {
          deps.logger.error({ err, agentId: agent.id }, 'agent health check failed for this agent');
        }
      }
      return out;
    },
  };
}

export type AgentHealthService = ReturnType<typeof createAgentHealthService>;
