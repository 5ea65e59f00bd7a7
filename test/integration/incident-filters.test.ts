/**
 * The incident list's category, assignee (`me`, `none`) and host / user / IP pivot filters, and the assignee picker
 * list, over real HTTP against a real Vigil (Redis, BullMQ workers, SQLite): incidents are made by agents posting
 * events that fire starter rules.
 */
import assert from 'node:assert/strict';
import type { Incident } from '../../core/domain/types.js';
import type { EmbeddedRedis } from '../../workers/redis-launcher.js';
import { makeIncident, patch, setUpWorld, type LifecycleWorld } from '../factories/lifecycle.js';
import { ApiClient, postEvents, shadowCopyDeletion, startTestRedis, startTestVigil, waitFor } from '../support/harness.js';

type Vigil = Awaited<ReturnType<typeof startTestVigil>>;

const TAG = `flt${process.pid}`;

/** A request that fires the starter SQL injection rule (intrusion-attempts), from one client IP. */
function sqlInjection(host: string, clientIp: string) {
  return {
    time: new Date().toISOString(),
    host,
    logsource: { category: 'webserver' },
    fields: { 'c-ip': clientIp, 'cs-method': 'GET', 'c-uri': '/login.php', 'c-uri-query': "id=1' or '1'='1", 'sc-status': 200 },
  };
}

