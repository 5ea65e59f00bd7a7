/**
 * The storage contract: every adapter of core/storage/storage.port.ts passes this suite unchanged.
 * Each adapter's *.test.ts file calls runStorageContract with a factory for a fresh, empty, unconnected Storage.
 */
import assert from 'node:assert/strict';
import { OPEN_STATUSES, type Incident, type IncidentStatus } from '../../core/domain/types.js';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors/app-error.js';
import type { Alert } from '../../core/domain/types.js';
import type { IncidentFilter, NewSavedView, RuleAlertCountQuery, Storage } from '../../core/storage/storage.port.js';
import { contentOf } from '../../core/domain/report.js';
import { computeDeadlines, DEFAULT_DEADLINE_POLICY, nextDueAt } from '../../core/domain/report-deadlines.js';
import type { NewReport, ReportFilter } from '../../core/storage/storage.port.js';
import { countDeadlines } from '../../core/storage/shared/report-records.js';
import {
  DAY,
  FIXTURE_INCIDENT_COUNT,
  HOUR,
  MINUTE,
  T0,
  alertInput,
  alertsOf,
  assignFixture,
  byListOrder,
  iso,
  referenceFilter,
  referenceRuleCounts,
  referenceSummary,
  seedIncidentFixture,
  walkPages,
  type SeededFixture,
  type SetIncidentStatus,
} from '../factories/incidents.js';

export interface StorageContractSupport {
  /**
   * Test-only hook to set an incident's status (the port has no incident update yet). Without it the tests that
   * need non-`new` statuses are skipped.
   */
  setIncidentStatus?: SetIncidentStatus;
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const sortedKeys = (o: object) => Object.keys(o).sort();

const INCIDENT_KEYS = [
  'agencyId', 'alertCount', 'assignee', 'category', 'createdAt', 'entities', 'eventCount', 'firstSeen', 'groupKey',
  'host', 'id', 'lastSeen', 'ruleId', 'ruleIds', 'severity', 'status', 'techniques', 'title', 'updatedAt',
].sort();
const ALERT_KEYS = [
  'agencyId', 'agentId', 'createdAt', 'eventCount', 'eventIds', 'events', 'firstEventAt', 'host', 'id', 'incidentId',
  'lastEventAt', 'level', 'ruleAuthor', 'ruleFalsepositives', 'ruleId', 'ruleReferences', 'ruleTitle', 'tags',
].sort();

async function rejectsWith(p: Promise<unknown>, cls: new (...args: never[]) => Error, message?: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
    if (message) assert.match((err as Error).message, message);
    return true;
  });
}

