import { createHash } from 'node:crypto';
import { extractEntities, techniquesFromTags } from '../core/detection/entities.js';
import type { DetectionSettings, YaraInForce } from '../core/detection/live-ruleset.js';
import type { EventNormalizer } from '../core/detection/mappings/index.js';
import type { CompiledRule, MatchableEvent } from '../core/detection/rule.js';
import { scanEvents } from '../core/detection/yara/index.js';
import type { StoredEvent } from '../core/domain/event.js';
import type { Incident } from '../core/domain/types.js';
import type { Logger } from '../core/logging/logger.js';
import type { EventBatchJob } from '../core/queues/events-queue.js';
import type { RecordAlertInput, Storage } from '../core/storage/storage.port.js';

/** Up to this many triggering events are copied into an alert for display; all their ids are kept. */
const EVENTS_KEPT_PER_ALERT = 5;
const EVENT_IDS_KEPT_PER_ALERT = 1000;

export interface Matcher {
  match(event: MatchableEvent): CompiledRule[];
}

export type PublishIncident = (kind: 'new' | 'updated', incident: Incident) => void;

export interface BatchResult {
  events: number;
  matched: number;
  alerts: number;
  incidentsCreated: number;
  incidentsUpdated: number;
  duplicates: number;
  /** Events the matcher threw on: logged and skipped, never allowed to stop the batch. */
  failedEvents: number;
  /** Matches dropped because the rule is switched off or an exception covers the event. */
  suppressed: number;
  /** Events alerted per rule id in this batch (for the rules page's hit counts). */
  ruleHits: Record<string, number>;
}

interface Group {
  rule: CompiledRule;
  key: string;
  host: string | null;
  events: StoredEvent[];
  /** The fields of each event as the rules saw them (after mapping), for entity extraction. */
  mappedFields: Record<string, unknown>[];
}

function groupValue(fields: Record<string, unknown>, name: string): string {
  const v = fields[name];
  return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/**
 * Turns one queued batch into alerts and incidents. Alert ids derive from the job id, so a batch processed twice
 * (a worker crashed after storing but before acknowledging) changes nothing the second time.
 */
export function createBatchProcessor(deps: {
  storage: Pick<Storage, 'incidents'>;
  matcher: () => Matcher;
  /** Source-shape mappings applied before matching; events no mapping covers pass through unchanged. */
  normalizer?: () => Pick<EventNormalizer, 'normalize'>;
  /** YARA rules in force, if any: they scan payloads and configured fields of the whole batch at once. */
  yara?: () => YaraInForce | null;
  /** Rules switched off and analyst exceptions; applied before any alert is raised. */
  settings?: () => DetectionSettings;
  publish: PublishIncident;
  suppressionMs: number;
  logger: Logger;
}) {
  return async function processBatch(jobId: string, batch: EventBatchJob): Promise<BatchResult> {
    const matcher = deps.matcher();
    const groups = new Map<string, Group>();
    const result: BatchResult = {
      events: batch.events.length,
      matched: 0,
      alerts: 0,
      incidentsCreated: 0,
      incidentsUpdated: 0,
      duplicates: 0,
      failedEvents: 0,
      suppressed: 0,
      ruleHits: {},
    };
    const settings = deps.settings?.();

    const hitEvents = new Set<StoredEvent>();
    const normalizer = deps.normalizer?.();
    // `fields` is what rules and exceptions saw (mapped to Sigma names); the stored event keeps what the agent sent.
    const addHit = (rule: CompiledRule, event: StoredEvent, fields: Record<string, unknown> = event.fields) => {
      if (
        settings &&
        (settings.disabledRuleIds.has(rule.id) || settings.isExcepted(rule, { fields, agencyId: event.agencyId }, event.host))
      ) {
        result.suppressed++;
        return;
      }
      hitEvents.add(event);
      const parts = [rule.id, batch.agencyId, event.host ?? ''];
      for (const f of rule.groupBy) parts.push(groupValue(event.fields, f));
      const key = parts.join('|');
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { rule, key, host: event.host, events: [], mappedFields: [] }));
      g.events.push(event);
      g.mappedFields.push(fields);
    };

    for (const event of batch.events) {
      let hits: CompiledRule[];
      let view: MatchableEvent = { logsource: event.logsource, fields: event.fields };
      try {
        if (normalizer) view = normalizer.normalize(view);
        hits = matcher.match(view);
      } catch (err) {
        result.failedEvents++;
        deps.logger.warn({ err, jobId, eventId: event.id }, 'event could not be matched; skipped');
        continue;
      }
      for (const rule of hits) addHit(rule, event, view.fields);
    }

    const yara = deps.yara?.();
    if (yara) {
      try {
        scanEvents(yara.engine, batch.events).forEach((eventHits, i) => {
          for (const hit of eventHits) {
            const rule = yara.rulesByName.get(hit.rule);
            if (rule) addHit(rule, batch.events[i]!);
          }
        });
      } catch (err) {
        // Sigma alerts of this batch still go out; the YARA failure is logged for the operator.
        deps.logger.error({ err, jobId }, 'YARA scan failed for this batch');
      }
    }
    result.matched = hitEvents.size;

    const now = new Date().toISOString();
    for (const g of groups.values()) {
      const times = g.events.map((e) => e.time).sort();
      const input: RecordAlertInput = {
        alertId: createHash('sha256').update(jobId).update('\0').update(g.key).digest('hex').slice(0, 32),
        groupKey: createHash('sha256').update(g.key).digest('hex').slice(0, 32),
        suppressionMs: g.rule.suppressionMs ?? deps.suppressionMs,
        ruleId: g.rule.id,
        ruleTitle: g.rule.title,
        level: g.rule.level,
        category: g.rule.category,
        techniques: techniquesFromTags(g.rule.tags),
        tags: g.rule.tags,
        ruleAuthor: g.rule.author,
        ruleReferences: g.rule.references,
        ruleFalsepositives: g.rule.falsepositives,
        agencyId: batch.agencyId,
        agentId: batch.agentId,
        host: g.host,
        entities: extractEntities(g.events.map((e, i) => ({ host: e.host, fields: g.mappedFields[i]! }))),
        eventCount: g.events.length,
        eventIds: g.events.slice(0, EVENT_IDS_KEPT_PER_ALERT).map((e) => e.id),
        events: g.events.slice(0, EVENTS_KEPT_PER_ALERT).map((e) => ({
          id: e.id,
          time: e.time,
          host: e.host,
          logsource: e.logsource,
          fields: e.fields,
        })),
        firstEventAt: times[0]!,
        lastEventAt: times[times.length - 1]!,
        now,
      };
      const r = await deps.storage.incidents.recordAlert(input);
      if (r.duplicate) {
        result.duplicates++;
        continue;
      }
      result.alerts++;
      result.ruleHits[g.rule.id] = (result.ruleHits[g.rule.id] ?? 0) + g.events.length;
      if (r.created) result.incidentsCreated++;
      else result.incidentsUpdated++;
      deps.publish(r.created ? 'new' : 'updated', r.incident);
    }
    return result;
  };
}
