import assert from 'node:assert/strict';
import { io as ioClient } from 'socket.io-client';
import type { EmbeddedRedis } from '../../workers/redis-launcher.js';
import { ADMIN_PASSWORD, ApiClient, postEvents, provisionAgent, shadowCopyDeletion, startTestRedis, startTestVigil, waitFor } from '../support/harness.js';

type Vigil = Awaited<ReturnType<typeof startTestVigil>>;

function handshake(url: string, cookie?: string): Promise<'connected' | string> {
  return new Promise((resolve) => {
    const socket = ioClient(`${url}/console`, {
      extraHeaders: cookie ? { cookie } : {},
      transports: ['websocket'],
      reconnection: false,
    });
    socket.once('connect', () => {
      socket.close();
      resolve('connected');
    });
    socket.once('connect_error', (err) => {
      socket.close();
      resolve(err.message);
    });
  });
}

describe('people, roles and sessions (real HTTP server, Redis sessions, SQLite)', function () {
  this.timeout(30_000);
  let redis: EmbeddedRedis;
  let vigil: Vigil;
  let admin: ApiClient;
  let agencyA: string;
  let agencyB: string;
  let keyA: string;
  let keyB: string;

  before(async () => {
    redis = await startTestRedis();
    vigil = await startTestVigil({ REDIS_URL: redis.url });
    const a = await provisionAgent(vigil.url, 'MOH');
    admin = a.admin;
    agencyA = a.agencyId;
    keyA = a.key;
    const agencyBRes = await admin.post('/api/v1/agencies', { name: 'Province B', code: 'PRV-B' });
    agencyB = agencyBRes.body.id;
    keyB = (await admin.post('/api/v1/agents', { agencyId: agencyB, name: 'b-1' })).body.key;
    for (const [username, role, agencyId] of [
      ['ana', 'analyst', undefined],
      ['lead', 'leadership', undefined],
      ['moh-admin', 'agency_admin', agencyA],
    ] as const) {
      const r = await admin.post('/api/v1/users', { username, password: 'a-good-password', role, ...(agencyId ? { agencyId } : {}) });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.passwordHash, undefined);
    }
  });
  after(async () => {
    await vigil?.close();
    await redis?.stop();
  });

  it('logs in with an httpOnly, SameSite cookie that expires, and rejects a wrong password', async () => {
    const c = new ApiClient(vigil.url);
    const bad = await c.post('/api/v1/auth/login', { username: 'admin', password: 'wrong-password' });
    assert.equal(bad.status, 401);
    const res = await fetch(`${vigil.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    assert.equal(res.status, 200);
    const cookie = res.headers.get('set-cookie') ?? '';
    assert.match(cookie, /vigil_session=/);
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Strict/i);
    assert.match(cookie, /Max-Age=43200/);
    const body = (await res.json()) as { user: { role: string; passwordHash?: string } };
    assert.equal(body.user.role, 'admin');
    assert.equal(body.user.passwordHash, undefined);
  });

  it('logout ends the session on the server', async () => {
    const c = new ApiClient(vigil.url);
    await c.login('ana', 'a-good-password');
    const cookie = c.cookie;
    assert.equal((await c.get('/api/v1/auth/me')).status, 200);
    assert.equal((await c.post('/api/v1/auth/logout')).status, 204);
    const replay = new ApiClient(vigil.url);
    replay.cookie = cookie;
    assert.equal((await replay.get('/api/v1/auth/me')).status, 401);
  });

  it('enforces roles on every route', async () => {
    const anon = new ApiClient(vigil.url);
    const analyst = new ApiClient(vigil.url);
    await analyst.login('ana', 'a-good-password');
    const leader = new ApiClient(vigil.url);
    await leader.login('lead', 'a-good-password');
    const agencyAdmin = new ApiClient(vigil.url);
    await agencyAdmin.login('moh-admin', 'a-good-password');

    for (const url of ['/api/v1/incidents', '/api/v1/agencies', '/api/v1/users', '/api/v1/agents']) {
      assert.equal((await anon.get(url)).status, 401, url);
    }
    assert.equal((await analyst.post('/api/v1/agencies', { name: 'Nope', code: 'NOPE' })).status, 403);
    assert.equal((await analyst.post('/api/v1/users', { username: 'x1', password: 'a-good-password', role: 'admin' })).status, 403);
    assert.equal((await analyst.get('/api/v1/users')).status, 403);
    assert.equal((await analyst.get('/api/v1/incidents')).status, 200);
    assert.equal((await leader.get('/api/v1/incidents')).status, 200);
    assert.equal((await leader.get('/api/v1/agents')).status, 403);
    assert.equal((await agencyAdmin.post('/api/v1/agents', { agencyId: agencyB, name: 'sneaky' })).status, 403);
    assert.equal((await agencyAdmin.post('/api/v1/agents', { agencyId: agencyA, name: 'own' })).status, 201);
    const agencies = await agencyAdmin.get('/api/v1/agencies');
    assert.deepEqual(agencies.body.items.map((a: { id: string }) => a.id), [agencyA]);
  });

  it('shows an agency admin only their own agency’s incidents, even by id', async () => {
    await postEvents(vigil.url, keyA, { events: [shadowCopyDeletion('A-HOST')] });
    await postEvents(vigil.url, keyB, { events: [shadowCopyDeletion('B-HOST')] });
    const all = await waitFor(async () => {
      const page = await admin.get('/api/v1/incidents');
      return page.body.total >= 2 ? page.body : null;
    }, 10_000, 'two incidents');
    const incidentB = all.items.find((i: { host: string }) => i.host === 'B-HOST');
    const agencyAdmin = new ApiClient(vigil.url);
    await agencyAdmin.login('moh-admin', 'a-good-password');
    const own = await agencyAdmin.get('/api/v1/incidents');
    assert.ok(own.body.items.length >= 1);
    assert.ok(own.body.items.every((i: { agencyId: string }) => i.agencyId === agencyA));
    assert.equal((await agencyAdmin.get(`/api/v1/incidents/${incidentB.id}`)).status, 404);
    assert.equal((await agencyAdmin.get(`/api/v1/incidents?agencyId=${agencyB}`)).body.total, 0);
  });

  it('authenticates the Socket.io handshake with the session cookie', async () => {
    assert.equal(await handshake(vigil.url), 'unauthorized');
    assert.equal(await handshake(vigil.url, 'vigil_session=forged'), 'unauthorized');
    const analyst = new ApiClient(vigil.url);
    await analyst.login('ana', 'a-good-password');
    assert.equal(await handshake(vigil.url, analyst.cookie), 'connected');
  });

  it('pushes an agency’s incidents only to consoles allowed to see that agency', async () => {
    const agencyAdmin = new ApiClient(vigil.url);
    await agencyAdmin.login('moh-admin', 'a-good-password');
    const listen = (cookie: string) =>
      new Promise<{ hosts: string[]; close: () => void; ready: Promise<void> }>((resolve) => {
        const hosts: string[] = [];
        const socket = ioClient(`${vigil.url}/console`, { extraHeaders: { cookie }, transports: ['websocket'], reconnection: false });
        socket.on('incident:new', (i: { host: string }) => hosts.push(i.host));
        const ready = new Promise<void>((r) => socket.once('connect', () => r()));
        resolve({ hosts, close: () => socket.close(), ready });
      });
    const own = await listen(agencyAdmin.cookie);
    const national = await listen(admin.cookie);
    await Promise.all([own.ready, national.ready]);
    try {
      await postEvents(vigil.url, keyB, { events: [shadowCopyDeletion('B-ONLY')] });
      await postEvents(vigil.url, keyA, { events: [shadowCopyDeletion('A-ONLY')] });
      await waitFor(async () => national.hosts.includes('A-ONLY') && national.hosts.includes('B-ONLY'), 10_000, 'both incidents at the national console');
      await waitFor(async () => own.hosts.includes('A-ONLY'), 5_000, 'own incident at the agency console');
      assert.ok(!own.hosts.includes('B-ONLY'), 'another agency’s incident must not reach an agency admin');
    } finally {
      own.close();
      national.close();
    }
  });

  it('validates new users and refuses duplicates', async () => {
    assert.equal((await admin.post('/api/v1/users', { username: 'ana', password: 'a-good-password', role: 'analyst' })).status, 409);
    const short = await admin.post('/api/v1/users', { username: 'bob', password: 'short', role: 'analyst' });
    assert.equal(short.status, 400);
    const noAgency = await admin.post('/api/v1/users', { username: 'bob', password: 'a-good-password', role: 'agency_admin' });
    assert.equal(noAgency.status, 400);
    assert.equal((await admin.post('/api/v1/users', { username: 'bob', password: 'a-good-password', role: 'root' })).status, 400);
  });
});