export function runStorageContract(
  name: string,
  make: () => Promise<Storage>,
  support: StorageContractSupport = {},
): void {
  describe(`storage contract: ${name}`, function () {
    describe('stores', function () {
      let s: Storage;
      let agencyId: string;
      let otherAgencyId: string;

      beforeEach(async function () {
        s = await make();
        await s.connect();
        agencyId = (await s.agencies.create({ name: 'Ministry of Finance', code: 'MOF' })).id;
        otherAgencyId = (await s.agencies.create({ name: 'Ministry of Health', code: 'MOH' })).id;
      });
      afterEach(async function () {
        await s?.close();
      });

      describe('lifecycle', function () {
        it('names its kind and pings true when connected, false after close (never throwing)', async function () {
          assert.ok(s.kind === 'sqlite' || s.kind === 'mongo');
          assert.equal(await s.ping(), true);
          await s.close();
          assert.equal(await s.ping(), false);
          await s.connect();
          assert.equal(await s.ping(), true);
          assert.equal((await s.agencies.get(agencyId))?.code, 'MOF', 'data survives close/connect');
        });
      });

      describe('agencies', function () {
        it('creates a plain record with a generated id and ISO createdAt, and gets it back equal', async function () {
          const a = await s.agencies.create({ name: 'National Tax Office', code: 'NTO' });
          assert.deepEqual(sortedKeys(a), ['code', 'createdAt', 'id', 'name']);
          assert.equal(typeof a.id, 'string');
          assert.ok(a.id.length > 0);
          assert.match(a.createdAt, ISO_RE);
          assert.equal(a.name, 'National Tax Office');
          assert.deepEqual(await s.agencies.get(a.id), a);
          assert.notEqual(a.id, agencyId);
        });

        it('returns null for an unknown id', async function () {
          assert.equal(await s.agencies.get('00000000-0000-4000-8000-000000000000'), null);
          assert.equal(await s.agencies.get('no-such-agency'), null);
        });

        it('lists every agency ordered by code', async function () {
          await s.agencies.create({ name: 'Army', code: 'ARM' });
          const list = await s.agencies.list();
          assert.deepEqual(
            list.map((a) => a.code),
            ['ARM', 'MOF', 'MOH'],
          );
          assert.deepEqual(list[1], await s.agencies.get(agencyId));
        });

        it('rejects a duplicate code with ConflictError and changes nothing', async function () {
          await rejectsWith(
            s.agencies.create({ name: 'Another Finance', code: 'MOF' }),
            ConflictError,
            /agency code MOF already exists/,
          );
          assert.equal((await s.agencies.list()).length, 2);
        });
      });

      describe('agents', function () {
        const agentInput = (over: Partial<{ agencyId: string; name: string; keyPrefix: string }> = {}) => ({
          agencyId: over.agencyId ?? agencyId,
          name: over.name ?? 'dc01 agent',
          keyPrefix: over.keyPrefix ?? 'vk_abc123',
          keyHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA',
        });

        it('creates, gets and finds an agent by key prefix', async function () {
          const a = await s.agents.create(agentInput());
          assert.deepEqual(sortedKeys(a), [
            'agencyId', 'createdAt', 'id', 'keyHash', 'keyPrefix', 'lastSeenAt', 'name', 'revokedAt',
          ]);
          assert.equal(a.agencyId, agencyId);
          assert.equal(a.keyPrefix, 'vk_abc123');
          assert.equal(a.keyHash, 'scrypt$16384$8$1$c2FsdA$aGFzaA');
          assert.equal(a.revokedAt, null);
          assert.equal(a.lastSeenAt, null);
          assert.match(a.createdAt, ISO_RE);
          assert.deepEqual(await s.agents.get(a.id), a);
          assert.deepEqual(await s.agents.findByKeyPrefix('vk_abc123'), a);
        });

        it('returns null for an unknown id or key prefix', async function () {
          await s.agents.create(agentInput());
          assert.equal(await s.agents.get('no-such-agent'), null);
          assert.equal(await s.agents.findByKeyPrefix('vk_nope'), null);
          assert.equal(await s.agents.findByKeyPrefix('VK_ABC123'), null, 'key prefixes are case-sensitive');
        });

        it('lists all agents or one agency\'s, ordered by name', async function () {
          await s.agents.create(agentInput({ name: 'web', keyPrefix: 'vk_1' }));
          await s.agents.create(agentInput({ name: 'dc', keyPrefix: 'vk_2' }));
          await s.agents.create(agentInput({ name: 'mail', keyPrefix: 'vk_3', agencyId: otherAgencyId }));
          assert.deepEqual(
            (await s.agents.list()).map((a) => a.name),
            ['dc', 'mail', 'web'],
          );
          assert.deepEqual(
            (await s.agents.list({ agencyId })).map((a) => a.name),
            ['dc', 'web'],
          );
          assert.deepEqual(
            (await s.agents.list({ agencyId: otherAgencyId })).map((a) => a.keyPrefix),
            ['vk_3'],
          );
          assert.deepEqual(await s.agents.list({ agencyId: 'no-such-agency' }), []);
        });

        it('rejects a duplicate key prefix with ConflictError', async function () {
          await s.agents.create(agentInput());
          await rejectsWith(
            s.agents.create(agentInput({ name: 'other', agencyId: otherAgencyId })),
            ConflictError,
            /agent key prefix vk_abc123 already exists/,
          );
          assert.equal((await s.agents.list()).length, 1);
        });

        it('rejects an unknown agency with NotFoundError', async function () {
          await rejectsWith(s.agents.create(agentInput({ agencyId: 'no-such-agency' })), NotFoundError, /agency/);
          assert.deepEqual(await s.agents.list(), []);
        });

        it('revokes once: the first time is kept, unknown ids give null, others are untouched', async function () {
          const a = await s.agents.create(agentInput());
          const b = await s.agents.create(agentInput({ keyPrefix: 'vk_other' }));
          const first = await s.agents.revoke(a.id, '2025-02-01T10:00:00.000Z');
          assert.equal(first?.revokedAt, '2025-02-01T10:00:00.000Z');
          assert.equal(first?.id, a.id);
          const second = await s.agents.revoke(a.id, '2025-03-01T10:00:00.000Z');
          assert.equal(second?.revokedAt, '2025-02-01T10:00:00.000Z');
          assert.equal((await s.agents.get(a.id))?.revokedAt, '2025-02-01T10:00:00.000Z');
          assert.equal(await s.agents.revoke('no-such-agent', '2025-02-01T10:00:00.000Z'), null);
          assert.equal((await s.agents.get(b.id))?.revokedAt, null);
        });

        it('touch moves lastSeenAt forward only', async function () {
          const a = await s.agents.create(agentInput());
          await s.agents.touch(a.id, '2025-02-01T10:00:00.000Z');
          assert.equal((await s.agents.get(a.id))?.lastSeenAt, '2025-02-01T10:00:00.000Z');
          await s.agents.touch(a.id, '2025-02-01T09:59:59.999Z');
          assert.equal((await s.agents.get(a.id))?.lastSeenAt, '2025-02-01T10:00:00.000Z');
          await s.agents.touch(a.id, '2025-02-01T12:00:00+01:00'); // 11:00Z, later
          assert.equal((await s.agents.get(a.id))?.lastSeenAt, '2025-02-01T11:00:00.000Z');
          await s.agents.touch('no-such-agent', '2025-02-01T10:00:00.000Z'); // does not throw
        });
      });

      describe('users', function () {
        const userInput = (username: string, over: { agencyId?: string | null } = {}) => ({
          username,
          passwordHash: 'scrypt$hash',
          role: 'analyst' as const,
          agencyId: over.agencyId === undefined ? null : over.agencyId,
        });

        it('creates and gets a user; findByUsername ignores case', async function () {
          const u = await s.users.create({ ...userInput('Alice.Admin', { agencyId }), role: 'agency_admin' });
          assert.deepEqual(sortedKeys(u), [
            'agencyId', 'createdAt', 'disabled', 'id', 'passwordHash', 'role', 'username',
          ]);
          assert.equal(u.username, 'Alice.Admin');
          assert.equal(u.role, 'agency_admin');
          assert.equal(u.agencyId, agencyId);
          assert.equal(u.disabled, false);
          assert.match(u.createdAt, ISO_RE);
          assert.deepEqual(await s.users.get(u.id), u);
          assert.deepEqual(await s.users.findByUsername('alice.admin'), u);
          assert.deepEqual(await s.users.findByUsername('ALICE.ADMIN'), u);
          const admin = await s.users.create({ ...userInput('root'), role: 'admin' });
          assert.equal(admin.agencyId, null);
          assert.deepEqual(await s.users.get(admin.id), admin);
        });

        it('returns null for an unknown id or username', async function () {
          await s.users.create(userInput('bob'));
          assert.equal(await s.users.get('no-such-user'), null);
          assert.equal(await s.users.findByUsername('bobby'), null);
        });

        it('rejects a username that differs only in case with ConflictError', async function () {
          await s.users.create(userInput('carol'));
          await rejectsWith(s.users.create(userInput('Carol')), ConflictError, /username Carol already exists/);
          assert.equal(await s.users.count(), 1);
        });

        it('rejects an unknown agency with NotFoundError', async function () {
          await rejectsWith(s.users.create(userInput('dave', { agencyId: 'no-such-agency' })), NotFoundError);
          assert.equal(await s.users.count(), 0);
        });

        it('lists users ordered by username (ignoring case) and counts them', async function () {
          assert.equal(await s.users.count(), 0);
          assert.deepEqual(await s.users.list(), []);
          await s.users.create(userInput('mallory'));
          await s.users.create(userInput('Bob'));
          await s.users.create(userInput('alice', { agencyId: otherAgencyId }));
          assert.deepEqual(
            (await s.users.list()).map((u) => u.username),
            ['alice', 'Bob', 'mallory'],
          );
          assert.equal(await s.users.count(), 3);
        });
      });

      describe('incidents: recordAlert', function () {
        it('opens a new incident with status new, a created timeline entry and the alert linked', async function () {
          const input = alertInput({
            agencyId,
            groupKey: 'sigma-1|dc01',
            host: 'dc01',
            level: 'high',
            entities: { hosts: ['dc01', 'dc01'], users: ['alice'], ips: ['10.0.0.5'] },
            techniques: ['T1059.001', 'T1059.001', 'T1105'],
            eventCount: 3,
            firstEventAt: '2025-01-06T08:00:00.000Z',
            lastEventAt: '2025-01-06T08:04:00.000Z',
            now: '2025-01-06T08:05:00.000Z',
          });
          const res = await s.incidents.recordAlert(input);
          assert.equal(res.created, true);
          assert.equal(res.duplicate, false);
          const expected: Incident = {
            id: res.incident.id,
            title: 'Suspicious PowerShell Download on dc01',
            severity: 'high',
            category: 'malicious-code',
            agencyId,
            status: 'new',
            assignee: null,
            groupKey: 'sigma-1|dc01',
            ruleId: 'sigma-1',
            ruleIds: ['sigma-1'],
            host: 'dc01',
            techniques: ['T1059.001', 'T1105'],
            entities: { hosts: ['dc01'], users: ['alice'], ips: ['10.0.0.5'] },
            alertCount: 1,
            eventCount: 3,
            firstSeen: '2025-01-06T08:00:00.000Z',
            lastSeen: '2025-01-06T08:04:00.000Z',
            createdAt: '2025-01-06T08:05:00.000Z',
            updatedAt: '2025-01-06T08:05:00.000Z',
          };
          assert.deepEqual(res.incident, expected);
          assert.deepEqual(await s.incidents.get(res.incident.id), expected);

          assert.deepEqual(sortedKeys(res.alert), ALERT_KEYS);
          assert.deepEqual(res.alert, {
            id: input.alertId,
            incidentId: res.incident.id,
            ruleId: 'sigma-1',
            ruleTitle: 'Suspicious PowerShell Download',
            level: 'high',
            agencyId,
            agentId: 'agent-1',
            host: 'dc01',
            eventCount: 3,
            eventIds: input.eventIds,
            events: input.events,
            tags: input.tags,
            ruleAuthor: 'Vigil',
            ruleReferences: ['https://attack.mitre.org/techniques/T1059/001/'],
            ruleFalsepositives: ['Administrative scripts'],
            firstEventAt: '2025-01-06T08:00:00.000Z',
            lastEventAt: '2025-01-06T08:04:00.000Z',
            createdAt: '2025-01-06T08:05:00.000Z',
          });
          assert.deepEqual(await s.incidents.alerts(res.incident.id), [res.alert]);

          const timeline = await s.incidents.timeline(res.incident.id);
          assert.equal(timeline.length, 1);
          assert.deepEqual(sortedKeys(timeline[0]!), ['action', 'actor', 'at', 'details', 'id', 'incidentId']);
          assert.deepEqual(
            { ...timeline[0], id: 'x' },
            {
              id: 'x',
              incidentId: res.incident.id,
              at: '2025-01-06T08:05:00.000Z',
              actor: 'system',
              action: 'created',
              details: { ruleId: 'sigma-1', alertId: input.alertId },
            },
          );
        });

        it('titles an incident without a host by the rule title alone', async function () {
          const res = await s.incidents.recordAlert(
            alertInput({ agencyId, host: null, groupKey: 'g-nohost', ruleTitle: 'Heartbeat Missing' }),
          );
          assert.equal(res.incident.title, 'Heartbeat Missing');
          assert.equal(res.incident.host, null);
          assert.equal(res.alert.host, null);
        });

        it('joins an alert within the window: counts, widened times, merged lists, raised severity', async function () {
          const first = await s.incidents.recordAlert(
            alertInput({
              agencyId,
              groupKey: 'g1',
              level: 'low',
              eventCount: 2,
              entities: { hosts: ['host-a'], users: ['alice'], ips: ['10.0.0.1'] },
              techniques: ['T1059.001'],
              firstEventAt: iso(T0),
              lastEventAt: iso(T0 + MINUTE),
              now: iso(T0 + 2 * MINUTE),
            }),
          );
          const second = await s.incidents.recordAlert(
            alertInput({
              agencyId,
              groupKey: 'g1',
              ruleId: 'sigma-2',
              level: 'critical',
              eventCount: 5,
              entities: { hosts: ['host-a', 'host-b'], users: ['bob', 'alice'], ips: ['10.0.0.2'] },
              techniques: ['T1105', 'T1059.001'],
              firstEventAt: iso(T0 + 9 * MINUTE),
              lastEventAt: iso(T0 + 12 * MINUTE),
              now: iso(T0 + 13 * MINUTE),
            }),
          );
          assert.equal(second.created, false);
          assert.equal(second.duplicate, false);
          assert.equal(second.incident.id, first.incident.id);
          assert.equal(second.alert.incidentId, first.incident.id);
          const expected: Incident = {
            ...first.incident,
            severity: 'critical',
            ruleIds: ['sigma-1', 'sigma-2'],
            techniques: ['T1059.001', 'T1105'],
            entities: { hosts: ['host-a', 'host-b'], users: ['alice', 'bob'], ips: ['10.0.0.1', '10.0.0.2'] },
            alertCount: 2,
            eventCount: 7,
            firstSeen: iso(T0),
            lastSeen: iso(T0 + 12 * MINUTE),
            updatedAt: iso(T0 + 13 * MINUTE),
          };
          assert.deepEqual(second.incident, expected);
          assert.deepEqual(await s.incidents.get(first.incident.id), expected);
          assert.equal(expected.title, first.incident.title, 'title and ruleId stay those of the first alert');
          assert.equal(expected.ruleId, 'sigma-1');
          assert.deepEqual(
            (await s.incidents.alerts(first.incident.id)).map((a) => a.id),
            [first.alert.id, second.alert.id],
          );
          assert.equal((await s.incidents.timeline(first.incident.id)).length, 1, 'joining adds no timeline entry');
        });

        it('never lowers severity, and widens firstSeen for a late alert', async function () {
          const first = await s.incidents.recordAlert(
            alertInput({ agencyId, groupKey: 'g2', level: 'high', firstEventAt: iso(T0), lastEventAt: iso(T0) }),
          );
          const late = await s.incidents.recordAlert(
            alertInput({
              agencyId,
              groupKey: 'g2',
              level: 'informational',
              firstEventAt: iso(T0 - 3 * MINUTE),
              lastEventAt: iso(T0 - 2 * MINUTE),
            }),
          );
          assert.equal(late.incident.id, first.incident.id);
          assert.equal(late.incident.severity, 'high');
          assert.equal(late.incident.firstSeen, iso(T0 - 3 * MINUTE));
          assert.equal(late.incident.lastSeen, iso(T0), 'lastSeen never moves back');
        });

        it('joins exactly at the window edge and opens a new incident 1 ms beyond it', async function () {
          const window = 10 * MINUTE;
          const a = await s.incidents.recordAlert(
            alertInput({ agencyId, groupKey: 'g3', suppressionMs: window, firstEventAt: iso(T0) }),
          );
          const edge = await s.incidents.recordAlert(
            alertInput({ agencyId, groupKey: 'g3', suppressionMs: window, firstEventAt: iso(T0 + window) }),
          );
          assert.equal(edge.created, false);
          assert.equal(edge.incident.id, a.incident.id);
          assert.equal(edge.incident.lastSeen, iso(T0 + window));
          const beyond = await s.incidents.recordAlert(
            alertInput({ agencyId, groupKey: 'g3', suppressionMs: window, firstEventAt: iso(T0 + 2 * window + 1) }),
          );
          assert.equal(beyond.created, true);
          assert.notEqual(beyond.incident.id, a.incident.id);
          assert.equal(beyond.incident.alertCount, 1);
          assert.equal((await s.incidents.get(a.incident.id))?.alertCount, 2, 'the old incident is unchanged');
        });

        it('joins the newest of two open incidents in the window', async function () {
          const old = await s.incidents.recordAlert(
            alertInput({ agencyId, groupKey: 'g4', suppressionMs: 10 * MINUTE, firstEventAt: iso(T0) }),
          );
          const newer = await s.incidents.recordAlert(
            alertInput({ agencyId, groupKey: 'g4', suppressionMs: 10 * MINUTE, firstEventAt: iso(T0 + 20 * MINUTE) }),
          );
          assert.equal(newer.created, true);
          const wide = await s.incidents.recordAlert(
            alertInput({ agencyId, groupKey: 'g4', suppressionMs: HOUR, firstEventAt: iso(T0 + 25 * MINUTE) }),
          );
          assert.equal(wide.incident.id, newer.incident.id);
          assert.equal((await s.incidents.get(old.incident.id))?.alertCount, 1);
        });

        it('opens separate incidents for another groupKey or another agency', async function () {
          const a = await s.incidents.recordAlert(alertInput({ agencyId, groupKey: 'g5|host-a', host: 'host-a' }));
          const b = await s.incidents.recordAlert(alertInput({ agencyId, groupKey: 'g5|host-b', host: 'host-b' }));
          const c = await s.incidents.recordAlert(
            alertInput({ agencyId: otherAgencyId, groupKey: 'g5|host-a', host: 'host-a' }),
          );
          assert.deepEqual([a.created, b.created, c.created], [true, true, true]);
          assert.equal(new Set([a.incident.id, b.incident.id, c.incident.id]).size, 3);
          assert.equal(c.incident.agencyId, otherAgencyId);
          assert.equal((await s.incidents.list({})).total, 3);
        });

        it('does not join a resolved, false-positive or closed incident, but joins a triaged one', async function () {
          if (!support.setIncidentStatus) return this.skip();
          const setStatus = support.setIncidentStatus;
          for (const status of ['resolved', 'false_positive', 'closed'] as IncidentStatus[]) {
            const key = `g6-${status}`;
            const a = await s.incidents.recordAlert(alertInput({ agencyId, groupKey: key, firstEventAt: iso(T0) }));
            await setStatus(s, a.incident.id, status);
            const b = await s.incidents.recordAlert(
              alertInput({ agencyId, groupKey: key, firstEventAt: iso(T0 + MINUTE) }),
            );
            assert.equal(b.created, true, `${status} must not be joined`);
            assert.notEqual(b.incident.id, a.incident.id);
            const after = await s.incidents.get(a.incident.id);
            assert.equal(after?.alertCount, 1);
            assert.equal(after?.status, status);
          }
          assert.ok(OPEN_STATUSES.includes('triaged'));
          const t = await s.incidents.recordAlert(alertInput({ agencyId, groupKey: 'g6-open', firstEventAt: iso(T0) }));
          await setStatus(s, t.incident.id, 'triaged');
          const j = await s.incidents.recordAlert(
            alertInput({ agencyId, groupKey: 'g6-open', firstEventAt: iso(T0 + MINUTE) }),
          );
          assert.equal(j.incident.id, t.incident.id);
          assert.equal(j.incident.status, 'triaged');
          assert.equal(j.incident.alertCount, 2);
        });

        it('treats a repeated alert id as a duplicate that changes nothing', async function () {
          const input = alertInput({ agencyId, groupKey: 'g7', eventCount: 3 });
          const first = await s.incidents.recordAlert(input);
          const before = await s.incidents.get(first.incident.id);
          const again = await s.incidents.recordAlert({
            ...input,
            eventCount: 99,
            level: 'critical',
            entities: { hosts: ['evil'], users: [], ips: [] },
            firstEventAt: iso(T0 + MINUTE),
            lastEventAt: iso(T0 + MINUTE),
            now: iso(T0 + 2 * MINUTE),
          });
          assert.equal(again.duplicate, true);
          assert.equal(again.created, false);
          assert.deepEqual(again.incident, before);
          assert.deepEqual(again.alert, first.alert);
          const afterwards = await s.incidents.get(first.incident.id);
          assert.deepEqual(afterwards, before);
          assert.equal(afterwards?.eventCount, 3);
          assert.equal(afterwards?.alertCount, 1);
          assert.equal((await s.incidents.alerts(first.incident.id)).length, 1);
          assert.equal((await s.incidents.timeline(first.incident.id)).length, 1);
          assert.equal((await s.incidents.list({})).total, 1);
        });

        it('caps merged entity, technique and rule id lists at 100, keeping the first ones', async function () {
          const many = (p: string, n: number) => Array.from({ length: n }, (_, i) => `${p}${i}`);
          const a = await s.incidents.recordAlert(
            alertInput({
              agencyId,
              groupKey: 'g8',
              entities: { hosts: many('h', 150), users: many('u', 60), ips: [] },
              techniques: many('T', 120),
            }),
          );
          assert.equal(a.incident.entities.hosts.length, 100);
          assert.equal(a.incident.entities.hosts[99], 'h99');
          assert.equal(a.incident.techniques.length, 100);
          const b = await s.incidents.recordAlert(
            alertInput({
              agencyId,
              groupKey: 'g8',
              entities: { hosts: ['new-host'], users: many('v', 60), ips: ['1.1.1.1'] },
            }),
          );
          assert.equal(b.incident.id, a.incident.id);
          assert.equal(b.incident.entities.hosts.length, 100);
          assert.ok(!b.incident.entities.hosts.includes('new-host'));
          assert.equal(b.incident.entities.users.length, 100);
          assert.deepEqual(b.incident.entities.users.slice(58, 62), ['u58', 'u59', 'v0', 'v1']);
          assert.equal(b.incident.entities.users[99], 'v39');
          assert.deepEqual(b.incident.entities.ips, ['1.1.1.1']);
          assert.deepEqual(await s.incidents.get(a.incident.id), b.incident);
        });

        it('stores times normalised to UTC ISO with milliseconds', async function () {
          const res = await s.incidents.recordAlert(
            alertInput({
              agencyId,
              groupKey: 'g9',
              firstEventAt: '2025-01-06T10:00:00+02:00',
              lastEventAt: '2025-01-06T10:01:00+02:00',
              now: '2025-01-06T08:02:00Z',
            }),
          );
          assert.equal(res.incident.firstSeen, '2025-01-06T08:00:00.000Z');
          assert.equal(res.incident.lastSeen, '2025-01-06T08:01:00.000Z');
          assert.equal(res.incident.createdAt, '2025-01-06T08:02:00.000Z');
          assert.equal(res.alert.firstEventAt, '2025-01-06T08:00:00.000Z');
          assert.deepEqual(await s.incidents.get(res.incident.id), res.incident);
          await rejectsWith(
            s.incidents.recordAlert(alertInput({ agencyId, groupKey: 'g9', firstEventAt: 'yesterday', now: iso(T0) })),
            ValidationError,
          );
        });

        it('returns null / [] for unknown incidents', async function () {
          assert.equal(await s.incidents.get('no-such-incident'), null);
          assert.deepEqual(await s.incidents.alerts('no-such-incident'), []);
          assert.deepEqual(await s.incidents.timeline('no-such-incident'), []);
        });
      });

      describe('exceptions', function () {
        const base = { ruleId: 'rule-1', comment: 'backup server runs vssadmin nightly', createdBy: 'alice', createdAt: '2025-01-06T08:00:00.000Z' };

        it('stores, lists oldest first, gets and deletes exceptions, keeping optional keys only when set', async function () {
          const a = await s.exceptions.create({ ...base, id: 'ex-b', host: 'backup-01', expiresAt: null });
          const b = await s.exceptions.create({ ...base, id: 'ex-a', user: 'svc-*', fields: { ParentImage: '*\\backup.exe', EventID: 1 }, agencyId, createdAt: '2025-01-07T08:00:00.000Z', expiresAt: '2025-02-01T00:00:00.000Z' });
          assert.deepEqual(await s.exceptions.list(), [a, b]);
          assert.deepEqual(await s.exceptions.get('ex-a'), b);
          assert.equal(await s.exceptions.get('nope'), null);
          assert.deepEqual(Object.keys((await s.exceptions.get('ex-b'))!).sort(), ['comment', 'createdAt', 'createdBy', 'expiresAt', 'host', 'id', 'ruleId']);
          assert.equal(await s.exceptions.delete('ex-b'), true);
          assert.equal(await s.exceptions.delete('ex-b'), false);
          assert.deepEqual((await s.exceptions.list()).map((e) => e.id), ['ex-a']);
        });

        it('refuses a second exception with the same id', async function () {
          await s.exceptions.create({ ...base, id: 'ex-1', host: 'h' });
          await rejectsWith(s.exceptions.create({ ...base, id: 'ex-1', host: 'other' }), ConflictError);
        });
      });

      describe('agent health', function () {
        it('creates, patches (keeping what is not given) and lists agent health by agent id', async function () {
          const a = await s.agents.create({ agencyId, name: 'a', keyPrefix: 'pfx-health-a', keyHash: 'h' });
          const b = await s.agents.create({ agencyId, name: 'b', keyPrefix: 'pfx-health-b', keyHash: 'h' });
          assert.equal(await s.agentHealth.get(a.id), null);
          const first = await s.agentHealth.set(a.id, { silenceMinutes: 30 }, '2025-01-06T08:00:00.000Z');
          assert.deepEqual(first, { agentId: a.id, silenceMinutes: 30, silentSince: null, incidentId: null, updatedAt: '2025-01-06T08:00:00.000Z' });
          const silent = await s.agentHealth.set(a.id, { silentSince: '2025-01-06T07:00:00.000Z', incidentId: 'inc-1' }, '2025-01-06T08:30:00.000Z');
          assert.deepEqual(silent, { agentId: a.id, silenceMinutes: 30, silentSince: '2025-01-06T07:00:00.000Z', incidentId: 'inc-1', updatedAt: '2025-01-06T08:30:00.000Z' });
          await s.agentHealth.set(b.id, { silenceMinutes: null }, '2025-01-06T09:00:00.000Z');
          const back = await s.agentHealth.set(a.id, { silentSince: null, incidentId: null }, '2025-01-06T09:30:00.000Z');
          assert.equal(back.silenceMinutes, 30);
          assert.equal(back.silentSince, null);
          assert.deepEqual(await s.agentHealth.get(a.id), back);
          const list = await s.agentHealth.list();
          assert.deepEqual(list.map((h) => h.agentId), [a.id, b.id].sort());
        });
      });

      describe('rule settings', function () {
        it('creates and replaces one setting per rule, listed by rule id', async function () {
          assert.deepEqual(await s.ruleSettings.list(), []);
          await s.ruleSettings.set({ ruleId: 'z-rule', enabled: false, updatedBy: 'alice', updatedAt: '2025-01-06T08:00:00.000Z' });
          await s.ruleSettings.set({ ruleId: 'a-rule', enabled: false, updatedBy: 'bob', updatedAt: '2025-01-06T09:00:00.000Z' });
          await s.ruleSettings.set({ ruleId: 'z-rule', enabled: true, updatedBy: 'carol', updatedAt: '2025-01-06T10:00:00.000Z' });
          assert.deepEqual(await s.ruleSettings.list(), [
            { ruleId: 'a-rule', enabled: false, updatedBy: 'bob', updatedAt: '2025-01-06T09:00:00.000Z' },
            { ruleId: 'z-rule', enabled: true, updatedBy: 'carol', updatedAt: '2025-01-06T10:00:00.000Z' },
          ]);
        });
      });

      describe('incidents: timeline', function () {
        it('adds entries and lists them by time, equal times in insertion order', async function () {
          const { incident } = await s.incidents.recordAlert(
            alertInput({ agencyId, groupKey: 'tl', now: iso(T0 + MINUTE), firstEventAt: iso(T0) }),
          );
          const e1 = await s.incidents.addTimeline({
            incidentId: incident.id,
            at: iso(T0 + 10 * MINUTE),
            actor: 'user:alice',
            action: 'status_changed',
            details: { from: 'new', to: 'triaged' },
          });
          assert.deepEqual(sortedKeys(e1), ['action', 'actor', 'at', 'details', 'id', 'incidentId']);
          assert.equal(typeof e1.id, 'string');
          assert.deepEqual(e1.details, { from: 'new', to: 'triaged' });
          const e0 = await s.incidents.addTimeline({
            incidentId: incident.id,
            at: iso(T0 + 5 * MINUTE),
            actor: 'user:bob',
            action: 'commented',
            details: { text: 'looking', nested: { n: 1, list: [1, 'two'] } },
          });
          const e2a = await s.incidents.addTimeline({
            incidentId: incident.id,
            at: iso(T0 + 20 * MINUTE),
            actor: 'user:alice',
            action: 'assigned',
            details: {},
          });
          const e2b = await s.incidents.addTimeline({
            incidentId: incident.id,
            at: iso(T0 + 20 * MINUTE),
            actor: 'user:alice',
            action: 'commented',
            details: {},
          });
          const timeline = await s.incidents.timeline(incident.id);
          assert.deepEqual(
            timeline.map((e) => e.action),
            ['created', 'commented', 'status_changed', 'assigned', 'commented'],
          );
          assert.deepEqual(timeline.slice(1), [e0, e1, e2a, e2b]);
          assert.deepEqual(timeline[1]!.details, { text: 'looking', nested: { n: 1, list: [1, 'two'] } });
          assert.deepEqual(timeline[3]!.details, {});
        });

        it('rejects an entry for an unknown incident with NotFoundError', async function () {
          await rejectsWith(
            s.incidents.addTimeline({
              incidentId: 'no-such-incident',
              at: iso(T0),
              actor: 'system',
              action: 'x',
              details: {},
            }),
            NotFoundError,
            /incident/,
          );
        });
      });

      describe('incidents: lifecycle update', function () {
        const open = async (over: Partial<Parameters<typeof alertInput>[0]> = {}) =>
          (
            await s.incidents.recordAlert(
              alertInput({ agencyId, groupKey: `lc-${Math.random()}`, firstEventAt: iso(T0), now: iso(T0 + MINUTE), ...over }),
            )
          ).incident;
        const at = (m: number) => iso(T0 + m * MINUTE);

        it('applies a patch, writes one timeline entry per changed field and bumps revision and updatedAt', async function () {
          const before = await open({ level: 'medium' });
          assert.equal(before.revision, undefined, 'a fresh incident has no revision key');
          const res = await s.incidents.update(
            before.id,
            {
              status: 'triaged',
              assignee: 'alice',
              severity: 'critical',
              category: 'fraud',
              type: 'phishing',
              techniques: ['T1566.002', 'T1566.002', 'T1204'],
              entities: { hashes: ['aa', 'bb', 'aa'], domains: ['evil.example'], ips: ['10.9.9.9'] },
            },
            { actor: 'bob', at: '2025-01-06T10:10:00+02:00' },
          );
          const expected: Incident = {
            ...before,
            status: 'triaged',
            assignee: 'alice',
            severity: 'critical',
            category: 'fraud',
            type: 'phishing',
            techniques: ['T1566.002', 'T1204'],
            entities: { ...before.entities, ips: ['10.9.9.9'], hashes: ['aa', 'bb'], domains: ['evil.example'] },
            revision: 1,
            updatedAt: '2025-01-06T08:10:00.000Z',
          };
          assert.deepEqual(res.incident, expected);
          assert.deepEqual(await s.incidents.get(before.id), expected);
          assert.deepEqual(
            res.entries.map((e) => [e.action, e.details]),
            [
              ['assigned', { from: null, to: 'alice' }],
              ['status_changed', { from: 'new', to: 'triaged', fromStage: 'new', toStage: 'triaged' }],
              ['severity_changed', { from: 'medium', to: 'critical' }],
              ['category_changed', { from: 'malicious-code', to: 'fraud' }],
              ['type_changed', { from: null, to: 'phishing' }],
              ['techniques_changed', { from: ['T1059.001'], to: ['T1566.002', 'T1204'] }],
              [
                'entities_changed',
                {
                  from: { ips: ['10.0.0.1'], hashes: [], domains: [] },
                  to: { ips: ['10.9.9.9'], hashes: ['aa', 'bb'], domains: ['evil.example'] },
                },
              ],
            ],
          );
          for (const e of res.entries) {
            assert.equal(e.actor, 'bob');
            assert.equal(e.at, '2025-01-06T08:10:00.000Z');
            assert.equal(e.incidentId, before.id);
          }
          const timeline = await s.incidents.timeline(before.id);
          assert.deepEqual(timeline.slice(1), res.entries, 'the entries are in the timeline, in order');
        });

        it('writes nothing and keeps the revision when nothing changes', async function () {
          const before = await open();
          const res = await s.incidents.update(
            before.id,
            { status: 'new', assignee: null, severity: before.severity, techniques: [...before.techniques], entities: { hosts: before.entities.hosts } },
            { actor: 'bob', at: at(5) },
          );
          assert.deepEqual(res, { incident: before, entries: [] });
          assert.deepEqual(await s.incidents.get(before.id), before);
          assert.equal((await s.incidents.timeline(before.id)).length, 1);
        });

        it('sets and clears an admin-defined status, keeping its stage in status', async function () {
          const before = await open();
          const a = await s.incidents.update(before.id, { status: 'investigating', customStatus: 'awaiting_vendor' }, { actor: 'bob', at: at(5) });
          assert.equal(a.incident.status, 'investigating');
          assert.equal(a.incident.customStatus, 'awaiting_vendor');
          assert.deepEqual(a.entries[0]!.details, { from: 'new', to: 'awaiting_vendor', fromStage: 'new', toStage: 'investigating' });
          const b = await s.incidents.update(before.id, { status: 'investigating' }, { actor: 'bob', at: at(6) });
          assert.equal('customStatus' in b.incident, false);
          assert.deepEqual(b.entries[0]!.details, {
            from: 'awaiting_vendor',
            to: 'investigating',
            fromStage: 'investigating',
            toStage: 'investigating',
          });
          assert.equal(b.incident.revision, 2);
          const c = await s.incidents.update(before.id, { type: 'other' }, { actor: 'bob', at: at(7) });
          assert.equal(c.incident.type, 'other');
          const d = await s.incidents.update(before.id, { type: null }, { actor: 'bob', at: at(8) });
          assert.equal('type' in d.incident, false);
          assert.deepEqual(d.entries[0]!.details, { from: 'other', to: null });
          assert.deepEqual(await s.incidents.get(before.id), d.incident);
        });

        it('refuses a stale revision or an if-unmodified-since in the past with a stale ConflictError, writing nothing', async function () {
          const before = await open();
          const first = await s.incidents.update(before.id, { assignee: 'alice' }, { actor: 'a', at: at(5), expectedRevision: 0 });
          assert.equal(first.incident.revision, 1);
          await assert.rejects(
            s.incidents.update(before.id, { assignee: 'bob' }, { actor: 'b', at: at(6), expectedRevision: 0 }),
            (err: unknown) => {
              assert.ok(err instanceof ConflictError);
              assert.equal((err.details as { reason: string }).reason, 'stale');
              assert.equal((err.details as { revision: number }).revision, 1);
              return true;
            },
          );
          await rejectsWith(
            s.incidents.update(before.id, { assignee: 'bob' }, { actor: 'b', at: at(6), unmodifiedSince: at(4) }),
            ConflictError,
          );
          const ok = await s.incidents.update(
            before.id,
            { assignee: 'carol' },
            { actor: 'c', at: at(7), expectedRevision: 1, unmodifiedSince: first.incident.updatedAt },
          );
          assert.equal(ok.incident.assignee, 'carol');
          assert.equal(ok.incident.revision, 2);
          assert.deepEqual(
            (await s.incidents.timeline(before.id)).map((e) => e.actor),
            ['system', 'a', 'c'],
            'the refused changes left no trace',
          );
        });

        it('lets exactly one of two concurrent changes at the same revision win', async function () {
          const before = await open();
          const results = await Promise.allSettled([
            s.incidents.update(before.id, { status: 'triaged', assignee: 'alice' }, { actor: 'alice', at: at(5), expectedRevision: 0 }),
            s.incidents.update(before.id, { status: 'investigating', assignee: 'bob' }, { actor: 'bob', at: at(5), expectedRevision: 0 }),
          ]);
          assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
          const winner = results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ incident: Incident }>;
          const after = await s.incidents.get(before.id);
          assert.deepEqual(after, winner.value.incident);
          assert.equal(after?.revision, 1);
          assert.equal((await s.incidents.timeline(before.id)).length, 3, 'created + the winner\'s two entries');
        });

        it('rejects an unknown incident with NotFoundError and a bad time with ValidationError', async function () {
          await rejectsWith(s.incidents.update('no-such-incident', { assignee: 'a' }, { actor: 'a', at: at(1) }), NotFoundError);
          const before = await open();
          await rejectsWith(s.incidents.update(before.id, { assignee: 'a' }, { actor: 'a', at: 'soon' }), ValidationError);
        });

        it('keeps people\'s changes when later alerts join, and never joins a closed or merged incident', async function () {
          const before = await open({ groupKey: 'lc-join', level: 'medium' });
          await s.incidents.update(
            before.id,
            { status: 'investigating', assignee: 'alice', severity: 'low', entities: { hashes: ['abc'] } },
            { actor: 'alice', at: at(2) },
          );
          const joined = await s.incidents.recordAlert(
            alertInput({
              agencyId,
              groupKey: 'lc-join',
              level: 'high',
              firstEventAt: iso(T0 + 3 * MINUTE),
              entities: { hosts: ['host-z'], users: [], ips: [], hashes: ['def'] },
            }),
          );
          assert.equal(joined.incident.id, before.id);
          assert.equal(joined.incident.status, 'investigating');
          assert.equal(joined.incident.assignee, 'alice');
          assert.equal(joined.incident.severity, 'high', 'a higher alert level still raises severity');
          assert.equal(joined.incident.revision, 1, 'alerts do not move the revision');
          assert.deepEqual(joined.incident.entities.hashes, ['abc', 'def']);
          assert.ok(joined.incident.entities.hosts.includes('host-z'));
          assert.deepEqual(await s.incidents.get(before.id), joined.incident);

          await s.incidents.update(before.id, { status: 'resolved' }, { actor: 'alice', at: at(4) });
          await s.incidents.update(before.id, { status: 'closed' }, { actor: 'alice', at: at(5) });
          const after = await s.incidents.recordAlert(
            alertInput({ agencyId, groupKey: 'lc-join', firstEventAt: iso(T0 + 6 * MINUTE) }),
          );
          assert.equal(after.created, true);
        });
      });

      describe('incidents: merge', function () {
        it('moves alerts and comments, combines the target, closes the source with mergedInto, in one step', async function () {
          const t = await s.incidents.recordAlert(
            alertInput({
              agencyId,
              groupKey: 'm-target',
              level: 'medium',
              ruleId: 'r-a',
              techniques: ['T1'],
              entities: { hosts: ['h1'], users: ['u1'], ips: [] },
              eventCount: 2,
              firstEventAt: iso(T0 + 10 * MINUTE),
              lastEventAt: iso(T0 + 20 * MINUTE),
            }),
          );
          const src1 = await s.incidents.recordAlert(
            alertInput({
              agencyId,
              groupKey: 'm-source',
              level: 'high',
              ruleId: 'r-b',
              techniques: ['T2', 'T1'],
              entities: { hosts: ['h2'], users: ['u1'], ips: ['1.2.3.4'], domains: ['x.example'] },
              eventCount: 3,
              firstEventAt: iso(T0),
              lastEventAt: iso(T0 + 5 * MINUTE),
            }),
          );
          const src2 = await s.incidents.recordAlert(
            alertInput({ agencyId, groupKey: 'm-source', firstEventAt: iso(T0 + 6 * MINUTE), eventCount: 4 }),
          );
          assert.equal(src2.incident.id, src1.incident.id);
          const sourceId = src1.incident.id;
          const targetId = t.incident.id;
          await s.incidents.update(sourceId, { status: 'investigating', assignee: 'alice' }, { actor: 'alice', at: iso(T0 + HOUR) });
          const c1 = await s.comments.add({ incidentId: sourceId, author: 'alice', body: 'on the source', at: iso(T0 + HOUR) });
          const c0 = await s.comments.add({ incidentId: targetId, author: 'bob', body: 'on the target', at: iso(T0 + 30 * MINUTE) });
          const other = (await s.incidents.recordAlert(alertInput({ agencyId, groupKey: 'm-other' }))).incident;
          await s.incidents.link(sourceId, other.id, { actor: 'alice', at: iso(T0 + HOUR) });

          const res = await s.incidents.merge(sourceId, targetId, { actor: 'bob', at: iso(T0 + 2 * HOUR), expectedRevision: 1 });
          assert.equal(res.movedAlerts, 2);
          assert.equal(res.movedComments, 1);
          const source = (await s.incidents.get(sourceId))!;
          assert.deepEqual(res.source, source);
          assert.equal(source.status, 'closed');
          assert.equal(source.mergedInto, targetId);
          assert.equal(source.assignee, 'alice');
          assert.equal(source.revision, 2);
          assert.equal(source.updatedAt, iso(T0 + 2 * HOUR));
          const target = (await s.incidents.get(targetId))!;
          assert.deepEqual(res.target, target);
          assert.deepEqual(target, {
            ...t.incident,
            severity: 'high',
            alertCount: 3,
            eventCount: 9,
            firstSeen: iso(T0),
            lastSeen: iso(T0 + 20 * MINUTE),
            entities: { hosts: ['h1', 'h2', 'host-a'], users: ['u1', 'alice'], ips: ['1.2.3.4', '10.0.0.1'], domains: ['x.example'] },
            ruleIds: ['r-a', 'r-b', 'sigma-1'],
            techniques: ['T1', 'T2', 'T1059.001'],
            revision: 1,
            updatedAt: iso(T0 + 2 * HOUR),
          });
          assert.deepEqual(
            (await s.incidents.alerts(targetId)).map((a) => a.id).sort(),
            [t.alert.id, src1.alert.id, src2.alert.id].sort(),
          );
          assert.ok((await s.incidents.alerts(targetId)).every((a) => a.incidentId === targetId));
          assert.deepEqual(await s.incidents.alerts(sourceId), []);
          assert.deepEqual(await s.comments.list(targetId), [c0, { ...c1, incidentId: targetId, mergedFrom: sourceId }]);
          assert.deepEqual(await s.comments.list(sourceId), []);
          assert.deepEqual(await s.incidents.links(targetId), [other.id], 'the source\'s links carry over');
          assert.deepEqual((await s.incidents.links(other.id)).sort(), [sourceId, targetId].sort());
          assert.deepEqual(
            res.entries.map((e) => [e.incidentId, e.action, e.details]),
            [
              [sourceId, 'merged_into', { into: targetId, from: 'investigating', to: 'closed' }],
              [targetId, 'merged_from', { source: sourceId, alerts: 2, events: 7 }],
            ],
          );
          const sourceTimeline = await s.incidents.timeline(sourceId);
          assert.deepEqual(
            sourceTimeline.map((e) => e.action),
            ['created', 'assigned', 'status_changed', 'linked', 'merged_into'],
            'the source keeps its own timeline',
          );
          assert.equal((await s.incidents.timeline(targetId)).at(-1)?.action, 'merged_from');
          // An alert of the source's group opens a new incident: the merged one is closed.
          const late = await s.incidents.recordAlert(alertInput({ agencyId, groupKey: 'm-source', firstEventAt: iso(T0 + 7 * MINUTE) }));
          assert.equal(late.created, true);
        });

        it('refuses self, unknown, cross-agency, already merged, closed and stale merges, changing nothing', async function () {
          const mk = async (key: string, agency = agencyId) =>
            (await s.incidents.recordAlert(alertInput({ agencyId: agency, groupKey: key }))).incident;
          const a = await mk('r-a');
          const b = await mk('r-b');
          const foreign = await mk('r-f', otherAgencyId);
          const ctx = { actor: 'x', at: iso(T0 + HOUR) };
          await rejectsWith(s.incidents.merge(a.id, a.id, ctx), ValidationError);
          await rejectsWith(s.incidents.merge(a.id, 'no-such-incident', ctx), NotFoundError);
          await rejectsWith(s.incidents.merge('no-such-incident', a.id, ctx), NotFoundError);
          await rejectsWith(s.incidents.merge(a.id, foreign.id, ctx), ConflictError, /agencies/);
          await rejectsWith(s.incidents.merge(a.id, b.id, { ...ctx, expectedRevision: 3 }), ConflictError);
          assert.deepEqual(await s.incidents.get(a.id), a);
          assert.deepEqual(await s.incidents.get(b.id), b);
          await s.incidents.merge(a.id, b.id, ctx);
          await rejectsWith(s.incidents.merge(a.id, b.id, ctx), ConflictError, /already merged/);
          const c = await mk('r-c');
          await rejectsWith(s.incidents.merge(c.id, a.id, ctx), ConflictError, /merged into/);
          await s.incidents.update(c.id, { status: 'resolved' }, ctx);
          await s.incidents.update(c.id, { status: 'closed' }, ctx);
          await rejectsWith(s.incidents.merge(b.id, c.id, ctx), ConflictError, /closed/);
          await rejectsWith(s.incidents.merge(c.id, b.id, ctx), ConflictError, /closed/);
        });
      });

      describe('incidents: links', function () {
        it('links symmetrically and idempotently, with an entry on both timelines; unlinks either way', async function () {
          const mk = async (key: string) => (await s.incidents.recordAlert(alertInput({ agencyId, groupKey: key }))).incident;
          const [a, b, c] = [await mk('l-a'), await mk('l-b'), await mk('l-c')];
          const ctx = { actor: 'alice', at: iso(T0 + HOUR) };
          const first = await s.incidents.link(a.id, b.id, ctx);
          assert.equal(first.changed, true);
          assert.deepEqual(
            first.entries.map((e) => [e.incidentId, e.action, e.details, e.actor, e.at]),
            [
              [a.id, 'linked', { other: b.id }, 'alice', iso(T0 + HOUR)],
              [b.id, 'linked', { other: a.id }, 'alice', iso(T0 + HOUR)],
            ],
          );
          assert.deepEqual(await s.incidents.link(b.id, a.id, ctx), { changed: false, entries: [] });
          await s.incidents.link(c.id, a.id, ctx);
          assert.deepEqual(await s.incidents.links(a.id), [b.id, c.id].sort());
          assert.deepEqual(await s.incidents.links(b.id), [a.id]);
          assert.deepEqual(await s.incidents.links('no-such-incident'), []);
          assert.deepEqual(await s.incidents.get(a.id), a, 'links do not change the incident record');
          const removed = await s.incidents.unlink(b.id, a.id, ctx);
          assert.equal(removed.changed, true);
          assert.deepEqual(removed.entries.map((e) => e.action), ['unlinked', 'unlinked']);
          assert.deepEqual(await s.incidents.unlink(b.id, a.id, ctx), { changed: false, entries: [] });
          assert.deepEqual(await s.incidents.links(a.id), [c.id]);
          assert.deepEqual(await s.incidents.links(b.id), []);
          await rejectsWith(s.incidents.link(a.id, a.id, ctx), ValidationError);
          await rejectsWith(s.incidents.link(a.id, 'no-such-incident', ctx), NotFoundError);
        });
      });

      describe('incidents: lifecycles', function () {
        it('returns incidents created in the window for the agencies, with status and assignment entries only', async function () {
          const mk = async (key: string, createdMin: number, agency = agencyId) =>
            (
              await s.incidents.recordAlert(
                alertInput({ agencyId: agency, groupKey: key, firstEventAt: iso(T0), now: iso(T0 + createdMin * MINUTE) }),
              )
            ).incident;
          const a = await mk('k-a', 10);
          const b = await mk('k-b', 20, otherAgencyId);
          const c = await mk('k-c', 30);
          await s.incidents.update(a.id, { assignee: 'alice', status: 'triaged', severity: 'high' }, { actor: 'alice', at: iso(T0 + 40 * MINUTE) });
          await s.comments.add({ incidentId: a.id, author: 'alice', body: 'x', at: iso(T0 + 41 * MINUTE) });
          await s.incidents.addTimeline({ incidentId: a.id, at: iso(T0 + 41 * MINUTE), actor: 'alice', action: 'commented', details: {} });
          await s.incidents.update(a.id, { status: 'resolved' }, { actor: 'alice', at: iso(T0 + 50 * MINUTE) });
          await s.incidents.update(b.id, { status: 'false_positive' }, { actor: 'bob', at: iso(T0 + 45 * MINUTE) });

          const all = await s.incidents.lifecycles({});
          assert.deepEqual(all.map((l) => l.incident.id), [a.id, b.id, c.id]);
          assert.deepEqual(all[0]!.incident, { id: a.id, agencyId, severity: 'high', status: 'resolved', createdAt: iso(T0 + 10 * MINUTE) });
          assert.deepEqual(all[0]!.entries.map((e) => e.action), ['assigned', 'status_changed', 'status_changed']);
          assert.deepEqual(all[0]!.entries, (await s.incidents.timeline(a.id)).filter((e) => e.action === 'assigned' || e.action === 'status_changed'));
          assert.deepEqual(all[2]!.entries, []);

          const window = await s.incidents.lifecycles({ createdFrom: iso(T0 + 20 * MINUTE), createdTo: '2025-01-06T10:30:00+02:00' });
          assert.deepEqual(window.map((l) => l.incident.id), [b.id, c.id], 'inclusive bounds, any ISO form');
          assert.deepEqual((await s.incidents.lifecycles({ agencyIds: [otherAgencyId] })).map((l) => l.incident.id), [b.id]);
          assert.deepEqual(await s.incidents.lifecycles({ agencyIds: [] }), []);
          await rejectsWith(s.incidents.lifecycles({ createdFrom: 'later' }), ValidationError);
        });
      });

      describe('comments', function () {
        it('adds comments and lists them oldest first, equal times in insertion order', async function () {
          const { incident } = await s.incidents.recordAlert(alertInput({ agencyId, groupKey: 'c' }));
          const b = await s.comments.add({ incidentId: incident.id, author: 'bob', body: 'second', at: iso(T0 + 2 * MINUTE) });
          const a = await s.comments.add({ incidentId: incident.id, author: 'alice', body: 'first', at: '2025-01-06T09:01:00+01:00' });
          const c = await s.comments.add({ incidentId: incident.id, author: 'carol', body: 'third', at: iso(T0 + 2 * MINUTE) });
          assert.deepEqual(sortedKeys(a), ['at', 'author', 'body', 'id', 'incidentId']);
          assert.equal(a.at, iso(T0 + MINUTE));
          assert.deepEqual(await s.comments.list(incident.id), [a, b, c]);
          assert.deepEqual(await s.comments.list('no-such-incident'), []);
          await rejectsWith(
            s.comments.add({ incidentId: 'no-such-incident', author: 'x', body: 'y', at: iso(T0) }),
            NotFoundError,
            /incident/,
          );
        });
      });

      describe('audit log', function () {
        it('records entries and lists them newest first, filtered and limited', async function () {
          const rec = (m: number, over: Partial<{ actor: string; action: string; target: string; targetType: string }> = {}) =>
            s.audit.record({
              at: iso(T0 + m * MINUTE),
              actor: over.actor ?? 'alice',
              action: over.action ?? 'incident.status_changed',
              targetType: over.targetType ?? 'incident',
              target: over.target ?? 'inc-1',
              details: { m, nested: { list: [1, 'x'] } },
            });
          const e1 = await rec(1);
          const e3 = await rec(3, { actor: 'bob', target: 'inc-2' });
          const e2a = await rec(2, { action: 'incident.assigned' });
          const e2b = await rec(2, { targetType: 'status_definition', target: 'awaiting' });
          assert.deepEqual(sortedKeys(e1), ['action', 'actor', 'at', 'details', 'id', 'target', 'targetType']);
          assert.deepEqual(await s.audit.list({}), [e3, e2b, e2a, e1]);
          assert.deepEqual(await s.audit.list({ target: 'inc-1' }), [e2a, e1]);
          assert.deepEqual(await s.audit.list({ actor: 'bob' }), [e3]);
          assert.deepEqual(await s.audit.list({ action: 'incident.assigned' }), [e2a]);
          assert.deepEqual(await s.audit.list({ targetType: 'status_definition' }), [e2b]);
          assert.deepEqual(await s.audit.list({ from: iso(T0 + 2 * MINUTE), to: '2025-01-06T10:02:00+02:00' }), [e2b, e2a]);
          assert.deepEqual(await s.audit.list({}, { limit: 2 }), [e3, e2b]);
          assert.deepEqual(await s.audit.list({}, { limit: 0 }), [e3]);
          assert.deepEqual(await s.audit.list({ target: 'nothing' }), []);
        });
      });

      describe('status definitions', function () {
        it('creates, gets and lists admin-defined statuses by key; a key in use is a ConflictError', async function () {
          const def = { key: 'awaiting_vendor', label: 'Awaiting vendor', stage: 'investigating' as const, createdBy: 'root', createdAt: iso(T0) };
          assert.deepEqual(await s.statusDefinitions.list(), []);
          assert.deepEqual(await s.statusDefinitions.create(def), def);
          const other = { ...def, key: 'a_contained', label: 'Isolated', stage: 'contained' as const };
          await s.statusDefinitions.create(other);
          assert.deepEqual(await s.statusDefinitions.get('awaiting_vendor'), def);
          assert.equal(await s.statusDefinitions.get('nope'), null);
          assert.deepEqual(await s.statusDefinitions.list(), [other, def]);
          await rejectsWith(s.statusDefinitions.create({ ...def, label: 'again' }), ConflictError, /awaiting_vendor/);
          assert.deepEqual(await s.statusDefinitions.get('awaiting_vendor'), def);
        });
      });

      describe('saved views', function () {
        const VIEW_KEYS = ['createdAt', 'id', 'name', 'owner', 'ownerId', 'query', 'scope', 'shared', 'updatedAt'];
        const view = (over: Partial<NewSavedView> = {}): NewSavedView => ({
          ownerId: 'user-ana',
          owner: 'ana',
          scope: null,
          name: 'My open criticals',
          query: 'status=new,triaged&severity=critical&assignee=me',
          shared: false,
          at: '2025-03-01T10:00:00+01:00',
          ...over,
        });
        const conflictReason = async (p: Promise<unknown>, reason: string) =>
          assert.rejects(p, (err: unknown) => {
            assert.ok(err instanceof ConflictError, String(err));
            assert.equal((err.details as { reason?: string } | undefined)?.reason, reason);
            return true;
          });

        it('creates a plain record with a generated id and normalised times, and gets it back equal', async function () {
          const v = await s.views.create(view());
          assert.deepEqual(sortedKeys(v), VIEW_KEYS);
          assert.equal(v.createdAt, '2025-03-01T09:00:00.000Z');
          assert.equal(v.updatedAt, v.createdAt);
          assert.deepEqual(
            { name: v.name, query: v.query, shared: v.shared, owner: v.owner, ownerId: v.ownerId, scope: v.scope },
            { name: 'My open criticals', query: 'status=new,triaged&severity=critical&assignee=me', shared: false, owner: 'ana', ownerId: 'user-ana', scope: null },
          );
          assert.deepEqual(await s.views.get(v.id), v);
          assert.equal(await s.views.get('no-such-view'), null);
          const empty = await s.views.create(view({ name: 'Everything', query: '', shared: true, scope: agencyId }));
          assert.deepEqual(await s.views.get(empty.id), empty);
          assert.equal(empty.query, '');
          assert.equal(empty.scope, agencyId);
          await rejectsWith(s.views.create(view({ name: 'x', at: 'yesterday' })), ValidationError, /at/);
        });

        it('keeps names unique per owner ignoring case, with a duplicate_name ConflictError', async function () {
          await s.views.create(view());
          await conflictReason(s.views.create(view({ name: 'MY OPEN CRITICALS', query: 'q=x' })), 'duplicate_name');
          await rejectsWith(s.views.create(view({ name: 'my open criticals' })), ConflictError, /my open criticals/);
          const other = await s.views.create(view({ ownerId: 'user-ben', owner: 'ben' }));
          assert.equal(other.name, 'My open criticals', 'another owner may use the name');
          assert.equal((await s.views.listVisible({ ownerId: 'user-ana', scope: 'nowhere' })).length, 1);
        });

        it('refuses a view beyond maxPerOwner, counting only that owner\'s views', async function () {
          for (let i = 0; i < 3; i++) await s.views.create(view({ name: `v${i}` }), { maxPerOwner: 3 });
          await s.views.create(view({ ownerId: 'user-ben', owner: 'ben', name: 'v0' }), { maxPerOwner: 3 });
          await conflictReason(s.views.create(view({ name: 'v3' }), { maxPerOwner: 3 }), 'limit');
          await rejectsWith(s.views.create(view({ name: 'v3' }), { maxPerOwner: 3 }), ConflictError, /at most 3/);
          assert.equal((await s.views.listVisible({ ownerId: 'user-ana', scope: null })).length, 3);
          // Without a limit (or a higher one) it is stored.
          await s.views.create(view({ name: 'v3' }), { maxPerOwner: 4 });
        });

        it('lists own views and the shared views of the same scope, by name ignoring case, then id', async function () {
          const mine = await s.views.create(view({ name: 'zeta' }));
          const mineShared = await s.views.create(view({ name: 'Alpha', shared: true }));
          const benShared = await s.views.create(view({ ownerId: 'user-ben', owner: 'ben', name: 'beta', shared: true }));
          await s.views.create(view({ ownerId: 'user-ben', owner: 'ben', name: 'ben private' }));
          const agencyShared = await s.views.create(view({ ownerId: 'user-aa', owner: 'aa', scope: agencyId, name: 'agency', shared: true }));
          await s.views.create(view({ ownerId: 'user-ba', owner: 'ba', scope: otherAgencyId, name: 'other agency', shared: true }));
          const sameNameOther = await s.views.create(view({ ownerId: 'user-cy', owner: 'cy', name: 'ALPHA', shared: true }));
          const ids = (list: { id: string }[]) => list.map((v) => v.id);
          const alphas = [mineShared, sameNameOther].sort((a, b) => (a.id < b.id ? -1 : 1));
          assert.deepEqual(ids(await s.views.listVisible({ ownerId: 'user-ana', scope: null })), [
            ...ids(alphas),
            benShared.id,
            mine.id,
          ]);
          assert.deepEqual(await s.views.listVisible({ ownerId: 'user-ana', scope: null }).then((l) => l.find((v) => v.id === mine.id)), mine);
          // An agency admin: own views (none) and the shared ones of their agency only.
          assert.deepEqual(ids(await s.views.listVisible({ ownerId: 'user-aa2', scope: agencyId })), [agencyShared.id]);
          assert.deepEqual(await s.views.listVisible({ ownerId: 'nobody', scope: 'no-such-agency' }), []);
        });

        it('updates the fields given and updatedAt, renames, refuses a taken name and answers null for an unknown id', async function () {
          const v = await s.views.create(view());
          const other = await s.views.create(view({ name: 'Other' }));
          const renamed = await s.views.update(v.id, { name: 'MY OPEN CRITICALS' }, '2025-03-02T10:00:00Z');
          assert.deepEqual(renamed, { ...v, name: 'MY OPEN CRITICALS', updatedAt: '2025-03-02T10:00:00.000Z' }, 'a view may change the case of its own name');
          const shared = await s.views.update(v.id, { shared: true, query: 'severity=high' }, '2025-03-03T10:00:00.000Z');
          assert.deepEqual(shared, { ...renamed!, shared: true, query: 'severity=high', updatedAt: '2025-03-03T10:00:00.000Z' });
          assert.deepEqual(await s.views.get(v.id), shared);
          await conflictReason(s.views.update(other.id, { name: 'my open criticals' }, '2025-03-04T10:00:00.000Z'), 'duplicate_name');
          assert.deepEqual(await s.views.get(other.id), other, 'a refused rename changes nothing');
          assert.equal(await s.views.update('no-such-view', { name: 'x' }, '2025-03-04T10:00:00.000Z'), null);
          const unshared = await s.views.update(v.id, { shared: false }, '2025-03-05T10:00:00.000Z');
          assert.equal(unshared?.shared, false);
          assert.equal(unshared?.createdAt, v.createdAt);
        });

        it('deletes a view once', async function () {
          const v = await s.views.create(view());
          assert.equal(await s.views.delete(v.id), true);
          assert.equal(await s.views.delete(v.id), false);
          assert.equal(await s.views.get(v.id), null);
          // Its name is free again.
          await s.views.create(view());
        });
      });
    });

    describe('incident queries over the shared fixture', function () {
      let s: Storage;
      let fx: SeededFixture;
      const all = () => fx.incidents;

      before(async function () {
        this.timeout(60_000);
        s = await make();
        await s.connect();
        fx = await seedIncidentFixture(s, support.setIncidentStatus);
      });
      after(async function () {
        await s?.close();
      });

      const expectList = async (filter: IncidentFilter, limit: number) => {
        const expected = referenceFilter(all(), filter).map((i) => i.id);
        const walked = await walkPages(s, filter, limit);
        const got = walked.pages.flat().map((i) => i.id);
        assert.deepEqual(got, expected);
        assert.equal(new Set(got).size, got.length, 'no item twice');
        for (const t of walked.totals) assert.equal(t, expected.length, 'total ignores the cursor');
        for (const [i, page] of walked.pages.entries()) {
          const isLast = i === walked.pages.length - 1;
          if (!isLast) assert.equal(page.length, limit, 'every page but the last is full');
          else assert.ok(page.length <= limit);
        }
        return expected;
      };

      it('records the fixture as 60 incidents, 20 per agency, statuses as set', async function () {
        assert.equal(all().length, FIXTURE_INCIDENT_COUNT);
        const summary = await s.incidents.summary({});
        assert.equal(summary.total, 60);
        assert.deepEqual(summary.byAgency, {
          [fx.agencyIds[0]!]: 20,
          [fx.agencyIds[1]!]: 20,
          [fx.agencyIds[2]!]: 20,
        });
        if (support.setIncidentStatus) {
          assert.deepEqual(summary.byStatus, {
            new: 9,
            triaged: 9,
            investigating: 9,
            contained: 9,
            resolved: 8,
            false_positive: 8,
            closed: 8,
          });
        }
        const joined = all().filter((i) => i.alertCount === 3);
        assert.equal(joined.length, 15, 'every fourth incident has three alerts');
        for (const i of joined) {
          assert.ok(i.entities.users.includes('root'));
          assert.ok(i.techniques.includes('T1078'));
          assert.ok(i.severity !== 'informational');
        }
      });

      it('lists newest first with the default limit of 50, a cursor and the total', async function () {
        const page = await s.incidents.list({});
        assert.equal(page.items.length, 50);
        assert.equal(page.total, 60);
        assert.notEqual(page.nextCursor, null);
        assert.deepEqual(
          page.items.map((i) => i.id),
          [...all()].sort(byListOrder).slice(0, 50).map((i) => i.id),
        );
        assert.deepEqual(page.items[0], [...all()].sort(byListOrder)[0]);
        for (const item of page.items) assert.deepEqual(sortedKeys(item), INCIDENT_KEYS);
        const rest = await s.incidents.list({}, { cursor: page.nextCursor });
        assert.equal(rest.items.length, 10);
        assert.equal(rest.total, 60);
        assert.equal(rest.nextCursor, null);
      });

      it('walks every page with no duplicate and no gap, breaking lastSeen ties by id', async function () {
        const ids = await expectList({}, 7);
        assert.equal(ids.length, 60);
        const walked = await walkPages(s, {}, 7);
        assert.equal(walked.pages.length, 9);
        // Threes share a lastSeen: a page boundary falls inside such a tie (7 is not a multiple of 3).
        const ties = all().filter((i) => i.lastSeen === all()[0]!.lastSeen);
        assert.ok(ties.length >= 2, 'the fixture has lastSeen ties');
      });

      it('clamps the page limit to 1..500', async function () {
        assert.equal((await s.incidents.list({}, { limit: 1000 })).items.length, 60);
        const one = await s.incidents.list({}, { limit: 0 });
        assert.equal(one.items.length, 1);
        assert.equal(one.total, 60);
        assert.equal((await s.incidents.list({}, { limit: 60 })).nextCursor, null);
        assert.notEqual((await s.incidents.list({}, { limit: 59 })).nextCursor, null);
      });

      it('rejects a malformed cursor with ValidationError', async function () {
        await rejectsWith(s.incidents.list({}, { cursor: 'not a cursor' }), ValidationError, /cursor/);
        const wrongShape = Buffer.from(JSON.stringify({ a: 1 })).toString('base64url');
        await rejectsWith(s.incidents.list({}, { cursor: wrongShape }), ValidationError, /cursor/);
      });

      it('filters by status', async function () {
        if (!support.setIncidentStatus) return this.skip();
        assert.equal((await expectList({ status: ['closed'] }, 5)).length, 8);
        assert.equal((await expectList({ status: ['new', 'triaged'] }, 5)).length, 18);
        assert.equal((await expectList({ status: [...OPEN_STATUSES] }, 50)).length, 36);
      });

      it('filters by severity', async function () {
        const ids = await expectList({ severity: ['critical', 'high'] }, 4);
        assert.ok(ids.length > 0 && ids.length < 60);
        const info = await expectList({ severity: ['informational'] }, 4);
        assert.ok(info.length > 0);
      });

      it('filters by agencies', async function () {
        assert.equal((await expectList({ agencyIds: [fx.agencyIds[1]!] }, 6)).length, 20);
        assert.equal((await expectList({ agencyIds: [fx.agencyIds[0]!, fx.agencyIds[2]!] }, 6)).length, 40);
        assert.equal((await expectList({ agencyIds: [fx.agencyIds[3]!] }, 6)).length, 0);
      });

      it('filters by inclusive from/to bounds on lastSeen', async function () {
        const from = iso(T0 + 20 * DAY); // incidents 15..17 have exactly this lastSeen
        const to = iso(T0 + 40 * DAY); // incidents 30..32 have exactly this lastSeen
        assert.equal((await expectList({ from }, 8)).length, 45);
        assert.equal((await expectList({ to }, 8)).length, 33);
        assert.equal((await expectList({ from, to }, 8)).length, 18);
        assert.equal((await expectList({ from: iso(T0 + 20 * DAY + 1) }, 8)).length, 42);
        // Any ISO-8601 form is accepted: +01:00 is the same instant.
        assert.equal((await expectList({ from: '2025-01-26T09:00:00+01:00' }, 8)).length, 45);
      });

      it('matches an empty list filter to nothing', async function () {
        assert.equal((await s.incidents.list({ agencyIds: [] })).total, 0);
        assert.equal((await s.incidents.list({ severity: [] })).total, 0);
        assert.equal((await s.incidents.list({ status: [] })).total, 0);
      });

      it('searches q case-insensitively in title, host, ruleId and entities, with no wildcards', async function () {
        const count = async (q: string) => (await expectList({ q }, 9)).length;
        assert.ok((await count('MIMIKATZ')) > 0, 'title, any case');
        assert.equal(await count('mimikatz'), await count('Mimikatz'));
        assert.equal(await count('web_01'), 8, 'host with an underscore');
        assert.equal(await count('b_0'), 8, '_ is literal (webx01 must not match)');
        assert.equal(await count('db%02'), 8, '% in a host');
        assert.equal(await count('b%0'), 8, '% is literal (web_01 must not match)');
        assert.equal(await count('100%'), 6, '% in a title');
        assert.equal(await count('sigma-bruteforce'), 7, 'ruleId');
        assert.equal(await count('svc_backup'), 12, 'user entity');
        assert.equal(await count('svc_'), 12, '_ literal in users (svcxbackup must not match)');
        assert.equal(await count('carol'), 12, 'user entity, other case');
        assert.equal(await count('ROOT'), 15, 'user added by a joining alert');
        assert.equal(await count('jump01'), 15, 'host entity added by a joining alert');
        assert.equal(await count('192.168.7.7'), 15, 'ip entity');
        assert.equal(await count('2001:DB8::'), 6, 'IPv6, any case');
        assert.equal(await count('.*'), 0, 'regex metacharacters are literal');
        assert.equal(await count('no such thing'), 0);
      });

      it('combines every filter field, paging through the result', async function () {
        const filter: IncidentFilter = {
          agencyIds: [fx.agencyIds[0]!, fx.agencyIds[1]!],
          severity: ['medium', 'high', 'critical', 'low'],
          from: iso(T0 + 4 * DAY),
          to: iso(T0 + 70 * DAY),
          q: 'o',
        };
        if (support.setIncidentStatus) filter.status = ['new', 'triaged', 'investigating', 'contained', 'closed'];
        const ids = await expectList(filter, 3);
        assert.ok(ids.length > 3, `combined filter should keep several incidents, kept ${ids.length}`);
        assert.ok(ids.length < 40);
      });

      it('summarises counts per severity, status and agency for a filter', async function () {
        assert.deepEqual(await s.incidents.summary({}), referenceSummary(all(), {}));
        const filters: IncidentFilter[] = [
          { agencyIds: [fx.agencyIds[2]!] },
          { severity: ['high', 'critical'], from: iso(T0 + 10 * DAY) },
          { q: 'web' },
          { agencyIds: [fx.agencyIds[3]!] },
        ];
        if (support.setIncidentStatus) filters.push({ status: ['resolved', 'closed'] });
        for (const f of filters) assert.deepEqual(await s.incidents.summary(f), referenceSummary(all(), f));
        const none = await s.incidents.summary({ agencyIds: [fx.agencyIds[3]!] });
        assert.deepEqual(none, { total: 0, bySeverity: {}, byStatus: {}, byAgency: {} });
        const one = await s.incidents.summary({ agencyIds: [fx.agencyIds[2]!] });
        assert.equal(one.total, 20);
        assert.deepEqual(one.byAgency, { [fx.agencyIds[2]!]: 20 });
        assert.equal(
          Object.values(one.bySeverity).reduce((a, b) => a + b, 0),
          20,
        );
      });
    });

    describe('incident filters, pivots and alert counts over the assigned fixture', function () {
      let s: Storage;
      let fx: SeededFixture;
      let alerts: Alert[];
      const all = () => fx.incidents;

      before(async function () {
        this.timeout(60_000);
        s = await make();
        await s.connect();
        fx = await assignFixture(s, await seedIncidentFixture(s, support.setIncidentStatus));
        alerts = await alertsOf(s, fx.incidents);
      });
      after(async function () {
        await s?.close();
      });

      /** Every page (limit 7) against the reference, and the total; returns the number of incidents. */
      const count = async (filter: IncidentFilter) => {
        const expected = referenceFilter(all(), filter).map((i) => i.id);
        const walked = await walkPages(s, filter, 7);
        assert.deepEqual(walked.pages.flat().map((i) => i.id), expected, JSON.stringify(filter));
        for (const t of walked.totals) assert.equal(t, expected.length);
        assert.deepEqual(await s.incidents.summary(filter), referenceSummary(all(), filter), `summary ${JSON.stringify(filter)}`);
        return expected.length;
      };

      it('is assigned as FIXTURE_ASSIGNEES says', function () {
        assert.deepEqual(
          all().slice(0, 5).map((i) => i.assignee),
          [null, 'ana', 'ben', null, 'carol.x'],
        );
        assert.equal(all()[0]!.host, 'dc01');
        assert.deepEqual(all()[0]!.entities.hosts, ['Moved-Away']);
      });

      it('filters by category', async function () {
        assert.equal(await count({ categories: ['fraud'] }), 6);
        assert.equal(await count({ categories: ['intrusions', 'information-gathering'] }), 13);
        assert.equal(await count({ categories: ['malicious-code'] }), 27);
        assert.equal(await count({ categories: ['vulnerable'] }), 0);
        assert.equal(await count({ categories: [] }), 0, 'an empty list matches nothing');
      });

      it('filters by assignee, null standing for unassigned', async function () {
        assert.equal(await count({ assignees: ['ana'] }), 12);
        assert.equal(await count({ assignees: ['ana', 'carol.x'] }), 24);
        assert.equal(await count({ assignees: [null] }), 24);
        assert.equal(await count({ assignees: ['ben', null] }), 36);
        assert.equal(await count({ assignees: ['ana', 'ana', null, null] }), 36, 'duplicates change nothing');
        assert.equal(await count({ assignees: ['ANA'] }), 0, 'usernames are matched as stored');
        assert.equal(await count({ assignees: ['nobody'] }), 0);
        assert.equal(await count({ assignees: [] }), 0, 'an empty list matches nothing');
      });

      it('pivots on a host: exact, ignoring case, on the incident host or its host entities', async function () {
        assert.equal(await count({ host: 'ws-alice' }), 7);
        assert.equal(await count({ host: 'WS-ALICE' }), 7);
        assert.equal(await count({ host: 'dc01' }), 8, 'incident 0 by its host field alone');
        assert.equal(await count({ host: 'moved-away' }), 1, 'an entity only');
        assert.equal(await count({ host: 'JUMP01' }), 14, 'added by a joining alert');
        assert.equal(await count({ host: 'web_01' }), 8);
        assert.equal(await count({ host: 'web' }), 0, 'no substring');
        assert.equal(await count({ host: 'web%01' }), 0, 'no LIKE wildcards');
        assert.equal(await count({ host: 'web.01' }), 0, 'no regex');
        assert.equal(await count({ host: '$host' }), 0, 'no field path');
        assert.equal(await count({ host: '' }), 60, 'an empty pivot is ignored');
      });

      it('pivots on a user (ignoring case) and on an IP (exactly)', async function () {
        assert.equal(await count({ user: 'carol' }), 12);
        assert.equal(await count({ user: 'svc_backup' }), 12);
        assert.equal(await count({ user: 'SVC_BACKUP' }), 12);
        assert.equal(await count({ user: 'ROOT' }), 15);
        assert.equal(await count({ user: 'svc' }), 0);
        assert.equal(await count({ ip: '192.168.7.7' }), 15);
        assert.equal(await count({ ip: '10.1.1.1' }), 1);
        assert.equal(await count({ ip: '10.1.1' }), 0);
        assert.equal(await count({ ip: '2001:db8::9' }), 1);
        assert.equal(await count({ ip: '2001:DB8::9' }), 0, 'IPs compare exactly');
      });

      it('combines the new fields with every other one', async function () {
        const filter: IncidentFilter = {
          agencyIds: [fx.agencyIds[0]!, fx.agencyIds[1]!],
          categories: ['malicious-code', 'intrusion-attempts'],
          assignees: ['ana', 'ben', null],
          user: 'root',
          from: iso(T0),
          q: 'o',
        };
        if (support.setIncidentStatus) filter.status = ['new', 'triaged', 'investigating', 'contained', 'closed', 'resolved'];
        const n = await count(filter);
        assert.ok(n > 0 && n < 10, `kept ${n}`);
        assert.equal(await count({ ...filter, host: 'jump01' }), n - (referenceFilter(all(), filter).some((i) => i.id === all()[0]!.id) ? 1 : 0));
        assert.equal(await count({ ...filter, ip: '192.168.7.7' }), n);
        assert.equal(await count({ ...filter, agencyIds: [fx.agencyIds[3]!] }), 0);
      });

      it('counts alerts per rule since a time, most first, ties by rule id, per agency and limited', async function () {
        const queries: RuleAlertCountQuery[] = [
          { since: iso(T0 - DAY) },
          { since: iso(T0 - DAY), limit: 3 },
          { since: iso(T0 + 40 * DAY) },
          { since: '2025-02-15T10:00:00+02:00', agencyIds: [fx.agencyIds[1]!] },
          { since: iso(T0), agencyIds: [fx.agencyIds[0]!, fx.agencyIds[2]!], limit: 4 },
          { since: iso(T0), agencyIds: [fx.agencyIds[3]!] },
          { since: iso(T0), agencyIds: [] },
          { since: iso(T0 + 400 * DAY) },
          { since: iso(T0), limit: 0 },
        ];
        for (const q of queries) {
          assert.deepEqual(await s.incidents.alertCountsByRule(q), referenceRuleCounts(alerts, q), JSON.stringify(q));
        }
        const everything = await s.incidents.alertCountsByRule({ since: iso(T0 - DAY), limit: 100 });
        assert.equal(everything.length, 9);
        assert.equal(everything.reduce((n, r) => n + r.count, 0), 90, '45 single-alert incidents and 15 with three');
        assert.ok(everything.some((r, i) => i > 0 && r.count === everything[i - 1]!.count), 'the fixture has ties');
        assert.equal((await s.incidents.alertCountsByRule({ since: iso(T0 - DAY) })).length, 9, 'default limit 10');
        await rejectsWith(s.incidents.alertCountsByRule({ since: 'not a time' }), ValidationError, /since/);
      });
    });

    reportStoresContract(make);
  });
}

