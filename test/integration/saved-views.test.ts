/**
 * Saved incident-list views over real HTTP against a real Vigil: per person, shared within the owner's scope
 * (the agency of an agency admin, or the national roles together), changed only by their owner or an admin.
 */
import assert from 'node:assert/strict';
import type { EmbeddedRedis } from '../../workers/redis-launcher.js';
import { PASSWORD, del, setUpWorld, type LifecycleWorld } from '../factories/lifecycle.js';
import { ApiClient, startTestRedis, startTestVigil } from '../support/harness.js';

type Vigil = Awaited<ReturnType<typeof startTestVigil>>;

interface View {
  id: string;
  name: string;
  query: string;
  shared: boolean;
  owner: string;
  createdAt: string;
  updatedAt: string;
}

const VIEW_KEYS = ['createdAt', 'id', 'name', 'owner', 'query', 'shared', 'updatedAt'];

describe('saved views over HTTP (real Vigil)', function () {
  this.timeout(60_000);
  let redis: EmbeddedRedis;
  let vigil: Vigil;
  let w: LifecycleWorld;
  /** A second agency admin of agency A. */
  let aAdmin2: ApiClient;

  before(async function () {
    redis = await startTestRedis();
    vigil = await startTestVigil({ REDIS_URL: redis.url });
    w = await setUpWorld(vigil.url);
    const made = await w.admin.post('/api/v1/users', { username: 'a-admin2', password: PASSWORD, role: 'agency_admin', agencyId: w.agencyA });
    assert.equal(made.status, 201);
    aAdmin2 = new ApiClient(vigil.url);
    await aAdmin2.login('a-admin2', PASSWORD);
  });
  after(async function () {
    await vigil?.close();
    await redis?.stop();
  });

  const create = async (c: ApiClient, body: unknown): Promise<View> => {
    const r = await c.post('/api/v1/views', body);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  };
  const names = async (c: ApiClient): Promise<string[]> => {
    const r = await c.get('/api/v1/views');
    assert.equal(r.status, 200);
    return (r.body.items as View[]).map((v) => `${v.owner}:${v.name}`);
  };
  const patchView = (c: ApiClient, id: string, body: unknown) => c.request('PATCH', `/api/v1/views/${id}`, body);

  it('creates a private view with a trimmed name, and lists it for its owner only', async function () {
    const v = await create(w.ana, { name: '  My open criticals ', query: 'status=new,triaged&severity=critical&assignee=me' });
    assert.deepEqual(Object.keys(v).sort(), VIEW_KEYS);
    assert.equal(v.name, 'My open criticals');
    assert.equal(v.owner, 'ana');
    assert.equal(v.shared, false);
    assert.equal(v.query, 'status=new,triaged&severity=critical&assignee=me');
    assert.equal(v.updatedAt, v.createdAt);
    assert.deepEqual((await w.ana.get('/api/v1/views')).body, { items: [v] });
    assert.deepEqual(await names(w.ben), []);
    assert.deepEqual(await names(w.admin), []);
    // The stored query is what the incident list takes.
    assert.equal((await w.ana.get(`/api/v1/incidents?${v.query}`)).status, 200);
  });

  it('refuses a second view of the same name (any case) with 409, but another person may use it', async function () {
    const dup = await w.ana.post('/api/v1/views', { name: 'MY OPEN CRITICALS', query: '' });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.code, 'conflict');
    assert.deepEqual(dup.body.details, { reason: 'duplicate_name' });
    assert.ok(dup.body.requestId);
    await create(w.ben, { name: 'My open criticals', query: 'severity=critical' });
  });

  it('validates name, query and shared at the edge with 400 and the issues', async function () {
    const bad = async (body: unknown, path?: (string | number)[]) => {
      const r = await w.ana.post('/api/v1/views', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.status} ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, 'validation_error');
      assert.ok(Array.isArray(r.body.details));
      if (path) assert.deepEqual(r.body.details[0].path, path);
    };
    await bad({ name: '   ', query: '' }, ['name']);
    await bad({ name: 'x'.repeat(81), query: '' }, ['name']);
    await bad({ name: 'q', query: '?status=new' }, ['query']);
    await bad({ name: 'q', query: `q=${'x'.repeat(999)}` }, ['query']);
    await bad({ name: 'q', query: 'status=open' }, ['query', 'status', 0]);
    await bad({ name: 'q', query: 'category=ransomware' }, ['query', 'category', 0]);
    await bad({ name: 'q', query: 'status=new&status=triaged' }, ['query', 'status']);
    await bad({ name: 'q', query: `host=${'h'.repeat(256)}` }, ['query', 'host']);
    await bad({ name: 'q', query: '', shared: 'yes' }, ['shared']);
    await bad({ name: 'q', query: '', owner: 'ben' });
    await bad({ name: 'q' }, ['query']);
    // Parameters the list does not know are kept (the console may add its own).
    const kept = await create(w.ana, { name: 'Sorted', query: 'status=new&sort=severity' });
    assert.equal(kept.query, 'status=new&sort=severity');
    assert.equal((await del(w.ana, `/api/v1/views/${kept.id}`)).status, 204);
  });

  it('shares a view with the national roles only, and an agency admin\'s with its own agency only', async function () {
    const team = await create(w.ana, { name: 'team queue', query: 'assignee=none&status=new', shared: true });
    assert.equal(team.shared, true);
    const agency = await create(w.aAdmin, { name: 'Agency A open', query: 'status=new,triaged', shared: true });
    await create(w.aAdmin, { name: 'A private', query: '' });
    await create(w.bAdmin, { name: 'Agency B open', query: 'status=new', shared: true });
    // By name ignoring case: "My open criticals" < "team queue".
    assert.deepEqual(await names(w.ana), ['ana:My open criticals', 'ana:team queue']);
    assert.deepEqual(await names(w.ben), ['ben:My open criticals', 'ana:team queue']);
    assert.deepEqual(await names(w.lead), ['ana:team queue']);
    assert.deepEqual(await names(w.admin), ['ana:team queue']);
    assert.deepEqual(await names(w.aAdmin), ['a-admin:A private', 'a-admin:Agency A open']);
    assert.deepEqual(await names(aAdmin2), ['a-admin:Agency A open']);
    assert.deepEqual(await names(w.bAdmin), ['b-admin:Agency B open']);
    // A national admin cannot see (and so cannot change) an agency's shared view.
    assert.equal((await patchView(w.admin, agency.id, { name: 'x' })).status, 404);
    assert.equal((await del(w.admin, `/api/v1/views/${agency.id}`)).status, 404);
    assert.equal((await patchView(w.bAdmin, agency.id, { name: 'x' })).status, 404);
    // Another admin of the same agency sees it but may not change it.
    assert.equal((await patchView(aAdmin2, agency.id, { name: 'x' })).status, 403);
  });

  it('lets the owner change a view, an admin change any view it can see, and others not at all', async function () {
    const mine = await create(w.ana, { name: 'Criticals this week', query: 'severity=critical', shared: true });
    const priv = await create(w.ana, { name: 'Private stuff', query: '' });
    const renamed = await patchView(w.ana, mine.id, { name: 'Criticals (week)', query: 'severity=critical,high' });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.deepEqual(Object.keys(renamed.body).sort(), VIEW_KEYS);
    assert.equal(renamed.body.name, 'Criticals (week)');
    assert.equal(renamed.body.query, 'severity=critical,high');
    assert.equal(renamed.body.shared, true);
    assert.equal(renamed.body.createdAt, mine.createdAt);
    assert.ok(renamed.body.updatedAt >= mine.updatedAt);

    const benTries = await patchView(w.ben, mine.id, { shared: false });
    assert.equal(benTries.status, 403);
    assert.equal(benTries.body.code, 'forbidden');
    assert.equal((await patchView(w.ben, priv.id, { shared: false })).status, 404, 'a private view of someone else is not found');
    assert.equal((await patchView(w.lead, mine.id, { name: 'mine now' })).status, 403);
    const byAdmin = await patchView(w.admin, mine.id, { shared: false });
    assert.equal(byAdmin.status, 200);
    assert.equal(byAdmin.body.owner, 'ana', 'an admin edit keeps the owner');
    assert.equal((await patchView(w.admin, mine.id, { shared: true })).status, 404, 'unshared, the admin no longer sees it');

    assert.equal((await patchView(w.ana, priv.id, { name: 'my open CRITICALS' })).status, 409);
    const empty = await patchView(w.ana, priv.id, {});
    assert.equal(empty.status, 400);
    assert.equal((await patchView(w.ana, priv.id, { query: 'severity=urgent' })).status, 400);
    assert.equal((await patchView(w.ana, 'no-such-view', { name: 'x' })).status, 404);
    assert.equal((await patchView(w.ana, priv.id, { name: 'PRIVATE STUFF' })).body.name, 'PRIVATE STUFF', 'its own name in another case');
  });

  it('deletes: owner or admin; 403 for a visible shared view of someone else, 404 when not visible', async function () {
    const shared = await create(w.ana, { name: 'To delete', query: '', shared: true });
    const priv = await create(w.ana, { name: 'To delete privately', query: '' });
    assert.equal((await del(w.ben, `/api/v1/views/${shared.id}`)).status, 403);
    assert.equal((await del(w.ben, `/api/v1/views/${priv.id}`)).status, 404);
    assert.equal((await del(w.aAdmin, `/api/v1/views/${shared.id}`)).status, 404);
    const byAdmin = await del(w.admin, `/api/v1/views/${shared.id}`);
    assert.equal(byAdmin.status, 204);
    assert.equal(byAdmin.body, null);
    assert.equal((await del(w.ana, `/api/v1/views/${priv.id}`)).status, 204);
    assert.equal((await del(w.ana, `/api/v1/views/${priv.id}`)).status, 404);
    assert.ok(!(await names(w.ana)).includes('ana:To delete'));
    // Every change is in the audit log.
    const audit = await w.admin.get('/api/v1/audit?targetType=view');
    const actions = (audit.body.items as { action: string; actor: string; target: string }[]).filter((e) => e.target === shared.id);
    assert.deepEqual(actions.map((e) => [e.action, e.actor]), [['view.deleted', 'admin'], ['view.created', 'ana']]);
  });

  it('caps each person at 50 views with a clear 409, and serves every role but the anonymous', async function () {
    for (let i = 0; i < 50; i++) await create(w.lead, { name: `lead view ${i}`, query: `q=${i}` });
    const over = await w.lead.post('/api/v1/views', { name: 'one too many', query: '' });
    assert.equal(over.status, 409);
    assert.deepEqual(over.body.details, { reason: 'limit', limit: 50 });
    assert.match(over.body.message, /at most 50/);
    assert.equal((await w.lead.get('/api/v1/views')).body.items.length, 50 + 1, 'its 50 and ana\'s shared one');
    await create(w.ben, { name: 'one too many', query: '' });
    for (const c of [w.admin, w.ana, w.aAdmin, w.lead]) assert.equal((await c.get('/api/v1/views')).status, 200);
    assert.equal((await w.anonymous.get('/api/v1/views')).status, 401);
    assert.equal((await w.anonymous.post('/api/v1/views', { name: 'x', query: '' })).status, 401);
  });
});
