import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createStorage } from '../../core/storage/create-storage.js';
import { INCIDENT_COLUMNS, incidentValues, insertSql } from '../../core/storage/sqlite/incident-rows.js';
import { createSqliteStorage } from '../../core/storage/sqlite/index.js';
import { MIGRATIONS, migrate } from '../../core/storage/sqlite/migrations.js';
import { sqliteConnectionOf } from '../../core/storage/sqlite/registry.js';
import { setIncidentStatus, sqliteFileOf, sqlitePragma } from '../../core/storage/sqlite/test-support.js';
import type { Storage } from '../../core/storage/storage.port.js';
import { MINUTE, T0, alertInput, iso } from '../factories/incidents.js';
import { runStorageContract } from './storage.contract.js';

const tempDirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-sqlite-'));
  tempDirs.push(dir);
  return dir;
};

after(function () {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

runStorageContract('sqlite', async () => createSqliteStorage({ file: path.join(tempDir(), 'vigil.sqlite') }), {
  setIncidentStatus,
});

describe('sqlite storage specifics', function () {
  let s: Storage;
  let file: string;

  beforeEach(async function () {
    file = path.join(tempDir(), 'vigil.sqlite');
    s = createSqliteStorage({ file });
    await s.connect();
  });
  afterEach(async function () {
    await s.close();
  });

  it('opens the file in WAL mode with synchronous=NORMAL, foreign keys on and a busy timeout', async function () {
    assert.equal(sqliteFileOf(s), file);
    assert.equal(sqlitePragma(s, 'journal_mode'), 'wal');
    assert.equal(sqlitePragma(s, 'synchronous'), 1, 'NORMAL');
    assert.equal(sqlitePragma(s, 'foreign_keys'), 1);
    assert.equal(sqlitePragma(s, 'busy_timeout'), 5000);
    await s.agencies.create({ name: 'A', code: 'A' });
    assert.ok(existsSync(`${file}-wal`), 'a -wal file exists while open');
    // WAL is a property of the file: a second, independent connection sees it too.
    const other = new Database(file, { readonly: true });
    try {
      assert.equal(other.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal((other.prepare('SELECT COUNT(*) AS n FROM agencies').get() as { n: number }).n, 1);
    } finally {
      other.close();
    }
  });

  it('records its schema version once and does not re-run migrations on reopen', async function () {
    await s.close();
    await s.connect();
    const s2 = createSqliteStorage({ file });
    await s2.connect();
    await s2.close();
    const db = new Database(file, { readonly: true });
    try {
      const rows = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
      // Every migration once, in order (others append theirs after these two).
      assert.deepEqual(
        rows,
        [...MIGRATIONS].sort((a, b) => a.version - b.version).map((m) => ({ version: m.version, name: m.name })),
      );
      assert.deepEqual(rows.slice(0, 2), [
        { version: 1, name: 'initial schema' },
        { version: 2, name: 'incident lifecycle' },
      ]);
      const indexes = (
        db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'").all() as {
          name: string;
        }[]
      )
        .map((r) => r.name)
        .sort();
      const expectedIndexes = [
        'agencies_code',
        'agents_agency',
        'agents_key_prefix',
        'alerts_incident',
        'audit_log_at',
        'audit_log_target',
        'detection_exceptions_created',
        'incident_comments_incident',
        'incident_links_b',
        'incident_timeline_incident',
        'incidents_agency',
        'incidents_created',
        'incidents_group',
        'incidents_last_seen',
        'users_username_key',
      ];
      // Indexes of later migrations may be there too.
      for (const name of expectedIndexes) assert.ok(indexes.includes(name), `missing index ${name}`);
    } finally {
      db.close();
    }
  });

  it('keeps every record across close and reopen by a new storage on the same file', async function () {
    const agency = await s.agencies.create({ name: 'Ministry of Finance', code: 'MOF' });
    const agent = await s.agents.create({ agencyId: agency.id, name: 'dc01', keyPrefix: 'vk_1', keyHash: 'h' });
    await s.agents.touch(agent.id, iso(T0));
    const user = await s.users.create({ username: 'Alice', passwordHash: 'p', role: 'analyst', agencyId: agency.id });
    const first = await s.incidents.recordAlert(alertInput({ agencyId: agency.id, groupKey: 'g', firstEventAt: iso(T0) }));
    const joined = await s.incidents.recordAlert(
      alertInput({ agencyId: agency.id, groupKey: 'g', firstEventAt: iso(T0 + MINUTE), level: 'critical' }),
    );
    const note = await s.incidents.addTimeline({
      incidentId: first.incident.id,
      at: iso(T0 + 2 * MINUTE),
      actor: 'user:alice',
      action: 'commented',
      details: { text: 'hi' },
    });
    await s.close();

    const reopened = createSqliteStorage({ file });
    await reopened.connect();
    try {
      assert.deepEqual(await reopened.agencies.list(), [agency]);
      assert.deepEqual(await reopened.agents.get(agent.id), { ...agent, lastSeenAt: iso(T0) });
      assert.deepEqual(await reopened.users.findByUsername('alice'), user);
      assert.deepEqual(await reopened.incidents.get(first.incident.id), joined.incident);
      assert.equal(joined.incident.severity, 'critical');
      assert.deepEqual(await reopened.incidents.alerts(first.incident.id), [first.alert, joined.alert]);
      assert.deepEqual((await reopened.incidents.timeline(first.incident.id)).map((e) => e.action), [
        'created',
        'commented',
      ]);
      assert.deepEqual((await reopened.incidents.timeline(first.incident.id))[1], note);
      // The old alert id is still known after reopening.
      const dup = await reopened.incidents.recordAlert(alertInput({ agencyId: agency.id, alertId: first.alert.id }));
      assert.equal(dup.duplicate, true);
      assert.deepEqual(dup.incident, joined.incident);
    } finally {
      await reopened.close();
    }
    await s.connect(); // for afterEach
  });

  it('rolls recordAlert back whole when any step fails', async function () {
    const agency = await s.agencies.create({ name: 'A', code: 'A' });
    const ok = await s.incidents.recordAlert(alertInput({ agencyId: agency.id, groupKey: 'g', firstEventAt: iso(T0) }));
    // A BigInt in an event cannot be serialised: the alert insert, the last step, throws.
    const bad = alertInput({ agencyId: agency.id, groupKey: 'g', firstEventAt: iso(T0 + MINUTE), eventCount: 50 });
    (bad.events[0]!.fields as Record<string, unknown>).big = 1n;
    await assert.rejects(s.incidents.recordAlert(bad), /BigInt/);
    assert.deepEqual(await s.incidents.get(ok.incident.id), ok.incident, 'the join was rolled back');
    const badNew = alertInput({ agencyId: agency.id, groupKey: 'other', firstEventAt: iso(T0) });
    (badNew.events[0]!.fields as Record<string, unknown>).big = 1n;
    await assert.rejects(s.incidents.recordAlert(badNew), /BigInt/);
    assert.equal((await s.incidents.list({})).total, 1, 'the new incident was rolled back');
    // And the failed alert ids were not kept: recording them properly works.
    (bad.events[0]!.fields as Record<string, unknown>).big = 1;
    const retried = await s.incidents.recordAlert(bad);
    assert.equal(retried.duplicate, false);
    assert.equal(retried.incident.eventCount, ok.incident.eventCount + 50);
  });

  it('upgrades a version-1 file: old incidents read back unchanged and take lifecycle changes', async function () {
    const oldFile = path.join(tempDir(), 'v1.sqlite');
    const agencyId = 'agency-1';
    const incident = {
      id: 'inc-old',
      title: 'Old',
      severity: 'high' as const,
      category: 'malicious-code',
      agencyId,
      status: 'triaged' as const,
      assignee: null,
      groupKey: 'g-old',
      ruleId: 'r',
      ruleIds: ['r'],
      host: 'h',
      techniques: ['T1059'],
      entities: { hosts: ['h'], users: ['u'], ips: [] },
      alertCount: 1,
      eventCount: 1,
      firstSeen: iso(T0),
      lastSeen: iso(T0),
      createdAt: iso(T0),
      updatedAt: iso(T0),
    };
    const raw = new Database(oldFile);
    try {
      migrate(raw, MIGRATIONS.filter((m) => m.version === 1));
      raw.prepare(insertSql('incidents', INCIDENT_COLUMNS)).run(...incidentValues(incident));
    } finally {
      raw.close();
    }
    const upgraded = createSqliteStorage({ file: oldFile });
    await upgraded.connect();
    try {
      assert.deepEqual(await upgraded.incidents.get('inc-old'), incident);
      const res = await upgraded.incidents.update('inc-old', { status: 'investigating', entities: { hashes: ['ab'] } }, { actor: 'a', at: iso(T0 + MINUTE), expectedRevision: 0 });
      assert.equal(res.incident.revision, 1);
      assert.deepEqual(res.incident.entities, { hosts: ['h'], users: ['u'], ips: [], hashes: ['ab'] });
    } finally {
      await upgraded.close();
    }
  });

  it('rolls a merge back whole when any step fails', async function () {
    const agency = await s.agencies.create({ name: 'A', code: 'A' });
    const target = await s.incidents.recordAlert(alertInput({ agencyId: agency.id, groupKey: 't' }));
    const source = await s.incidents.recordAlert(alertInput({ agencyId: agency.id, groupKey: 's' }));
    await s.comments.add({ incidentId: source.incident.id, author: 'a', body: 'c', at: iso(T0) });
    // The last write of a merge closes the source: make it fail.
    sqliteConnectionOf(s).db.exec(
      `CREATE TEMP TRIGGER no_merge BEFORE UPDATE OF merged_into ON incidents BEGIN SELECT RAISE(ABORT, 'merge refused by test'); END`,
    );
    await assert.rejects(s.incidents.merge(source.incident.id, target.incident.id, { actor: 'a', at: iso(T0 + MINUTE) }), /refused by test/);
    assert.deepEqual(await s.incidents.get(target.incident.id), target.incident);
    assert.deepEqual(await s.incidents.get(source.incident.id), source.incident);
    assert.deepEqual((await s.incidents.alerts(source.incident.id)).map((a) => a.id), [source.alert.id]);
    assert.equal((await s.comments.list(source.incident.id)).length, 1);
    assert.equal((await s.incidents.timeline(target.incident.id)).length, 1);
    sqliteConnectionOf(s).db.exec('DROP TRIGGER no_merge');
    const ok = await s.incidents.merge(source.incident.id, target.incident.id, { actor: 'a', at: iso(T0 + MINUTE) });
    assert.equal(ok.target.alertCount, 2);
  });

  it('throws a clear error when used before connect', async function () {
    const fresh = createSqliteStorage({ file: path.join(tempDir(), 'x.sqlite') });
    await assert.rejects(fresh.agencies.list(), /not connected/);
    assert.equal(await fresh.ping(), false);
  });
});

describe('createStorage', function () {
  it('creates <dataDir>/vigil.sqlite (making the directory) when no MongoDB URI is set', async function () {
    const dataDir = path.join(tempDir(), 'nested', 'data');
    const s = createStorage({ dataDir, mongodbUri: null });
    assert.equal(s.kind, 'sqlite');
    assert.ok(existsSync(dataDir));
    await s.connect();
    try {
      assert.equal(sqliteFileOf(s), path.join(dataDir, 'vigil.sqlite'));
      assert.ok(existsSync(path.join(dataDir, 'vigil.sqlite')));
      assert.equal(await s.ping(), true);
    } finally {
      await s.close();
    }
    assert.equal(createStorage({ dataDir }).kind, 'sqlite');
  });

  it('selects MongoDB when a URI is set (without connecting)', function () {
    const dataDir = path.join(tempDir(), 'unused');
    const s = createStorage({ dataDir, mongodbUri: 'mongodb://127.0.0.1:1/vigil' });
    assert.equal(s.kind, 'mongo');
    assert.equal(existsSync(dataDir), false, 'no SQLite directory for Mongo');
  });
});