/*
 * Reports (core/storage/reports.port.ts): reports with their versions, attachments and deadline notifications.
 */

const REPORT_T0 = Date.parse('2026-03-02T08:00:00.000Z');
const rIso = (ms: number) => new Date(ms).toISOString();

function newReportInput(agencyId: string, over: Partial<NewReport> = {}): NewReport {
  const awarenessAt = over.awarenessAt ?? rIso(REPORT_T0);
  const deadlines = over.deadlines ?? computeDeadlines(awarenessAt, {}, DEFAULT_DEADLINE_POLICY);
  return {
    agencyId,
    reporter: 'mof-admin',
    reporterId: 'user-1',
    title: 'Phishing wave against payroll',
    category: 'fraud',
    type: 'phishing',
    description: 'Mails with a fake payroll portal.',
    awarenessAt,
    occurredAt: null,
    severity: 'medium',
    tlp: 'AMBER',
    impact: {
      systemsAffected: 1,
      usersAffected: 40,
      serviceDowntimeMinutes: 0,
      data: { confidentiality: true, integrity: false, availability: false },
      crossBorder: false,
      suspectedMalicious: true,
    },
    indicators: [{ type: 'domain', kind: 'domain', value: 'payro11.example', description: 'landing page' }],
    actionsTaken: '',
    incidentIds: [],
    status: 'draft',
    lastStage: null,
    deadlines,
    nextDueAt: nextDueAt(deadlines, over.status ?? 'draft'),
    submittedAt: null,
    acknowledgedAt: null,
    acknowledgedBy: null,
    closedAt: null,
    closedBy: null,
    createdAt: rIso(REPORT_T0 + MINUTE),
    updatedAt: rIso(REPORT_T0 + MINUTE),
    ...over,
  };
}

