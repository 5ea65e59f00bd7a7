/**
 * The storage contract: every adapter of core/storage/storage.port.ts passes this suite unchanged.
 * Each adapter's *.test.ts file calls runStorageContract with a factory for a fresh, empty, unconnected Storage.
 */
import assert from 'node:assert/strict';
import { OPEN_STATUSES, type Incident, type IncidentStatus } from '../../core/domain/types.js';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors/app-error.js';
import type { IncidentFilter, Storage } from '../../core/storage/storage.port.js';
import {
  DAY,
  FIXTURE_INCIDENT_COUNT,
  HOUR,
  MINUTE,
  T0,
  alertInput,
  byListOrder,
  iso,
  referenceFilter,
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
  });
}
