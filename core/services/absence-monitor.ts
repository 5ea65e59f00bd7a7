import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AbsenceRule } from '../detection/absence.js';
import { absenceAsRule } from '../detection/absence.js';
import type { Incident } from '../domain/types.js';
import type { Logger } from '../logging/logger.js';
import type { Storage } from '../storage/storage.port.js';

const lastKey = (ruleId: string) => `vigil:absence:last:${ruleId}`;
const flaggedKey = (ruleId: string) => `vigil:absence:flagged:${ruleId}`;

export interface Arrival {
  ruleId: string;
  agencyId: string;
  host: string | null;
  timeMs: number;
}

/**
 * Records expected events as they arrive: the newest event time per agency and host, in Redis so every worker
 * shares it (ZADD GT keeps the maximum, so out-of-order batches never move it back).
 */
export async function recordArrivals(redis: Redis, arrivals: readonly Arrival[]): Promise<void> {
  if (!arrivals.length) return;
  const tx = redis.multi();
  for (const a of arrivals) tx.zadd(lastKey(a.ruleId), 'GT', a.timeMs, `${a.agencyId}|${(a.host ?? '').toLowerCase()}`);
  await tx.exec();
}

/**
 * Checks absence rules: a host whose expected event is overdue raises one incident (idempotent across servers),
 * and the event's return resolves it. A host is watched from its first expected event on; `hosts` narrows which.
 */
export function createAbsenceMonitor(deps: {
  redis: Redis;
  storage: Pick<Storage, 'incidents'>;
  rules: () => readonly AbsenceRule[];
  publish: (kind: 'new' | 'updated', incident: Incident) => void;
  logger: Logger;
}) {
  return {
    async check(now = Date.now()): Promise<{ raised: number; resolved: number }> {
      const out = { raised: 0, resolved: 0 };
      const at = new Date(now).toISOString();
      for (const rule of deps.rules()) {
        const flat = await deps.redis.zrange(lastKey(rule.id), '0', '-1', 'WITHSCORES');
        const flagged = await deps.redis.hgetall(flaggedKey(rule.id));
        for (let i = 0; i < flat.length; i += 2) {
          const member = flat[i]!;
          const last = Number(flat[i + 1]);
          const [agencyId, host] = member.split('|') as [string, string];
          if (rule.hosts.length && !rule.hosts.includes(host)) continue;
          const overdue = now - last > rule.withinMs;
          const flag = flagged[member] ? (JSON.parse(flagged[member]!) as { incidentId: string; last: number }) : null;
          try {
            if (overdue && !flag) {
              const lastIso = new Date(last).toISOString();
              const meta = absenceAsRule(rule);
              const r = await deps.storage.incidents.recordAlert({
                alertId: createHash('sha256').update(`${rule.id}\0${member}\0${last}`).digest('hex').slice(0, 32),
                groupKey: createHash('sha256').update(`${rule.id}\0${member}`).digest('hex').slice(0, 32),
                suppressionMs: 0,
                ruleId: rule.id,
                ruleTitle: rule.title,
                level: rule.level,
                category: meta.category,
                techniques: [],
                tags: rule.tags,
                ruleAuthor: rule.author,
                ruleReferences: [],
                ruleFalsepositives: [],
                agencyId,
                agentId: 'vigil:absence',
                host: host || null,
                entities: { hosts: host ? [host] : [], users: [], ips: [] },
                eventCount: 1,
                eventIds: [],
                events: [],
                firstEventAt: lastIso,
                lastEventAt: lastIso,
                now: at,
              });
              await deps.redis.hset(flaggedKey(rule.id), member, JSON.stringify({ incidentId: r.incident.id, last }));
              if (!r.duplicate) {
                out.raised++;
                deps.publish(r.created ? 'new' : 'updated', r.incident);
              }
            } else if (flag && last > flag.last) {
              // The expected event came back: close the incident it raised.
              await deps.redis.hdel(flaggedKey(rule.id), member);
              try {
                const { incident } = await deps.storage.incidents.update(flag.incidentId, { status: 'resolved' }, { actor: 'system', at });
                deps.publish('updated', incident);
                out.resolved++;
              } catch (err) {
                deps.logger.info({ err: (err as Error).message, rule: rule.id, member }, 'absence incident not resolved automatically');
              }
            }
          } catch (err) {
            deps.logger.error({ err, rule: rule.id, member }, 'absence check failed for this host');
          }
        }
      }
      return out;
    },
  };
}

export type AbsenceMonitor = ReturnType<typeof createAbsenceMonitor>;