const REPORT_KEYS = [
  'acknowledgedAt', 'acknowledgedBy', 'actionsTaken', 'agencyId', 'awarenessAt', 'category', 'closedAt', 'closedBy',
  'createdAt', 'deadlines', 'description', 'id', 'impact', 'incidentIds', 'indicators', 'lastStage', 'nextDueAt',
  'occurredAt', 'reporter', 'reporterId', 'revision', 'severity', 'status', 'submittedAt', 'title', 'tlp', 'type',
  'updatedAt', 'version',
].sort();

function reportStoresContract(make: () => Promise<Storage>): void {
  describe('reports', function () {
    let s: Storage;
    let agencyId: string;
    let otherAgencyId: string;

    beforeEach(async function () {
      s = await make();
      await s.connect();
      agencyId = (await s.agencies.create({ name: 'Ministry of Finance', code: 'MOF' })).id;
      otherAgencyId = (await s.agencies.create({ name: 'Ministry of Health', code: 'MOH' })).id;
    });
    afterEach(async function () {
      await s?.close();
    });

    it('creates a plain record with a generated id, revision and version 0, times normalised, and gets it back equal', async function () {
      const input = newReportInput(agencyId, { awarenessAt: '2026-03-02T10:00:00+02:00', occurredAt: '2026-03-02T07:30:00.5Z' });
      const r = await s.reports.create(input);
      assert.deepEqual(sortedKeys(r), REPORT_KEYS);
      assert.equal(typeof r.id, 'string');
      assert.equal(r.revision, 0);
      assert.equal(r.version, 0);
      assert.equal(r.awarenessAt, '2026-03-02T08:00:00.000Z');
      assert.equal(r.occurredAt, '2026-03-02T07:30:00.500Z');
      assert.match(r.deadlines.notification.dueAt, ISO_RE);
      assert.deepEqual(r.impact, input.impact);
      assert.deepEqual(r.indicators, input.indicators);
      assert.deepEqual(await s.reports.get(r.id), r);
      assert.equal(await s.reports.get('no-such-report'), null);
      // The stored record shares nothing with the caller's objects.
      input.indicators.push({ type: 'ip', kind: 'ipv4', value: '1.1.1.1' });
      input.impact.usersAffected = 9999;
      assert.equal((await s.reports.get(r.id))!.indicators.length, 1);
      assert.equal((await s.reports.get(r.id))!.impact.usersAffected, 40);
    });

    it('refuses a report for an unknown agency with NotFoundError, and an unparseable time with ValidationError', async function () {
      await rejectsWith(s.reports.create(newReportInput('no-such-agency')), NotFoundError, /agency/);
      await rejectsWith(
        s.reports.create({ ...newReportInput(agencyId), awarenessAt: 'yesterday' }),
        ValidationError,
      );
      assert.equal((await s.reports.list({})).total, 0);
    });

    it('lists by agency, status, due time and text; empty lists match nothing', async function () {
      const a = await s.reports.create(newReportInput(agencyId, { title: 'Alpha 100% _done_' }));
      const b = await s.reports.create(newReportInput(agencyId, { title: 'Beta', status: 'submitted', description: 'DDoS on the PORTAL' }));
      const c = await s.reports.create(newReportInput(otherAgencyId, { title: 'Gamma', awarenessAt: rIso(REPORT_T0 + 10 * DAY) }));
      const d = await s.reports.create(newReportInput(otherAgencyId, { title: 'Delta', status: 'closed', nextDueAt: null }));
      const ids = async (f: ReportFilter) => (await s.reports.list(f)).items.map((r) => r.id).sort();
      assert.deepEqual(await ids({ agencyIds: [agencyId] }), [a.id, b.id].sort());
      assert.deepEqual(await ids({ status: ['submitted', 'closed'] }), [b.id, d.id].sort());
      assert.deepEqual(await ids({ agencyIds: [] }), []);
      assert.deepEqual(await ids({ status: [] }), []);
      // dueBefore: strictly earlier unmet deadline; a report with nothing due never matches.
      const aDue = a.nextDueAt!;
      assert.equal(aDue, rIso(REPORT_T0 + 24 * HOUR));
      assert.deepEqual(await ids({ dueBefore: aDue }), []);
      assert.deepEqual(await ids({ dueBefore: rIso(REPORT_T0 + 24 * HOUR + 1) }), [a.id, b.id].sort());
      assert.deepEqual(await ids({ dueBefore: rIso(REPORT_T0 + 365 * DAY) }), [a.id, b.id, c.id].sort());
      // q: case-insensitive substring of title or description, % and _ taken literally.
      assert.deepEqual(await ids({ q: 'ddos ON' }), [b.id]);
      assert.deepEqual(await ids({ q: '100% _D' }), [a.id]);
      assert.deepEqual(await ids({ q: '%' }), [a.id]);
      assert.deepEqual(await ids({ q: '_' }), [a.id]);
      assert.deepEqual(await ids({ q: 'gamma', agencyIds: [agencyId] }), []);
      assert.equal((await s.reports.list({ agencyIds: [otherAgencyId] })).total, 2);
    });

    it('orders by due time (late first, nothing due last) or by last update, and pages with limit and offset', async function () {
      const at = (n: number) => rIso(REPORT_T0 + n * MINUTE);
      const mk = (title: string, nextDue: string | null, updated: string) =>
        s.reports.create(newReportInput(agencyId, { title, nextDueAt: nextDue, updatedAt: updated, createdAt: updated }));
      const late = await mk('late', rIso(REPORT_T0 + HOUR), at(1));
      const later = await mk('later', rIso(REPORT_T0 + 2 * HOUR), at(5));
      const none1 = await mk('none-old', null, at(2));
      const none2 = await mk('none-new', null, at(9));
      const tie = await mk('tie', rIso(REPORT_T0 + HOUR), at(3));
      const due = await s.reports.list({}, { sort: 'due' });
      assert.deepEqual(due.items.map((r) => r.title), ['tie', 'late', 'later', 'none-new', 'none-old']);
      assert.equal(due.total, 5);
      const updated = await s.reports.list({}, { sort: 'updated' });
      assert.deepEqual(updated.items.map((r) => r.title), ['none-new', 'later', 'tie', 'none-old', 'late']);
      assert.deepEqual((await s.reports.list({})).items.map((r) => r.id), updated.items.map((r) => r.id), "'updated' is the default");
      const page = await s.reports.list({}, { sort: 'due', limit: 2, offset: 2 });
      assert.deepEqual(page.items.map((r) => r.title), ['later', 'none-new']);
      assert.equal(page.total, 5);
      assert.deepEqual(void [late, later, none1, none2, tie], undefined);
    });

    it('updates atomically: revision + 1, updatedAt never backwards, stale revisions refused without a change', async function () {
      const r = await s.reports.create(newReportInput(agencyId));
      const at = rIso(REPORT_T0 + HOUR);
      const res = await s.reports.update(r.id, { title: 'Renamed', severity: 'high', occurredAt: '2026-03-02T06:00:00+00:00' }, { at, expectedRevision: 0 });
      assert.equal(res.version, null);
      assert.equal(res.report.title, 'Renamed');
      assert.equal(res.report.severity, 'high');
      assert.equal(res.report.occurredAt, '2026-03-02T06:00:00.000Z');
      assert.equal(res.report.revision, 1);
      assert.equal(res.report.updatedAt, at);
      assert.deepEqual(await s.reports.get(r.id), res.report);
      const err = await s.reports.update(r.id, { title: 'Lost update' }, { at, expectedRevision: 0 }).catch((e: unknown) => e);
      assert.ok(err instanceof ConflictError);
      assert.equal((err.details as { reason: string }).reason, 'stale');
      assert.equal((await s.reports.get(r.id))!.title, 'Renamed');
      const earlier = await s.reports.update(r.id, { description: 'd2' }, { at: rIso(REPORT_T0) });
      assert.equal(earlier.report.updatedAt, at, 'an earlier write time does not move updatedAt back');
      assert.equal(earlier.report.revision, 2);
      await rejectsWith(s.reports.update('no-such-report', { title: 'x' }, { at }), NotFoundError);
      await rejectsWith(s.reports.update(r.id, { title: 'x' }, { at: 'not a time' }), ValidationError);
      await rejectsWith(s.reports.update(r.id, { occurredAt: 'not a time' }, { at }), ValidationError);
    });

    it('replaces nested values whole and moves the report in the due order with nextDueAt', async function () {
      const r = await s.reports.create(newReportInput(agencyId));
      const other = await s.reports.create(newReportInput(agencyId, { title: 'other', nextDueAt: rIso(REPORT_T0 + 2 * DAY) }));
      const submitted = rIso(REPORT_T0 + 2 * HOUR);
      const deadlines = computeDeadlines(r.awarenessAt, { earlyWarning: submitted, notification: submitted }, DEFAULT_DEADLINE_POLICY);
      const res = await s.reports.update(
        r.id,
        {
          deadlines,
          nextDueAt: nextDueAt(deadlines, 'submitted'),
          indicators: [],
          impact: { ...r.impact, data: { confidentiality: false, integrity: true, availability: true } },
        },
        { at: submitted },
      );
      assert.deepEqual(res.report.deadlines, deadlines);
      assert.deepEqual(res.report.indicators, []);
      assert.deepEqual(res.report.impact.data, { confidentiality: false, integrity: true, availability: true });
      assert.equal(res.report.nextDueAt, deadlines.final.dueAt);
      assert.deepEqual((await s.reports.list({}, { sort: 'due' })).items.map((x) => x.id), [other.id, r.id]);
      assert.deepEqual((await s.reports.list({ dueBefore: rIso(REPORT_T0 + 3 * DAY) })).items.map((x) => x.id), [other.id]);
    });

    it('appends a version with the content after the patch, numbered from 1, kept in order', async function () {
      const r = await s.reports.create(newReportInput(agencyId));
      const at1 = rIso(REPORT_T0 + HOUR);
      const one = await s.reports.update(r.id, { status: 'submitted', lastStage: 'early_warning', submittedAt: at1 }, { at: at1, version: { stage: 'early_warning', by: 'mof-admin' } });
      assert.equal(one.report.version, 1);
      assert.deepEqual(one.version, {
        reportId: r.id,
        version: 1,
        stage: 'early_warning',
        submittedAt: at1,
        submittedBy: 'mof-admin',
        content: contentOf(one.report),
      });
      await s.reports.update(r.id, { title: 'Edited after the early warning' }, { at: rIso(REPORT_T0 + 2 * HOUR) });
      const at2 = rIso(REPORT_T0 + 3 * HOUR);
      const two = await s.reports.update(r.id, { lastStage: 'notification' }, { at: at2, version: { stage: 'notification', by: 'mof-admin' }, expectedRevision: 2 });
      assert.equal(two.report.version, 2);
      assert.equal(two.version!.content.title, 'Edited after the early warning');
      const versions = await s.reports.versions(r.id);
      assert.deepEqual(versions.map((v) => [v.version, v.stage, v.content.title]), [
        [1, 'early_warning', 'Phishing wave against payroll'],
        [2, 'notification', 'Edited after the early warning'],
      ]);
      assert.deepEqual(await s.reports.getVersion(r.id, 1), one.version);
      assert.equal(await s.reports.getVersion(r.id, 3), null);
      assert.deepEqual(await s.reports.versions('no-such-report'), []);
      await rejectsWith(s.reports.getVersion(r.id, 0), ValidationError);
      // A stale write appends no version.
      await rejectsWith(s.reports.update(r.id, {}, { at: at2, expectedRevision: 1, version: { stage: 'progress', by: 'x' } }), ConflictError);
      assert.equal((await s.reports.versions(r.id)).length, 2);
      assert.equal((await s.reports.get(r.id))!.version, 2);
    });

    it('counts deadlines met on time, late, missed and pending per agency', async function () {
      const P = DEFAULT_DEADLINE_POLICY;
      const now = rIso(REPORT_T0 + 100 * HOUR);
      const mk = async (agency: string, awarenessMs: number, submitted: Partial<Record<'earlyWarning' | 'notification' | 'final', string>>) => {
        const deadlines = computeDeadlines(rIso(awarenessMs), submitted, P);
        return s.reports.create(newReportInput(agency, { awarenessAt: rIso(awarenessMs), deadlines, nextDueAt: nextDueAt(deadlines, 'submitted') }));
      };
      const records = [
        await mk(agencyId, REPORT_T0, { earlyWarning: rIso(REPORT_T0 + HOUR), notification: rIso(REPORT_T0 + 80 * HOUR) }),
        await mk(agencyId, REPORT_T0, {}),
        await mk(agencyId, REPORT_T0 + 90 * HOUR, {}),
        await mk(otherAgencyId, REPORT_T0, { earlyWarning: rIso(REPORT_T0 + 24 * HOUR) }),
      ];
      const stats = await s.reports.deadlineStats({ now });
      assert.deepEqual(stats, countDeadlines(records, now));
      const mof = stats.find((x) => x.agencyId === agencyId)!;
      assert.equal(mof.reports, 3);
      assert.deepEqual(mof.earlyWarning, { onTime: 1, late: 0, missed: 1, pending: 1 });
      assert.deepEqual(mof.notification, { onTime: 0, late: 1, missed: 1, pending: 1 });
      assert.deepEqual(mof.final, { onTime: 0, late: 0, missed: 0, pending: 3 });
      const moh = stats.find((x) => x.agencyId === otherAgencyId)!;
      assert.deepEqual(moh.earlyWarning, { onTime: 1, late: 0, missed: 0, pending: 0 }, 'exactly at the due time is on time');
      assert.deepEqual(await s.reports.deadlineStats({ now, agencyIds: [otherAgencyId] }), [moh]);
      assert.deepEqual(await s.reports.deadlineStats({ now, agencyIds: [] }), []);
      const windowed = await s.reports.deadlineStats({ now, from: rIso(REPORT_T0 + HOUR), to: rIso(REPORT_T0 + 100 * HOUR) });
      assert.deepEqual(windowed.map((x) => [x.agencyId, x.reports]), [[agencyId, 1]]);
      assert.equal(stats.map((x) => x.agencyId).join(), [agencyId, otherAgencyId].sort().join(), 'ordered by agency id');
    });

    it('keeps attachment metadata per report', async function () {
      const r = await s.reports.create(newReportInput(agencyId));
      const other = await s.reports.create(newReportInput(agencyId));
      const meta = { filename: 'mail.eml', contentType: 'message/rfc822', size: 1234, sha256: 'ab'.repeat(32), uploadedBy: 'mof-admin' };
      const a1 = await s.reportAttachments.create({ ...meta, reportId: r.id, uploadedAt: '2026-03-02T10:00:00+01:00' });
      const a2 = await s.reportAttachments.create({ ...meta, filename: 'second.txt', reportId: r.id, uploadedAt: rIso(REPORT_T0 + HOUR) });
      assert.deepEqual(sortedKeys(a1), ['contentType', 'filename', 'id', 'reportId', 'sha256', 'size', 'uploadedAt', 'uploadedBy']);
      assert.equal(a1.uploadedAt, rIso(REPORT_T0 + HOUR));
      assert.deepEqual(await s.reportAttachments.get(r.id, a1.id), a1);
      assert.equal(await s.reportAttachments.get(other.id, a1.id), null, 'only through its own report');
      assert.deepEqual(await s.reportAttachments.list(r.id), [a1, a2], 'oldest first, equal times in insertion order');
      assert.deepEqual(await s.reportAttachments.list(other.id), []);
      await rejectsWith(s.reportAttachments.create({ ...meta, reportId: 'no-such-report', uploadedAt: rIso(REPORT_T0) }), NotFoundError);
    });

    it('records a deadline notification once per report, deadline, level and due time', async function () {
      const r = await s.reports.create(newReportInput(agencyId));
      const r2 = await s.reports.create(newReportInput(otherAgencyId));
      const base = { reportId: r.id, agencyId, deadline: 'earlyWarning' as const, level: 'due_soon' as const, dueAt: r.deadlines.earlyWarning.dueAt };
      const first = await s.reportNotifications.record({ ...base, createdAt: rIso(REPORT_T0 + HOUR) });
      assert.equal(first.created, true);
      assert.deepEqual(sortedKeys(first.notification), ['agencyId', 'createdAt', 'deadline', 'dueAt', 'id', 'level', 'reportId']);
      const again = await s.reportNotifications.record({ ...base, createdAt: rIso(REPORT_T0 + 2 * HOUR) });
      assert.deepEqual(again, { notification: first.notification, created: false });
      const overdue = await s.reportNotifications.record({ ...base, level: 'overdue', createdAt: rIso(REPORT_T0 + 3 * HOUR) });
      assert.equal(overdue.created, true);
      const moved = await s.reportNotifications.record({ ...base, dueAt: rIso(REPORT_T0 + 5 * DAY), createdAt: rIso(REPORT_T0 + 3 * HOUR) });
      assert.equal(moved.created, true, 'a new due time is a new warning');
      const elsewhere = await s.reportNotifications.record({ ...base, reportId: r2.id, agencyId: otherAgencyId, createdAt: rIso(REPORT_T0 + 4 * HOUR) });
      await rejectsWith(s.reportNotifications.record({ ...base, reportId: 'no-such-report', createdAt: rIso(REPORT_T0) }), NotFoundError);
      const all = await s.reportNotifications.list({});
      assert.deepEqual(all.map((n) => n.id), [elsewhere.notification.id, moved.notification.id, overdue.notification.id, first.notification.id]);
      assert.deepEqual((await s.reportNotifications.list({ agencyIds: [agencyId] })).length, 3);
      assert.deepEqual(await s.reportNotifications.list({ agencyIds: [] }), []);
      assert.deepEqual((await s.reportNotifications.list({ reportId: r2.id })).map((n) => n.id), [elsewhere.notification.id]);
      assert.deepEqual((await s.reportNotifications.list({ since: rIso(REPORT_T0 + 3 * HOUR) })).length, 3);
      assert.deepEqual((await s.reportNotifications.list({}, { limit: 1 })).map((n) => n.id), [elsewhere.notification.id]);
    });
  });
}
