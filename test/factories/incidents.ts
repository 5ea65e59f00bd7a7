/**
 * Deterministic incident fixtures shared by the storage contract and the mingo cross-check: alerts to record
 * (one group per incident, some with joining alerts), the status each incident should end in, and a plain-JS
 * reference implementation of IncidentFilter / summary to compare adapters against.
 */
import { randomUUID } from 'node:crypto';
import {
  INCIDENT_STATUSES,
  SEVERITIES,
  type Alert,
  type Incident,
  type IncidentStatus,
  type Severity,
} from '../../core/domain/types.js';
import type { IncidentFilter, IncidentSummary, RecordAlertInput, Storage } from '../../core/storage/storage.port.js';

export const T0 = Date.parse('2025-01-06T08:00:00.000Z');
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const iso = (ms: number) => new Date(ms).toISOString();

let seq = 0;

/** One alert as the pipeline would record it; override what the test is about. */
export function alertInput(overrides: Partial<RecordAlertInput> & { agencyId: string }): RecordAlertInput {
  const n = ++seq;
  const at = overrides.firstEventAt ?? iso(T0);
  const host = overrides.host === undefined ? 'host-a' : overrides.host;
  return {
    alertId: `alert-${n}-${randomUUID()}`,
    groupKey: 'sigma-1|host-a',
    suppressionMs: 10 * MINUTE,
    ruleId: 'sigma-1',
    ruleTitle: 'Suspicious PowerShell Download',
    level: 'medium',
    category: 'malicious-code',
    techniques: ['T1059.001'],
    tags: ['attack.execution', 'attack.t1059.001'],
    ruleAuthor: 'Vigil',
    ruleReferences: ['https://attack.mitre.org/techniques/T1059/001/'],
    ruleFalsepositives: ['Administrative scripts'],
    agentId: 'agent-1',
    entities: { hosts: host ? [host] : [], users: ['alice'], ips: ['10.0.0.1'] },
    eventCount: 1,
    eventIds: [`ev-${n}`],
    events: [
      {
        id: `ev-${n}`,
        time: at,
        host,
        logsource: { product: 'windows', category: 'process_creation' },
        fields: { Image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', CommandLine: 'iwr x' },
      },
    ],
    firstEventAt: at,
    lastEventAt: overrides.lastEventAt ?? at,
    now: overrides.now ?? iso(Date.parse(overrides.lastEventAt ?? at) + 1000),
    ...overrides,
    host,
  };
}

export const FIXTURE_AGENCIES = [
  { name: 'Ministry of Finance', code: 'MOF' },
  { name: 'Ministry of Health', code: 'MOH' },
  { name: 'National Tax Office', code: 'NTO' },
  /** Has no incidents. */
  { name: 'Statistics Office', code: 'STAT' },
] as const;

const RULES = [
  ['sigma-mimikatz', 'Mimikatz Credential Dump', 'malicious-code', 'T1003.001'],
  ['sigma-ps-download', 'Suspicious PowerShell Download', 'malicious-code', 'T1059.001'],
  ['sigma-webshell', 'Webshell Access', 'intrusions', 'T1505.003'],
  ['sigma-bruteforce', 'Brute Force Login', 'intrusion-attempts', 'T1110'],
  ['sigma-ransom-note', 'Ransomware Note Created', 'malicious-code', 'T1486'],
  ['sigma-sqli', 'SQL Injection Attempt', 'intrusion-attempts', 'T1190'],
  ['sigma-portscan', 'Port Scan', 'information-gathering', 'T1046'],
  ['sigma-phish-click', 'Phishing Link Clicked', 'fraud', 'T1566.002'],
  ['sigma-100%-cpu', 'Miner at 100% CPU', 'malicious-code', 'T1496'],
] as const;
const HOSTS = ['dc01', 'web_01', 'webx01', 'db%02', 'WS-ALICE', null, 'mail.gov.local', 'fs01'] as const;
const USERS = ['alice', 'bob.admin', 'svc_backup', 'CAROL', 'svcxbackup'] as const;

export interface IncidentFixture {
  /** The first alert opens the incident; the others join it. */
  alerts: RecordAlertInput[];
  status: IncidentStatus;
}

export const FIXTURE_INCIDENT_COUNT = 60;

/**
 * 60 incidents over ~80 days, spread over three agencies (20 each; agencyIds[3] gets none). Statuses cycle through
 * INCIDENT_STATUSES (9 each of the four open ones, 8 each of the others). Incidents come in threes sharing one
 * lastSeen, so pages must break ties by id. Every fourth incident has two more alerts that raise its severity and
 * add entities and techniques.
 */
export function makeIncidentFixtures(agencyIds: readonly string[]): IncidentFixture[] {
  const out: IncidentFixture[] = [];
  for (let i = 0; i < FIXTURE_INCIDENT_COUNT; i++) {
    const [ruleId, ruleTitle, category, technique] = RULES[i % RULES.length]!;
    const host = HOSTS[i % HOSTS.length]!;
    const agencyId = agencyIds[i % 3]!;
    const level: Severity = SEVERITIES[(i * 3) % SEVERITIES.length]!;
    const lastSeen = T0 + Math.floor(i / 3) * 4 * DAY; // threes share one lastSeen
    const groupKey = `${ruleId}|${host ?? '-'}|${i}`;
    const user = USERS[i % USERS.length]!;
    const ip = i % 10 === 9 ? `2001:db8::${i}` : `10.${i % 3}.${i % 7}.${i}`;
    const base = {
      agencyId,
      groupKey,
      ruleId,
      ruleTitle,
      category,
      host,
      agentId: `agent-${i % 5}`,
      suppressionMs: 30 * MINUTE,
    };
    const alerts: RecordAlertInput[] = [];
    if (i % 4 === 0) {
      alerts.push(
        alertInput({
          ...base,
          level: 'informational',
          techniques: [technique],
          entities: { hosts: host ? [host] : [], users: [user], ips: [ip] },
          firstEventAt: iso(lastSeen - 40 * MINUTE),
          lastEventAt: iso(lastSeen - 35 * MINUTE),
        }),
        alertInput({
          ...base,
          level,
          techniques: [technique, 'T1078'],
          entities: { hosts: host ? [host, 'jump01'] : ['jump01'], users: [user, 'root'], ips: [ip] },
          eventCount: 4,
          firstEventAt: iso(lastSeen - 20 * MINUTE),
          lastEventAt: iso(lastSeen - 10 * MINUTE),
        }),
        alertInput({
          ...base,
          level: 'low',
          techniques: ['T1078'],
          entities: { hosts: [], users: ['root'], ips: ['192.168.7.7'] },
          eventCount: 2,
          firstEventAt: iso(lastSeen - 5 * MINUTE),
          lastEventAt: iso(lastSeen),
        }),
      );
    } else {
      alerts.push(
        alertInput({
          ...base,
          level,
          techniques: [technique],
          entities: { hosts: host ? [host] : [], users: [user], ips: [ip] },
          eventCount: 1 + (i % 3),
          firstEventAt: iso(lastSeen - 2 * MINUTE),
          lastEventAt: iso(lastSeen),
        }),
      );
    }
    out.push({ alerts, status: INCIDENT_STATUSES[i % INCIDENT_STATUSES.length]! });
  }
  return out;
}

export type SetIncidentStatus = (storage: Storage, incidentId: string, status: IncidentStatus) => Promise<void>;

export interface SeededFixture {
  agencyIds: string[];
  incidents: Incident[];
}

/** Creates the fixture agencies, records every fixture alert, sets statuses (when it can), reads back all incidents. */
export async function seedIncidentFixture(storage: Storage, setStatus?: SetIncidentStatus): Promise<SeededFixture> {
  const agencyIds: string[] = [];
  for (const a of FIXTURE_AGENCIES) agencyIds.push((await storage.agencies.create(a)).id);
  const ids: string[] = [];
  for (const fx of makeIncidentFixtures(agencyIds)) {
    let id: string | null = null;
    for (const alert of fx.alerts) {
      const res = await storage.incidents.recordAlert(alert);
      if (id === null) {
        if (!res.created) throw new Error('fixture: first alert did not open an incident');
        id = res.incident.id;
      } else if (res.incident.id !== id) {
        throw new Error('fixture: a joining alert opened a new incident');
      }
    }
    if (setStatus && fx.status !== 'new') await setStatus(storage, id!, fx.status);
    ids.push(id!);
  }
  const incidents: Incident[] = [];
  for (const id of ids) incidents.push((await storage.incidents.get(id))!);
  return { agencyIds, incidents };
}

/** Newest lastSeen first, ties by id descending (plain code-unit order, as SQLite BINARY and Mongo compare). */
export function byListOrder(a: Incident, b: Incident): number {
  if (a.lastSeen !== b.lastSeen) return a.lastSeen < b.lastSeen ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** What IncidentStore.list must return for `filter`, computed in plain JS. */
export function referenceFilter(incidents: readonly Incident[], filter: IncidentFilter): Incident[] {
  const from = filter.from !== undefined ? new Date(filter.from).toISOString() : undefined;
  const to = filter.to !== undefined ? new Date(filter.to).toISOString() : undefined;
  const q = filter.q ? filter.q.toLowerCase() : undefined;
  return incidents
    .filter((i) => {
      if (filter.status && !filter.status.includes(i.status)) return false;
      if (filter.severity && !filter.severity.includes(i.severity)) return false;
      if (filter.agencyIds && !filter.agencyIds.includes(i.agencyId)) return false;
      if (from !== undefined && i.lastSeen < from) return false;
      if (to !== undefined && i.lastSeen > to) return false;
      if (q !== undefined) {
        const hay = [i.title, i.host ?? '', i.ruleId, ...i.entities.hosts, ...i.entities.users, ...i.entities.ips];
        if (!hay.some((h) => h.toLowerCase().includes(q))) return false;
      }
      if (filter.categories && !filter.categories.includes(i.category)) return false;
      if (filter.assignees && !filter.assignees.includes(i.assignee)) return false;
      // Pivots: exact, host and user ignoring ASCII case (the fixture's values are ASCII).
      const same = (a: string | null, b: string) => a !== null && a.toLowerCase() === b.toLowerCase();
      if (filter.host && !same(i.host, filter.host) && !i.entities.hosts.some((h) => same(h, filter.host!))) return false;
      if (filter.user && !i.entities.users.some((u) => same(u, filter.user!))) return false;
      if (filter.ip && !i.entities.ips.includes(filter.ip)) return false;
      return true;
    })
    .sort(byListOrder);
}

/** What IncidentStore.summary must return for `filter`, computed in plain JS. */
export function referenceSummary(incidents: readonly Incident[], filter: IncidentFilter): IncidentSummary {
  const out: IncidentSummary = { total: 0, bySeverity: {}, byStatus: {}, byAgency: {} };
  for (const i of referenceFilter(incidents, filter)) {
    out.total++;
    out.bySeverity[i.severity] = (out.bySeverity[i.severity] ?? 0) + 1;
    out.byStatus[i.status] = (out.byStatus[i.status] ?? 0) + 1;
    out.byAgency[i.agencyId] = (out.byAgency[i.agencyId] ?? 0) + 1;
  }
  return out;
}

/** Every item of every page, following nextCursor; fails on a loop. */
export async function walkPages(
  storage: Storage,
  filter: IncidentFilter,
  limit: number,
): Promise<{ pages: Incident[][]; totals: number[]; cursors: (string | null)[] }> {
  const pages: Incident[][] = [];
  const totals: number[] = [];
  const cursors: (string | null)[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 1000; guard++) {
    cursors.push(cursor);
    const page = await storage.incidents.list(filter, { limit, cursor });
    pages.push(page.items);
    totals.push(page.total);
    if (page.nextCursor === null) return { pages, totals, cursors };
    cursor = page.nextCursor;
  }
  throw new Error('pagination did not end');
}

/** Who the fixture's incidents are assigned to (by index), for the assignee filter; undefined stays unassigned. */
export const FIXTURE_ASSIGNEES: readonly (string | undefined)[] = [undefined, 'ana', 'ben', undefined, 'carol.x'];

/**
 * Assigns the seeded fixture's incidents (incident i to FIXTURE_ASSIGNEES[i % 5]) and moves incident 0's host out
 * of its host entities (so a host pivot must look at `host` itself), through the port's own update. Returns the
 * incidents read back.
 */
export async function assignFixture(storage: Storage, fx: SeededFixture): Promise<SeededFixture> {
  const at = iso(T0 + 200 * DAY);
  for (const [i, inc] of fx.incidents.entries()) {
    const assignee = FIXTURE_ASSIGNEES[i % FIXTURE_ASSIGNEES.length];
    if (assignee) await storage.incidents.update(inc.id, { assignee }, { actor: 'fixture', at });
  }
  await storage.incidents.update(fx.incidents[0]!.id, { entities: { hosts: ['Moved-Away'] } }, { actor: 'fixture', at });
  const incidents: Incident[] = [];
  for (const inc of fx.incidents) incidents.push((await storage.incidents.get(inc.id))!);
  return { agencyIds: fx.agencyIds, incidents };
}

/** Every alert of the given incidents, for checking counts per rule. */
export async function alertsOf(storage: Storage, incidents: readonly Incident[]): Promise<Alert[]> {
  const out: Alert[] = [];
  for (const inc of incidents) out.push(...(await storage.incidents.alerts(inc.id)));
  return out;
}

/** What IncidentStore.alertCountsByRule must return, computed in plain JS. */
export function referenceRuleCounts(
  alerts: readonly Alert[],
  query: { since: string; agencyIds?: string[]; limit?: number },
): { ruleId: string; count: number }[] {
  const since = new Date(query.since).toISOString();
  const counts = new Map<string, number>();
  for (const a of alerts) {
    if (a.createdAt < since) continue;
    if (query.agencyIds && !query.agencyIds.includes(a.agencyId)) continue;
    counts.set(a.ruleId, (counts.get(a.ruleId) ?? 0) + 1);
  }
  return [...counts]
    .map(([ruleId, count]) => ({ ruleId, count }))
    .sort((a, b) => b.count - a.count || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0))
    .slice(0, Math.min(100, Math.max(1, query.limit ?? 10)));
}
