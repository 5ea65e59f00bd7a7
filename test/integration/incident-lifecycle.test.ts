/**
 * The incident lifecycle over real HTTP against a real Vigil (Redis, BullMQ, SQLite, Socket.io): transitions and
 * the 409 with the allowed list, field changes, comments, merge, links, bulk actions, the timeline, the audit log,
 * admin-defined statuses, optimistic concurrency and the live push to consoles.
 */
import assert from 'node:assert/strict';
import type { Incident, TimelineEntry } from '../../core/domain/types.js';
import type { EmbeddedRedis } from '../../workers/redis-launcher.js';
import { connectConsole, del, makeIncident, patch, setUpWorld, type LifecycleWorld } from '../factories/lifecycle.js';
import { startTestRedis, startTestVigil } from '../support/harness.js';

type Vigil = Awaited<ReturnType<typeof startTestVigil>>;

const OPEN_NEXT = ['triaged', 'investigating', 'contained', 'resolved', 'false_positive'];

describe('incident lifecycle over HTTP (real Vigil)', function () {
  this.timeout(60_000);
  let redis: EmbeddedRedis;
  let vigil: Vigil;
  let w: LifecycleWorld;

  before(async function () {
    redis = await startTestRedis();
    vigil = await startTestVigil({ REDIS_URL: redis.url });
    w = await setUpWorld(vigil.url);
  });
  after(async function () {
    await vigil?.close();
    await redis?.stop();
  });

  const timeline = async (id: string): Promise<TimelineEntry[]> => (await w.admin.get(`/api/v1/incidents/${id}/timeline`)).body.items;

  describe('status transitions', function () {
    it('walks the whole lifecycle, forward, reopen and close, bumping the revision each time', async function () {
      const inc = await makeIncident(w);
      assert.equal(inc.status, 'new');
      const steps: [string, string][] = [
        ['ana', 'triaged'],
        ['ana', 'investigating'],
        ['ben', 'contained'],
        ['ben', 'investigating'], // reopen from contained
        ['ana', 'contained'],
        ['ana', 'resolved'],
        ['ana', 'investigating'], // reopen from resolved
        ['ana', 'resolved'],
        ['ben', 'closed'],
        ['admin', 'investigating'], // only an admin reopens a closed incident
        ['ana', 'false_positive'],
        ['ana', 'closed'],
      ];
      for (const [i, [who, status]] of steps.entries()) {
        const r = await patch(w[who as 'ana'], inc.id, { status });
        assert.equal(r.status, 200, `${who} → ${status}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.status, status);
        assert.equal(r.body.revision, i + 1);
        assert.equal(r.body.id, inc.id);
      }
      const entries = (await timeline(inc.id)).filter((e) => e.action === 'status_changed');
      assert.deepEqual(
        entries.map((e) => [e.actor, e.details.from, e.details.to]),
        steps.map(([who, to], i) => [who, i === 0 ? 'new' : steps[i - 1]![1], to]),
      );
    });

    it('allows skipping forward, and any open status to become a false positive', async function () {
      const a = await makeIncident(w);
      assert.equal((await patch(w.ana, a.id, { status: 'resolved' })).body.status, 'resolved');
      const b = await makeIncident(w);
      await patch(w.ana, b.id, { status: 'contained' });
      assert.equal((await patch(w.ana, b.id, { status: 'false_positive' })).body.status, 'false_positive');
    });

    it('answers an illegal transition with 409 and the allowed next statuses', async function () {
      const inc = await makeIncident(w);
      const r = await patch(w.ana, inc.id, { status: 'closed' });
      assert.equal(r.status, 409);
      assert.equal(r.body.code, 'conflict');
      assert.match(r.body.message, /from new to closed/);
      assert.deepEqual(r.body.details, { allowed: OPEN_NEXT });
      assert.ok(r.body.requestId);
      await patch(w.ana, inc.id, { status: 'false_positive' });
      const back = await patch(w.ana, inc.id, { status: 'investigating' });
      assert.equal(back.status, 409);
      assert.deepEqual(back.body.details, { allowed: ['closed'] });
      await patch(w.ana, inc.id, { status: 'closed' });
      const reopen = await patch(w.ana, inc.id, { status: 'investigating' });
      assert.equal(reopen.status, 409, 'an analyst cannot reopen a closed incident');
      assert.match(reopen.body.message, /only an admin/);
      assert.deepEqual(reopen.body.details, { allowed: [] });
      const same = await patch(w.ana, inc.id, { status: 'closed' });
      assert.equal(same.status, 200, 'asking for the current status changes nothing');
      assert.equal(same.body.revision, 2);
      const unknown = await patch(w.ana, inc.id, { status: 'on_fire' });
      assert.equal(unknown.status, 400);
      const after = (await w.admin.get(`/api/v1/incidents/${inc.id}`)).body.incident;
      assert.equal(after.status, 'closed');
      assert.equal(after.revision, 2, 'refused changes wrote nothing');
    });
  });

  describe('fields', function () {
    it('assigns to an existing analyst, overrides severity, sets ENISA category and type, techniques and entities', async function () {
      const inc = await makeIncident(w);
      const r = await patch(w.ana, inc.id, {
        assignee: 'BEN',
        severity: 'low',
        category: 'intrusions',
        type: 'system-compromise',
        techniques: ['t1490', 'T1059.001', 'T1490'],
        entities: {
          hashes: ['D41D8CD98F00B204E9800998ECF8427E'],
          domains: ['Evil.Example.org'],
          ips: ['10.1.2.3', '2001:db8::1'],
        },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.assignee, 'ben', 'the stored username');
      assert.equal(r.body.severity, 'low');
      assert.equal(r.body.category, 'intrusions');
      assert.equal(r.body.type, 'system-compromise');
      assert.deepEqual(r.body.techniques, ['T1490', 'T1059.001']);
      assert.deepEqual(r.body.entities.hashes, ['d41d8cd98f00b204e9800998ecf8427e']);
      assert.deepEqual(r.body.entities.domains, ['evil.example.org']);
      assert.deepEqual(r.body.entities.ips, ['10.1.2.3', '2001:db8::1']);
      assert.deepEqual(r.body.entities.hosts, inc.entities.hosts, 'lists not given are kept');
      // A new category drops a type that is not one of its types.
      const moved = await patch(w.ana, inc.id, { category: 'fraud' });
      assert.equal(moved.body.type, undefined);
      assert.equal((await patch(w.ana, inc.id, { type: 'phishing' })).body.type, 'phishing');
      assert.equal((await patch(w.ana, inc.id, { assignee: null })).body.assignee, null);
    });

    it('rejects bad input with 400 and changes nothing', async function () {
      const inc = await makeIncident(w);
      const bad: unknown[] = [
        {},
        { assignee: 'nobody' },
        { assignee: 'lead' }, // leadership cannot be assigned incidents
        { severity: 'apocalyptic' },
        { category: 'not-enisa' },
        { type: 'phishing' }, // not a type of the incident's category
        { techniques: ['powershell'] },
        { entities: { hashes: ['xyz'] } },
        { entities: { ips: ['999.1.1.1'] } },
        { entities: { planets: ['mars'] } },
        { status: 'triaged', extra: true },
        { status: 'triaged', revision: -1 },
      ];
      for (const body of bad) {
        const r = await patch(w.ana, inc.id, body);
        assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.status} ${JSON.stringify(r.body)}`);
        assert.equal(r.body.code, 'validation_error');
      }
      assert.equal((await w.admin.get(`/api/v1/incidents/${inc.id}`)).body.incident.revision, undefined);
      assert.equal((await patch(w.ana, 'no-such-incident', { status: 'triaged' })).status, 404);
    });
  });

  describe('timeline and audit log', function () {
    it('records who, when and from → to for every change, in the timeline and the audit log', async function () {
      const inc = await makeIncident(w);
      const t0 = new Date().toISOString();
      await patch(w.ana, inc.id, { status: 'triaged', assignee: 'ana' });
      await patch(w.ben, inc.id, { severity: 'low' });
      await w.ben.post(`/api/v1/incidents/${inc.id}/comments`, { body: 'ransomware, isolate now' });
      const t1 = new Date().toISOString();
      const entries = await timeline(inc.id);
      assert.deepEqual(
        entries.map((e) => [e.action, e.actor, e.details.from, e.details.to]),
        [
          ['created', 'system', undefined, undefined],
          ['assigned', 'ana', null, 'ana'],
          ['status_changed', 'ana', 'new', 'triaged'],
          ['severity_changed', 'ben', inc.severity, 'low'],
          ['commented', 'ben', undefined, undefined],
        ],
      );
      for (const e of entries.slice(1)) {
        assert.ok(e.at >= t0 && e.at <= t1, `${e.at} within the test`);
        assert.equal(e.incidentId, inc.id);
      }
      assert.equal(entries[4]!.details.excerpt, 'ransomware, isolate now');

      const audit = await w.admin.get(`/api/v1/audit?target=${inc.id}`);
      assert.equal(audit.status, 200);
      assert.deepEqual(
        audit.body.items.map((a: { action: string; actor: string; target: string; targetType: string }) => [a.action, a.actor, a.target, a.targetType]),
        [
          ['incident.commented', 'ben', inc.id, 'incident'],
          ['incident.severity_changed', 'ben', inc.id, 'incident'],
          ['incident.status_changed', 'ana', inc.id, 'incident'],
          ['incident.assigned', 'ana', inc.id, 'incident'],
        ],
        'newest first',
      );
      assert.deepEqual(audit.body.items[2].details, { from: 'new', to: 'triaged', fromStage: 'new', toStage: 'triaged' });
      assert.equal((await w.admin.get('/api/v1/audit?actor=ben&action=incident.severity_changed')).body.items.length >= 1, true);
      assert.equal((await w.admin.get('/api/v1/audit?limit=1')).body.items.length, 1);
      assert.equal((await w.admin.get('/api/v1/audit?from=yesterday')).status, 400);
      for (const c of [w.ana, w.aAdmin, w.lead]) assert.equal((await c.get(`/api/v1/audit?target=${inc.id}`)).status, 403);
      assert.equal((await w.anonymous.get('/api/v1/audit')).status, 401);
    });
  });

  describe('comments', function () {
    it('lets analysts and the agency\'s own admin comment; lists them oldest first', async function () {
      const inc = await makeIncident(w, 'A');
      const a = await w.ana.post(`/api/v1/incidents/${inc.id}/comments`, { body: 'looking into it' });
      assert.equal(a.status, 201);
      assert.equal(a.body.author, 'ana');
      assert.equal(a.body.incidentId, inc.id);
      const b = await w.aAdmin.post(`/api/v1/incidents/${inc.id}/comments`, { body: 'our backup server, expected?' });
      assert.equal(b.status, 201);
      const list = await w.aAdmin.get(`/api/v1/incidents/${inc.id}/comments`);
      assert.equal(list.status, 200);
      assert.deepEqual(list.body.items, [a.body, b.body]);
      assert.deepEqual((await w.lead.get(`/api/v1/incidents/${inc.id}/comments`)).body.items.length, 2);
      assert.equal((await w.ana.post(`/api/v1/incidents/${inc.id}/comments`, { body: '   ' })).status, 400);
      assert.equal((await w.ana.post(`/api/v1/incidents/${inc.id}/comments`, {})).status, 400);
      assert.equal((await w.ana.post('/api/v1/incidents/nope/comments', { body: 'x' })).status, 404);
    });
  });

  describe('roles', function () {
    it('enforces analyst vs agency admin vs leadership vs another agency', async function () {
      const inc = await makeIncident(w, 'A');
      const other = await makeIncident(w, 'A');
      const id = inc.id;
      // Reads: everyone in scope; another agency's admin gets 404, like a missing incident.
      for (const c of [w.admin, w.ana, w.aAdmin, w.lead]) {
        assert.equal((await c.get(`/api/v1/incidents/${id}/timeline`)).status, 200);
        assert.equal((await c.get(`/api/v1/incidents/${id}/comments`)).status, 200);
        assert.equal((await c.get(`/api/v1/incidents/${id}/links`)).status, 200);
      }
      for (const url of [`/api/v1/incidents/${id}/timeline`, `/api/v1/incidents/${id}/comments`, `/api/v1/incidents/${id}/links`]) {
        const r = await w.bAdmin.get(url);
        assert.equal(r.status, 404, url);
        assert.equal(r.body.code, 'not_found');
      }
      assert.equal((await w.bAdmin.post(`/api/v1/incidents/${id}/comments`, { body: 'x' })).status, 404);
      // Changes: agency admins and leadership are refused whatever the incident.
      for (const c of [w.aAdmin, w.bAdmin, w.lead]) {
        assert.equal((await patch(c, id, { status: 'triaged' })).status, 403);
        assert.equal((await c.post(`/api/v1/incidents/${id}/merge`, { intoId: other.id })).status, 403);
        assert.equal((await c.post(`/api/v1/incidents/${id}/links`, { otherId: other.id })).status, 403);
        assert.equal((await del(c, `/api/v1/incidents/${id}/links/${other.id}`)).status, 403);
        assert.equal((await c.post('/api/v1/incidents/bulk', { ids: [id], action: 'false_positive' })).status, 403);
        assert.equal((await c.post('/api/v1/incident-statuses', { key: 'x_y', label: 'X', stage: 'new' })).status, 403);
      }
      assert.equal((await w.lead.post(`/api/v1/incidents/${id}/comments`, { body: 'x' })).status, 403);
      for (const r of [
        await patch(w.anonymous, id, { status: 'triaged' }),
        await w.anonymous.get(`/api/v1/incidents/${id}/timeline`),
        await w.anonymous.post(`/api/v1/incidents/${id}/comments`, { body: 'x' }),
      ]) {
        assert.equal(r.status, 401);
      }
      assert.equal((await w.admin.get(`/api/v1/incidents/${id}`)).body.incident.revision, undefined, 'nothing changed');
      assert.equal((await patch(w.ana, id, { status: 'triaged' })).status, 200);
      assert.equal((await patch(w.admin, id, { status: 'investigating' })).status, 200);
    });
  });

  describe('merge', function () {
    it('moves alerts and comments into the target, combines it, and closes the merged one with mergedInto', async function () {
      const target = await makeIncident(w, 'A');
      const source = await makeIncident(w, 'A');
      await patch(w.ana, source.id, { status: 'investigating', entities: { domains: ['c2.example'] } });
      const comment = (await w.ana.post(`/api/v1/incidents/${source.id}/comments`, { body: 'same actor as the other one' })).body;
      const r = await w.ben.post(`/api/v1/incidents/${source.id}/merge`, { intoId: target.id });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.source.status, 'closed');
      assert.equal(r.body.source.mergedInto, target.id);
      assert.equal(r.body.target.alertCount, target.alertCount + source.alertCount);
      assert.equal(r.body.target.eventCount, target.eventCount + source.eventCount);
      assert.deepEqual(r.body.target.entities.hosts, [...target.entities.hosts, ...source.entities.hosts]);
      assert.deepEqual(r.body.target.entities.domains, ['c2.example']);
      assert.equal(r.body.target.firstSeen, [target.firstSeen, source.firstSeen].sort()[0]);
      assert.equal(r.body.target.lastSeen, [target.lastSeen, source.lastSeen].sort()[1]);

      const detail = (await w.admin.get(`/api/v1/incidents/${target.id}`)).body;
      assert.equal(detail.alerts.length, 2, 'the source\'s alert now belongs to the target');
      assert.equal(detail.timeline.at(-1).action, 'merged_from');
      assert.deepEqual(detail.timeline.at(-1).details, { source: source.id, alerts: 1, events: 1 });
      const comments = (await w.ana.get(`/api/v1/incidents/${target.id}/comments`)).body.items;
      assert.deepEqual(comments, [{ ...comment, incidentId: target.id, mergedFrom: source.id }]);
      const sourceTimeline = await timeline(source.id);
      assert.deepEqual(sourceTimeline.at(-1)!.details, { into: target.id, from: 'investigating', to: 'closed' });
      assert.equal(sourceTimeline.at(-1)!.actor, 'ben');

      assert.equal((await w.ben.post(`/api/v1/incidents/${source.id}/merge`, { intoId: target.id })).status, 409, 'merged twice');
      const reopen = await patch(w.admin, source.id, { status: 'investigating' });
      assert.equal(reopen.status, 409, 'a merged incident stays closed');
      assert.deepEqual(reopen.body.details, { allowed: [] });
      assert.equal((await w.ben.post(`/api/v1/incidents/${target.id}/merge`, { intoId: target.id })).status, 400);
      assert.equal((await w.ben.post(`/api/v1/incidents/${target.id}/merge`, { intoId: 'nope' })).status, 404);
      assert.equal((await w.ben.post(`/api/v1/incidents/${target.id}/merge`, {})).status, 400);
      const foreign = await makeIncident(w, 'B');
      const cross = await w.ben.post(`/api/v1/incidents/${foreign.id}/merge`, { intoId: target.id });
      assert.equal(cross.status, 409);
      assert.match(cross.body.message, /different agencies/);
      const audit = (await w.admin.get(`/api/v1/audit?target=${source.id}&action=incident.merged_into`)).body.items;
      assert.equal(audit.length, 1);
      assert.equal(audit[0].details.into, target.id);
    });
  });

  describe('links', function () {
    it('links related incidents both ways, lists them within the reader\'s scope, and unlinks', async function () {
      const a = await makeIncident(w, 'A');
      const b = await makeIncident(w, 'A');
      const foreign = await makeIncident(w, 'B');
      const r = await w.ana.post(`/api/v1/incidents/${a.id}/links`, { otherId: b.id });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { changed: true, links: [b.id] });
      assert.deepEqual(await w.ana.post(`/api/v1/incidents/${b.id}/links`, { otherId: a.id }).then((x) => x.body), {
        changed: false,
        links: [a.id],
      });
      await w.ana.post(`/api/v1/incidents/${a.id}/links`, { otherId: foreign.id });
      const fromA = (await w.ana.get(`/api/v1/incidents/${a.id}/links`)).body.items.map((i: Incident) => i.id).sort();
      assert.deepEqual(fromA, [b.id, foreign.id].sort());
      assert.deepEqual((await w.ana.get(`/api/v1/incidents/${b.id}/links`)).body.items.map((i: Incident) => i.id), [a.id]);
      assert.deepEqual(
        (await w.aAdmin.get(`/api/v1/incidents/${a.id}/links`)).body.items.map((i: Incident) => i.id),
        [b.id],
        'another agency\'s linked incident is not shown to an agency admin',
      );
      assert.deepEqual((await timeline(b.id)).at(-1)!.details, { other: a.id });
      const removed = await del(w.ana, `/api/v1/incidents/${b.id}/links/${a.id}`);
      assert.deepEqual(removed.body, { changed: true, links: [] });
      assert.deepEqual((await w.ana.get(`/api/v1/incidents/${a.id}/links`)).body.items.map((i: Incident) => i.id), [foreign.id]);
      assert.equal((await w.ana.post(`/api/v1/incidents/${a.id}/links`, { otherId: a.id })).status, 400);
      assert.equal((await w.ana.post(`/api/v1/incidents/${a.id}/links`, { otherId: 'nope' })).status, 404);
    });
  });

  describe('bulk actions', function () {
    it('assigns, changes status and closes as false positive, with a result per item', async function () {
      const a = await makeIncident(w);
      const b = await makeIncident(w);
      const c = await makeIncident(w);
      await patch(w.ana, c.id, { status: 'resolved' });

      const assigned = await w.ana.post('/api/v1/incidents/bulk', { ids: [a.id, b.id, 'nope'], action: 'assign', assignee: 'ben' });
      assert.equal(assigned.status, 200);
      assert.deepEqual(assigned.body.results, [
        { id: a.id, ok: true },
        { id: b.id, ok: true },
        { id: 'nope', ok: false, error: 'incident not found', code: 'not_found' },
      ]);
      const moved = await w.ben.post('/api/v1/incidents/bulk', { ids: [a.id, b.id, c.id], action: 'status', status: 'triaged' });
      assert.deepEqual(
        moved.body.results.map((x: { id: string; ok: boolean; code?: string }) => [x.id, x.ok, x.code]),
        [
          [a.id, true, undefined],
          [b.id, true, undefined],
          [c.id, false, 'conflict'],
        ],
      );
      assert.match(moved.body.results[2].error, /from resolved to triaged/);
      const fp = await w.ben.post('/api/v1/incidents/bulk', { ids: [a.id, c.id], action: 'false_positive' });
      assert.deepEqual(fp.body.results.map((x: { ok: boolean }) => x.ok), [true, false]);
      for (const [id, status, assignee] of [
        [a.id, 'false_positive', 'ben'],
        [b.id, 'triaged', 'ben'],
        [c.id, 'resolved', null],
      ] as const) {
        const inc = (await w.admin.get(`/api/v1/incidents/${id}`)).body.incident;
        assert.deepEqual([inc.status, inc.assignee], [status, assignee]);
      }
      assert.equal((await w.ana.post('/api/v1/incidents/bulk', { ids: [a.id], action: 'assign' })).status, 400);
      assert.equal((await w.ana.post('/api/v1/incidents/bulk', { ids: [a.id], action: 'status' })).status, 400);
      assert.equal((await w.ana.post('/api/v1/incidents/bulk', { ids: [], action: 'false_positive' })).status, 400);
      assert.equal((await w.ana.post('/api/v1/incidents/bulk', { ids: [a.id], action: 'explode' })).status, 400);
    });
  });

  describe('admin-defined statuses', function () {
    it('lists built-in and admin-defined statuses; admins add them; incidents in them behave as their stage', async function () {
      const list = await w.lead.get('/api/v1/incident-statuses');
      assert.equal(list.status, 200);
      assert.deepEqual(
        list.body.items.map((s: { key: string }) => s.key),
        ['new', 'triaged', 'investigating', 'contained', 'resolved', 'false_positive', 'closed'],
      );
      assert.deepEqual(list.body.transitions.closed, [{ to: 'investigating', adminOnly: true }]);
      const created = await w.admin.post('/api/v1/incident-statuses', { key: 'awaiting_vendor', label: 'Awaiting vendor', stage: 'investigating' });
      assert.equal(created.status, 201);
      assert.deepEqual({ ...created.body, createdAt: 'x' }, {
        key: 'awaiting_vendor',
        label: 'Awaiting vendor',
        stage: 'investigating',
        createdBy: 'admin',
        createdAt: 'x',
      });
      assert.equal((await w.admin.post('/api/v1/incident-statuses', { key: 'awaiting_vendor', label: 'Again', stage: 'new' })).status, 409);
      assert.equal((await w.admin.post('/api/v1/incident-statuses', { key: 'triaged', label: 'Triaged', stage: 'triaged' })).status, 409);
      assert.equal((await w.admin.post('/api/v1/incident-statuses', { key: 'Bad Key', label: 'x', stage: 'new' })).status, 400);
      assert.equal((await w.admin.post('/api/v1/incident-statuses', { key: 'good_key', label: 'x', stage: 'pending' })).status, 400);
      assert.equal((await w.ana.post('/api/v1/incident-statuses', { key: 'by_analyst', label: 'x', stage: 'new' })).status, 403);
      const after = (await w.ana.get('/api/v1/incident-statuses')).body.items;
      assert.deepEqual(after.at(-1), { ...created.body, builtIn: false });
      const audit = (await w.admin.get('/api/v1/audit?target=awaiting_vendor')).body.items;
      assert.equal(audit[0].action, 'status_definition.created');

      const inc = await makeIncident(w);
      const illegal = await patch(w.ana, inc.id, { status: 'closed' });
      assert.deepEqual(illegal.body.details, { allowed: [...OPEN_NEXT, 'awaiting_vendor'] });
      const r = await patch(w.ana, inc.id, { status: 'awaiting_vendor' });
      assert.equal(r.status, 200);
      assert.equal(r.body.status, 'investigating', 'the stage, for every filter and count');
      assert.equal(r.body.customStatus, 'awaiting_vendor');
      const page = await w.ana.get(`/api/v1/incidents?status=investigating&q=${encodeURIComponent(inc.host!)}`);
      assert.equal(page.body.total, 1);
      const next = await patch(w.ana, inc.id, { status: 'new' });
      assert.equal(next.status, 409);
      assert.deepEqual(next.body.details, { allowed: ['investigating', 'contained', 'resolved', 'false_positive'] });
      const contained = await patch(w.ana, inc.id, { status: 'contained' });
      assert.equal(contained.body.status, 'contained');
      assert.equal(contained.body.customStatus, undefined);
      const entries = (await timeline(inc.id)).filter((e) => e.action === 'status_changed');
      assert.deepEqual(
        entries.map((e) => e.details),
        [
          { from: 'new', to: 'awaiting_vendor', fromStage: 'new', toStage: 'investigating' },
          { from: 'awaiting_vendor', to: 'contained', fromStage: 'investigating', toStage: 'contained' },
        ],
      );
    });
  });

  describe('concurrency', function () {
    it('lets one of two analysts acting on the same revision win; the other gets 409 stale', async function () {
      const inc = await makeIncident(w);
      const [a, b] = await Promise.all([
        patch(w.ana, inc.id, { status: 'triaged', assignee: 'ana', revision: 0 }),
        patch(w.ben, inc.id, { status: 'investigating', assignee: 'ben', revision: 0 }),
      ]);
      assert.deepEqual([a.status, b.status].sort(), [200, 409]);
      const loser = a.status === 409 ? a : b;
      assert.equal(loser.body.details.reason, 'stale');
      assert.equal(loser.body.details.revision, 1);
      const winner = a.status === 200 ? a : b;
      const now = (await w.admin.get(`/api/v1/incidents/${inc.id}`)).body.incident;
      assert.deepEqual(now, winner.body);

      const staleFirst = await patch(w.ana, inc.id, { status: 'new', revision: 0 });
      assert.equal(staleFirst.status, 409);
      assert.equal(staleFirst.body.details.reason, 'stale', 'a stale caller hears so before any judgement of the change');
      const stale = await patch(w.ana, inc.id, { severity: 'low', ifUnmodifiedSince: inc.updatedAt });
      assert.equal(stale.status, 409, 'changed after the time the caller saw');
      const fresh = await patch(w.ana, inc.id, { severity: 'low', ifUnmodifiedSince: now.updatedAt, revision: now.revision });
      assert.equal(fresh.status, 200);
      // Without a revision, a change is checked against the incident as it is now and applied.
      const results = await Promise.all([patch(w.ana, inc.id, { assignee: 'ana' }), patch(w.ben, inc.id, { severity: 'medium' })]);
      assert.deepEqual(results.map((r) => r.status), [200, 200]);
      const final = (await w.admin.get(`/api/v1/incidents/${inc.id}`)).body.incident;
      assert.deepEqual([final.assignee, final.severity], ['ana', 'medium']);
    });
  });

  describe('live updates', function () {
    it('pushes incident:updated to a console socket after a PATCH, and not to another agency\'s admin', async function () {
      const inc = await makeIncident(w, 'A');
      const analyst = await connectConsole(w.url, w.ana.cookie);
      const otherAgency = await connectConsole(w.url, w.bAdmin.cookie);
      const ownAgency = await connectConsole(w.url, w.aAdmin.cookie);
      try {
        let leaked = false;
        otherAgency.on('incident:updated', (i: Incident) => {
          if (i.id === inc.id) leaked = true;
        });
        const waitFor = (s: typeof analyst) =>
          new Promise<Incident>((resolve) => {
            const on = (i: Incident) => {
              if (i.id !== inc.id) return;
              s.off('incident:updated', on);
              resolve(i);
            };
            s.on('incident:updated', on);
          });
        const seenByAnalyst = waitFor(analyst);
        const seenByOwnAgency = waitFor(ownAgency);
        const r = await patch(w.ben, inc.id, { status: 'triaged', assignee: 'ben' });
        assert.equal(r.status, 200);
        const pushed = await seenByAnalyst;
        assert.equal(pushed.status, 'triaged');
        assert.equal(pushed.assignee, 'ben');
        assert.equal(pushed.revision, 1);
        assert.equal((await seenByOwnAgency).status, 'triaged');
        const commented = waitFor(analyst);
        await w.aAdmin.post(`/api/v1/incidents/${inc.id}/comments`, { body: 'thanks' });
        assert.equal((await commented).id, inc.id, 'a comment is pushed too');
        await new Promise((res) => setTimeout(res, 200));
        assert.equal(leaked, false);
      } finally {
        analyst.close();
        otherAgency.close();
        ownAgency.close();
      }
    });
  });
});
