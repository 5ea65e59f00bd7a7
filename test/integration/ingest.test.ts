import assert from 'node:assert/strict';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { Incident } from '../../core/domain/types.js';
import type { EmbeddedRedis } from '../../workers/redis-launcher.js';
import {
  ApiClient,
  benignProcess,
  postEvents,
  provisionAgent,
  shadowCopyDeletion,
  startTestRedis,
  startTestVigil,
  waitFor,
} from '../support/harness.js';

type Vigil = Awaited<ReturnType<typeof startTestVigil>>;

function connectConsole(url: string, cookie: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = ioClient(`${url}/console`, { extraHeaders: { cookie }, transports: ['websocket'], reconnection: false });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => reject(err));
  });
}

describe('ingest → queue → rules → incident → console (real Redis, BullMQ, SQLite, HTTP, Socket.io)', function () {
  this.timeout(30_000);
  let redis: EmbeddedRedis;
  let vigil: Vigil;
  let key: string;
  let agencyId: string;
  let admin: ApiClient;

  before(async () => {
    redis = await startTestRedis();
    vigil = await startTestVigil({ REDIS_URL: redis.url, INGEST_MAX_EVENTS: '50', INGEST_MAX_BYTES: '200000' });
    ({ key, agencyId, admin } = await provisionAgent(vigil.url));
  });
  after(async () => {
    await vigil?.close();
    await redis?.stop();
  });

  it('reports health of Redis and storage', async () => {
    const r = await new ApiClient(vigil.url).get('/api/v1/health');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { status: 'ok', redis: true, storage: true });
  });

  it('stores an incident and pushes incident:new, then incident:updated for the same rule and host', async () => {
    const socket = await connectConsole(vigil.url, admin.cookie);
    try {
      const created = new Promise<Incident>((resolve) => socket.once('incident:new', resolve));
      const r = await postEvents(vigil.url, key, { batchId: 'first', events: [shadowCopyDeletion('WS-001'), benignProcess('WS-001')] });
      assert.equal(r.status, 202);
      assert.deepEqual(r.body.rejected, []);
      assert.equal(r.body.accepted, 2);
      const incident = await created;
      assert.equal(incident.host, 'WS-001');
      assert.equal(incident.agencyId, agencyId);
      assert.equal(incident.eventCount, 1);
      assert.equal(incident.status, 'new');

      const updated = new Promise<Incident>((resolve) => socket.once('incident:updated', resolve));
      await postEvents(vigil.url, key, { batchId: 'second', events: [shadowCopyDeletion('WS-001'), shadowCopyDeletion('WS-001')] });
      const after = await updated;
      assert.equal(after.id, incident.id);
      assert.equal(after.eventCount, 3);
      assert.equal(after.alertCount, 2);

      const stored = await admin.get(`/api/v1/incidents/${incident.id}`);
      assert.equal(stored.status, 200);
      assert.equal(stored.body.incident.eventCount, 3);
      assert.equal(stored.body.alerts.length, 2);
      assert.equal(stored.body.alerts[0].events[0].fields.CommandLine, 'vssadmin.exe delete shadows /all /quiet');
      assert.ok(stored.body.rules[incident.ruleId], 'the rule that fired is described');
      assert.equal(stored.body.alerts[0].ruleAuthor, 'Vigil', 'alerts keep the rule author');
      assert.ok(stored.body.alerts[0].tags.some((t: string) => t.startsWith('attack.t')));
      assert.ok(stored.body.timeline.some((t: { action: string }) => t.action === 'created'));
    } finally {
      socket.close();
    }
  });

  it('accepts NDJSON and rejects its bad lines by index without losing the good ones', async () => {
    const lines = [JSON.stringify(shadowCopyDeletion('NDJ-1')), '{not json', JSON.stringify({ time: 'yesterday', logsource: {}, fields: {} }), JSON.stringify(shadowCopyDeletion('NDJ-1'))];
    const r = await postEvents(vigil.url, key, lines.join('\n'), { 'content-type': 'application/x-ndjson', 'x-batch-id': 'nd-1' });
    assert.equal(r.status, 202);
    assert.equal(r.body.accepted, 2);
    assert.deepEqual(r.body.rejected.map((x: { index: number }) => x.index), [1, 2]);
    assert.match(r.body.rejected[0].error, /not valid JSON/);
    assert.match(r.body.rejected[1].error, /time/);
    const found = await waitFor(async () => {
      const page = await admin.get('/api/v1/incidents?q=NDJ-1');
      return page.body.items[0]?.eventCount === 2 ? page.body.items[0] : null;
    }, 10_000, 'the NDJSON incident');
    assert.equal(found.host, 'NDJ-1');
  });

  it('judges each JSON event on its own: wrong types are rejected by index, valid neighbours are processed', async () => {
    const r = await postEvents(vigil.url, key, {
      events: [
        { ...shadowCopyDeletion('MIX-1'), fields: 'not an object' },
        shadowCopyDeletion('MIX-1'),
        { ...shadowCopyDeletion('MIX-1'), logsource: { product: 42 } },
        { ...shadowCopyDeletion('MIX-1'), unexpected: true },
      ],
    });
    assert.equal(r.status, 202);
    assert.equal(r.body.accepted, 1);
    assert.deepEqual(r.body.rejected.map((x: { index: number }) => x.index), [0, 2, 3]);
    await waitFor(async () => (await admin.get('/api/v1/incidents?q=MIX-1')).body.total === 1, 10_000, 'the MIX-1 incident');
  });

  it('answers 401 for a missing, malformed, unknown or revoked key', async () => {
    const body = { events: [shadowCopyDeletion('X')] };
    assert.equal((await new ApiClient(vigil.url).post('/api/v1/events', body)).status, 401);
    assert.equal((await postEvents(vigil.url, 'not-a-key', body)).status, 401);
    const forged = key.slice(0, -4) + (key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    assert.equal((await postEvents(vigil.url, forged, body)).status, 401);
    const extra = await admin.post('/api/v1/agents', { agencyId, name: 'to-revoke' });
    assert.equal((await postEvents(vigil.url, extra.body.key, body)).status, 202);
    const revoked = await admin.post(`/api/v1/agents/${extra.body.id}/revoke`);
    assert.equal(revoked.status, 200);
    assert.ok(revoked.body.revokedAt);
    assert.equal(revoked.body.keyHash, undefined, 'the key hash never leaves the server');
    assert.equal((await postEvents(vigil.url, extra.body.key, body)).status, 401);
  });

  it('answers 400 for an unparsable body or a body without events, and 413 over the limits', async () => {
    const bad = await postEvents(vigil.url, key, '{"events": [', { 'content-type': 'application/json' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'validation_error');
    assert.ok(bad.body.requestId);
    assert.equal((await postEvents(vigil.url, key, { nothing: [] })).status, 400);
    assert.equal((await postEvents(vigil.url, key, { events: [] })).status, 400);
    const many = await postEvents(vigil.url, key, { events: Array.from({ length: 51 }, () => benignProcess('BIG')) });
    assert.equal(many.status, 413);
    assert.match(many.body.message, /limit is 50/);
    const big = await postEvents(vigil.url, key, { events: [{ ...benignProcess('BIG'), fields: { blob: 'x'.repeat(250_000) } }] });
    assert.equal(big.status, 413);
  });

  it('creates nothing twice when an agent retries the same batch', async () => {
    const batch = { batchId: 'retry-me', events: [shadowCopyDeletion('DUP-1'), shadowCopyDeletion('DUP-1')] };
    const first = await postEvents(vigil.url, key, batch);
    const second = await postEvents(vigil.url, key, batch);
    assert.equal(first.status, 202);
    assert.equal(second.status, 202);
    assert.equal(first.body.jobId, second.body.jobId);
    await waitFor(async () => (await admin.get('/api/v1/incidents?q=DUP-1')).body.items[0]?.eventCount === 2, 10_000, 'DUP-1 incident');
    // A third post after the first was processed must still not count again.
    await postEvents(vigil.url, key, batch);
    await new Promise((r) => setTimeout(r, 800));
    const page = await admin.get('/api/v1/incidents?q=DUP-1');
    assert.equal(page.body.total, 1);
    assert.equal(page.body.items[0].eventCount, 2);
    assert.equal(page.body.items[0].alertCount, 1);
  });
});

describe('ingest back-pressure (real Redis, server role without workers)', function () {
  this.timeout(30_000);
  let redis: EmbeddedRedis;
  let vigil: Vigil;
  let key: string;

  before(async () => {
    redis = await startTestRedis();
    vigil = await startTestVigil({ REDIS_URL: redis.url, VIGIL_ROLE: 'server', INGEST_QUEUE_HIGH_WATER: '2' });
    ({ key } = await provisionAgent(vigil.url));
  });
  after(async () => {
    await vigil?.close();
    await redis?.stop();
  });

  it('answers 429 with Retry-After once the queue is over its high-water mark, and 503 when Redis is gone', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await postEvents(vigil.url, key, { batchId: `bp-${i}`, events: [benignProcess('BP')] });
      statuses.push(r.status);
      if (r.status === 429) assert.equal(r.headers.get('retry-after'), '5');
      await new Promise((res) => setTimeout(res, 300)); // past the gauge's cache
    }
    assert.deepEqual(statuses, [202, 202, 429, 429]);

    await redis.stop();
    await new Promise((res) => setTimeout(res, 300));
    const down = await postEvents(vigil.url, key, { events: [benignProcess('BP')] });
    assert.equal(down.status, 503);
    assert.ok(Number(down.headers.get('retry-after')) > 0);
  });
});