describe('incident list filters and pivots over HTTP (real Vigil)', function () {
  this.timeout(60_000);
  let redis: EmbeddedRedis;
  let vigil: Vigil;
  let w: LifecycleWorld;
  /** Agency A: dc01 (assigned to ana), ws02 (assigned to ben), web (unassigned). Agency B: dc01 (unassigned). */
  let aDc: Incident;
  let aWs: Incident;
  let aWeb: Incident;
  let bDc: Incident;

  before(async function () {
    redis = await startTestRedis();
    vigil = await startTestVigil({ REDIS_URL: redis.url });
    w = await setUpWorld(vigil.url);
    aDc = await makeIncident(w, 'A', `${TAG}-DC01`);
    aWs = await makeIncident(w, 'A', `${TAG}-ws02`);
    // Same host name in agency B: found through B's admin (makeIncident's lookup could return A's incident).
    assert.equal((await postEvents(w.url, w.keyB, { events: [shadowCopyDeletion(`${TAG}-DC01`)] })).status, 202);
    bDc = await waitFor(
      async () => ((await w.bAdmin.get(`/api/v1/incidents?q=${TAG}-DC01`)).body.items as Incident[])[0] ?? null,
      15_000,
      'agency B incident',
    );
    const posted = await postEvents(w.url, w.keyA, { events: [sqlInjection(`${TAG}-web`, '203.0.113.77')] });
    assert.equal(posted.status, 202, JSON.stringify(posted.body));
    aWeb = await waitFor(
      async () => ((await w.admin.get(`/api/v1/incidents?q=${TAG}-web`)).body.items as Incident[])[0] ?? null,
      15_000,
      'the SQL injection incident',
    );
    assert.equal((await patch(w.ana, aDc.id, { assignee: 'ana' })).status, 200);
    assert.equal((await patch(w.ana, aWs.id, { assignee: 'BEN' })).status, 200);
  });
  after(async function () {
    await vigil?.close();
    await redis?.stop();
  });

  /** The ids (sorted) a client gets for a query, among this file's incidents (q=TAG); asserts 200 and the total. */
  const ids = async (c: ApiClient, query: string): Promise<string[]> => {
    const r = await c.get(`/api/v1/incidents?q=${TAG}&${query}`);
    assert.equal(r.status, 200, `${query}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.total, r.body.items.length);
    return (r.body.items as Incident[]).map((i) => i.id).sort();
  };
  const sorted = (...incidents: Incident[]) => incidents.map((i) => i.id).sort();

  it('made the incidents it filters: categories, hosts, users and IPs as the rules saw them', function () {
    assert.equal(aDc.category, 'malicious-code');
    assert.equal(aWeb.category, 'intrusion-attempts');
    assert.deepEqual(aWeb.entities.ips, ['203.0.113.77']);
    assert.ok(aDc.entities.users.includes('CORP\\svc-backup'), JSON.stringify(aDc.entities));
    assert.equal(aDc.agencyId, w.agencyA);
    assert.equal(bDc.agencyId, w.agencyB);
  });

  it('keeps the existing filters working', async function () {
    assert.deepEqual(await ids(w.admin, ''), sorted(aDc, aWs, aWeb, bDc));
    assert.deepEqual(await ids(w.admin, 'severity=critical'), sorted(aDc, aWs, bDc));
    assert.deepEqual(await ids(w.admin, `status=new&agencyId=${w.agencyB}`), sorted(bDc));
  });

  it('filters by ENISA category, validated like status', async function () {
    assert.deepEqual(await ids(w.admin, 'category=intrusion-attempts'), sorted(aWeb));
    assert.deepEqual(await ids(w.admin, 'category=malicious-code,intrusion-attempts'), sorted(aDc, aWs, aWeb, bDc));
    assert.deepEqual(await ids(w.admin, 'category=fraud'), []);
    const bad = await w.admin.get('/api/v1/incidents?category=malicious-code,ransomware');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'validation_error');
    assert.ok(bad.body.requestId);
    assert.deepEqual(bad.body.details[0].path, ['category', 1]);
  });

  it('filters by assignee: usernames in any case, `me` for the caller, `none` for unassigned', async function () {
    assert.deepEqual(await ids(w.ana, 'assignee=me'), sorted(aDc));
    assert.deepEqual(await ids(w.ben, 'assignee=me'), sorted(aWs));
    assert.deepEqual(await ids(w.ana, 'assignee=none'), sorted(aWeb, bDc));
    assert.deepEqual(await ids(w.ana, 'assignee=me,none'), sorted(aDc, aWeb, bDc));
    assert.deepEqual(await ids(w.ana, 'assignee=ME,None'), sorted(aDc, aWeb, bDc));
    assert.deepEqual(await ids(w.admin, 'assignee=ANA,ben'), sorted(aDc, aWs));
    assert.deepEqual(await ids(w.admin, 'assignee=me'), [], 'nothing is assigned to admin');
    assert.deepEqual(await ids(w.admin, 'assignee=nobody-here'), []);
    assert.deepEqual(await ids(w.lead, 'assignee=none&category=malicious-code'), sorted(bDc));
    const tooLong = await w.admin.get(`/api/v1/incidents?assignee=${'x'.repeat(65)}`);
    assert.equal(tooLong.status, 400);
    assert.equal((await w.admin.get('/api/v1/incidents?assignee=,')).status, 400, 'an empty list is refused');
  });

  it('pivots on a host (exact, any case) across agencies, on a user and on an IP', async function () {
    assert.deepEqual(await ids(w.admin, `host=${TAG}-dc01`), sorted(aDc, bDc));
    assert.deepEqual(await ids(w.admin, `host=${TAG.toUpperCase()}-DC01`), sorted(aDc, bDc));
    assert.deepEqual(await ids(w.admin, `host=${TAG}-dc0`), [], 'no prefix match');
    assert.deepEqual(await ids(w.admin, `user=${encodeURIComponent('corp\\SVC-BACKUP')}`), sorted(aDc, aWs, bDc));
    assert.deepEqual(await ids(w.admin, 'ip=203.0.113.77'), sorted(aWeb));
    assert.deepEqual(await ids(w.admin, 'ip=203.0.113.7'), [], 'IPs are exact');
    assert.deepEqual(await ids(w.admin, `host=${TAG}-dc01&assignee=none`), sorted(bDc));
    // Without q, straight from the console's "all incidents with this host" link.
    const direct = await w.ana.get(`/api/v1/incidents?host=${encodeURIComponent(`${TAG}-WS02`)}`);
    assert.deepEqual((direct.body.items as Incident[]).map((i) => i.id), [aWs.id]);
    assert.equal((await w.admin.get(`/api/v1/incidents?host=${'h'.repeat(256)}`)).status, 400);
    assert.equal((await w.admin.get('/api/v1/incidents?ip=')).status, 400);
  });

  it('keeps an agency admin to its own agency whatever the filters say', async function () {
    assert.deepEqual(await ids(w.aAdmin, `host=${TAG}-dc01`), sorted(aDc));
    assert.deepEqual(await ids(w.bAdmin, `host=${TAG}-dc01`), sorted(bDc));
    assert.deepEqual(await ids(w.aAdmin, 'assignee=ana,none'), sorted(aDc, aWeb));
    assert.deepEqual(await ids(w.bAdmin, 'assignee=ana,ben'), []);
    assert.deepEqual(await ids(w.bAdmin, 'ip=203.0.113.77'), []);
    assert.deepEqual(await ids(w.aAdmin, `category=malicious-code&agencyId=${w.agencyB}`), []);
    assert.deepEqual(await ids(w.bAdmin, `user=corp%5Csvc-backup&assignee=none`), sorted(bDc));
  });
});

describe('assignee list over HTTP (real Vigil)', function () {
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

  it('lists the active admins and analysts, by username, for admins and analysts only', async function () {
    const r = await w.ana.get('/api/v1/assignees');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, {
      items: [
        { username: 'admin', role: 'admin' },
        { username: 'ana', role: 'analyst' },
        { username: 'ben', role: 'analyst' },
      ],
    });
    assert.deepEqual((await w.admin.get('/api/v1/assignees')).body, r.body);
    const created = await w.admin.post('/api/v1/users', { username: 'Aaron', password: 'a-good-password', role: 'analyst' });
    assert.equal(created.status, 201);
    assert.deepEqual(
      (await w.ben.get('/api/v1/assignees')).body.items.map((u: { username: string }) => u.username),
      ['Aaron', 'admin', 'ana', 'ben'],
    );
    for (const c of [w.aAdmin, w.lead]) assert.equal((await c.get('/api/v1/assignees')).status, 403);
    assert.equal((await w.anonymous.get('/api/v1/assignees')).status, 401);
  });

  it('names exactly the people an incident may be assigned to', async function () {
    const inc = await makeIncident(w);
    for (const { username } of (await w.ana.get('/api/v1/assignees')).body.items as { username: string }[]) {
      assert.equal((await patch(w.ana, inc.id, { assignee: username })).status, 200, username);
    }
    assert.equal((await patch(w.ana, inc.id, { assignee: 'lead' })).status, 400, 'leadership is not in the list');
  });
});
