/**
 * Incident reports over HTTP (real server, Redis, SQLite): filing, prefill from incidents, validation, the stage
 * workflow and its versions, deadlines computed from the awareness time (no sleeping: reports are filed with past
 * awareness times), evidence files, exports, on-time statistics, live events, and every report route for every role
 * and for a second agency (404 + audit, never a hint that the report exists).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { EmbeddedRedis } from '../../workers/redis-launcher.js';
import {
  ADMIN_PASSWORD,
  ApiClient,
  postEvents,
  provisionAgent,
  shadowCopyDeletion,
  startTestRedis,
  startTestVigil,
  waitFor,
  type JsonResponse,
  type TestVigil,
} from '../support/harness.js';

const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const PASSWORD = 'report-test-password';
const MAX_ATTACHMENT = 64 * 1024;

type Role = 'admin' | 'analyst' | 'leadership' | 'mofAdmin' | 'mohAdmin' | 'anonymous';
const ROLES: Role[] = ['admin', 'analyst', 'leadership', 'mofAdmin', 'mohAdmin', 'anonymous'];

function body(over: Record<string, unknown> = {}) {
  return {
    title: 'Ransomware on finance file servers',
    category: 'malicious-code',
    type: 'infected-system',
    description: 'Files encrypted on two servers; shadow copies deleted.',
    awarenessAt: ago(2 * HOUR),
    occurredAt: ago(3 * HOUR),
    severity: 'high',
    tlp: 'AMBER',
    impact: {
      systemsAffected: 2,
      usersAffected: 140,
      serviceDowntimeMinutes: 95,
      data: { confidentiality: false, integrity: true, availability: true },
      crossBorder: false,
      suspectedMalicious: true,
    },
    indicators: [
      { type: 'ip', value: '203.0.113.7', description: 'C2' },
      { type: 'domain', value: 'evil-c2[.]example' },
      { type: 'hash', value: 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855' },
    ],
    ...over,
  };
}

/** Raw bytes of a response (PDF, files), with the client's session. */
async function fetchRaw(client: ApiClient, url: string, init: RequestInit = {}) {
  const res = await fetch(client.baseUrl + url, { ...init, headers: { ...(init.headers as Record<string, string>), cookie: client.cookie } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

function connectConsole(url: string, cookie: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = ioClient(`${url}/console`, { extraHeaders: { cookie }, transports: ['websocket'], reconnection: false });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => reject(err));
  });
}

describe('incident reports API (real server, Redis, SQLite)', function () {
  this.timeout(60_000);
  let redis: EmbeddedRedis;
  let vigil: TestVigil;
  let mofId: string;
  let mohId: string;
  let mofKey: string;
  let mohKey: string;
  const c = {} as Record<Role, ApiClient>;

  before(async () => {
    redis = await startTestRedis();
    vigil = await startTestVigil({ REDIS_URL: redis.url, ATTACHMENT_MAX_BYTES: String(MAX_ATTACHMENT) });
    const mof = await provisionAgent(vigil.url, 'MOF');
    const moh = await provisionAgent(vigil.url, 'MOH');
    mofId = mof.agencyId;
    mohId = moh.agencyId;
    mofKey = mof.key;
    mohKey = moh.key;
    c.admin = mof.admin;
    const users: [Role, string, string, string | null][] = [
      ['analyst', 'analyst1', 'analyst', null],
      ['leadership', 'boss', 'leadership', null],
      ['mofAdmin', 'mof-admin', 'agency_admin', mofId],
      ['mohAdmin', 'moh-admin', 'agency_admin', mohId],
    ];
    for (const [role, username, userRole, agencyId] of users) {
      const r = await c.admin.post('/api/v1/users', { username, password: PASSWORD, role: userRole, ...(agencyId ? { agencyId } : {}) });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      c[role] = new ApiClient(vigil.url);
      await c[role].login(username, PASSWORD);
    }
    c.anonymous = new ApiClient(vigil.url);
  });
  after(async () => {
    await vigil?.close();
    await redis?.stop();
  });

  async function fileReport(client = c.mofAdmin, over: Record<string, unknown> = {}): Promise<any> {
    const r = await client.post('/api/v1/reports', body(over));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  }

  async function submit(id: string, stage: string, client = c.mofAdmin): Promise<JsonResponse> {
    return client.post(`/api/v1/reports/${id}/submit`, { stage });
  }

  async function incidentOf(key: string, host: string, agencyId: string, admin = c.admin) {
    const event = shadowCopyDeletion(host);
    event.fields = { ...event.fields, SourceIp: '198.51.100.23' } as typeof event.fields;
    assert.equal((await postEvents(vigil.url, key, { events: [event] })).status, 202);
    return waitFor(async () => {
      const page = await admin.get(`/api/v1/incidents?q=${host}&agencyId=${agencyId}`);
      return page.body.items[0];
    }, 10_000, `the incident on ${host}`);
  }

  describe('filing and validation', function () {
    it('files a draft with deadlines computed from the awareness time', async () => {
      const awarenessAt = ago(2 * HOUR);
      const r = await fileReport(c.mofAdmin, { awarenessAt });
      assert.equal(r.status, 'draft');
      assert.equal(r.agencyId, mofId);
      assert.equal(r.reporter, 'mof-admin');
      assert.equal(r.version, 0);
      assert.equal(r.lastStage, null);
      assert.deepEqual(Object.keys(r.deadlines).sort(), ['earlyWarning', 'final', 'notification']);
      const t = Date.parse(awarenessAt);
      assert.equal(r.deadlines.earlyWarning.dueAt, new Date(t + 24 * HOUR).toISOString());
      assert.equal(r.deadlines.notification.dueAt, new Date(t + 72 * HOUR).toISOString());
      assert.equal(r.deadlines.final.dueAt, new Date(t + 72 * HOUR + 30 * 24 * HOUR).toISOString());
      assert.deepEqual(r.deadlines.earlyWarning, { dueAt: r.deadlines.earlyWarning.dueAt, state: 'pending' });
      assert.equal(r.deadlineState, 'pending');
      assert.equal(r.nextDueAt, r.deadlines.earlyWarning.dueAt);
      assert.deepEqual(
        r.indicators.map((i: { kind: string; value: string }) => `${i.kind}:${i.value}`),
        ['ipv4:203.0.113.7', 'domain:evil-c2.example', 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
      );
      const got = await c.mofAdmin.get(`/api/v1/reports/${r.id}`);
      assert.equal(got.status, 200);
      assert.deepEqual(got.body.attachments, []);
      assert.equal(got.body.title, r.title);
    });

    it('refuses an incomplete or inconsistent report with the field of each problem', async () => {
      const missing = await c.mofAdmin.post('/api/v1/reports', { title: 'Only a title' });
      assert.equal(missing.status, 400);
      assert.equal(missing.body.code, 'validation_error');
      assert.deepEqual(
        missing.body.details.map((d: { path: string[] }) => d.path.join('.')).sort(),
        ['awarenessAt', 'category', 'description', 'impact', 'indicators', 'severity', 'tlp'],
      );
      const badIndicator = await c.mofAdmin.post('/api/v1/reports', body({ indicators: [{ type: 'ip', value: '1.1.1.1' }, { type: 'hash', value: 'abc' }] }));
      assert.equal(badIndicator.status, 400);
      assert.deepEqual(badIndicator.body.details.map((d: { path: unknown[] }) => d.path), [['indicators', 1, 'value']]);
      const badType = await c.mofAdmin.post('/api/v1/reports', body({ category: 'fraud', type: 'ddos' }));
      assert.equal(badType.status, 400);
      assert.deepEqual(badType.body.details.map((d: { path: string[] }) => d.path), [['type']]);
      const future = await c.mofAdmin.post('/api/v1/reports', body({ awarenessAt: new Date(Date.now() + 2 * HOUR).toISOString() }));
      assert.equal(future.status, 400);
      for (const bad of [{ tlp: 'WHITE' }, { severity: 'critical' }, { category: 'malware' }, { awarenessAt: 'yesterday' }, { extra: 1 }]) {
        assert.equal((await c.mofAdmin.post('/api/v1/reports', body(bad))).status, 400, JSON.stringify(bad));
      }
    });

    it('prefills category, times, entities as indicators from an incident of the agency; the caller may then edit', async () => {
      const incident = await incidentOf(mofKey, 'MOF-FS-01', mofId);
      const r = await c.mofAdmin.post('/api/v1/reports', { incidentIds: [incident.id] });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.category, incident.category);
      assert.equal(r.body.awarenessAt, incident.createdAt);
      assert.equal(r.body.occurredAt, incident.firstSeen);
      assert.equal(r.body.title, incident.title);
      assert.deepEqual(r.body.incidentIds, [incident.id]);
      assert.ok(r.body.indicators.some((i: { value: string }) => i.value === '198.51.100.23'), 'the IP entity became an indicator');
      assert.equal(r.body.impact.systemsAffected, 1);
      assert.match(r.body.description, /MOF-FS-01/);
      const edited = await c.mofAdmin.request('PATCH', `/api/v1/reports/${r.body.id}`, { title: 'Ransomware on MOF-FS-01', tlp: 'RED' });
      assert.equal(edited.status, 200);
      assert.equal(edited.body.title, 'Ransomware on MOF-FS-01');
      assert.equal(edited.body.tlp, 'RED');
      // Caller-given fields win over the prefill.
      const own = await c.mofAdmin.post('/api/v1/reports', { incidentIds: [incident.id], title: 'Mine', severity: 'low' });
      assert.equal(own.body.title, 'Mine');
      assert.equal(own.body.severity, 'low');
    });

    it("refuses (404, audited) linking another agency's incident, on create and on edit", async () => {
      const mohIncident = await incidentOf(mohKey, 'MOH-WS-07', mohId);
      const before = (await vigil.storage.audit.list({ action: 'report.access_denied', actor: 'mof-admin' })).length;
      const created = await c.mofAdmin.post('/api/v1/reports', { incidentIds: [mohIncident.id] });
      assert.equal(created.status, 404);
      assert.match(created.body.message, /incident/);
      const r = await fileReport();
      const patched = await c.mofAdmin.request('PATCH', `/api/v1/reports/${r.id}`, { incidentIds: [mohIncident.id] });
      assert.equal(patched.status, 404);
      const audit = await vigil.storage.audit.list({ action: 'report.access_denied', actor: 'mof-admin' });
      assert.equal(audit.length, before + 2);
      assert.equal(audit[0]!.target, mohIncident.id);
      assert.equal(audit[0]!.details.kind, 'incident');
      assert.deepEqual((await c.mofAdmin.get(`/api/v1/reports/${r.id}`)).body.incidentIds, []);
    });

    it('refuses a stale edit (409) when the caller sent the revision it saw', async () => {
      const r = await fileReport();
      const first = await c.mofAdmin.request('PATCH', `/api/v1/reports/${r.id}`, { title: 'First edit', revision: r.revision });
      assert.equal(first.status, 200);
      const second = await c.mofAdmin.request('PATCH', `/api/v1/reports/${r.id}`, { title: 'Lost edit', revision: r.revision });
      assert.equal(second.status, 409);
      assert.equal(second.body.details.reason, 'stale');
      const unchanged = await c.mofAdmin.request('PATCH', `/api/v1/reports/${r.id}`, { title: 'First edit' });
      assert.equal(unchanged.body.revision, first.body.revision, 'a no-op edit writes nothing');
    });
  });

  describe('workflow, versions and deadlines', function () {
    it('goes draft → submitted → acknowledged → closed through every stage, keeping a version per submission', async () => {
      const r = await fileReport(c.mofAdmin, { type: null, occurredAt: null });
      assert.equal((await c.analyst.post(`/api/v1/reports/${r.id}/acknowledge`)).status, 409, 'a draft cannot be acknowledged');
      assert.equal((await c.analyst.post(`/api/v1/reports/${r.id}/close`)).status, 409, 'a draft cannot be closed');
      assert.equal((await submit(r.id, 'progress')).status, 409, 'progress follows the notification');

      const ew = await submit(r.id, 'early_warning');
      assert.equal(ew.status, 200, JSON.stringify(ew.body));
      assert.equal(ew.body.status, 'submitted');
      assert.equal(ew.body.lastStage, 'early_warning');
      assert.equal(ew.body.version, 1);
      assert.equal(ew.body.submittedVersion.version, 1);
      assert.equal(ew.body.deadlines.earlyWarning.state, 'met');
      assert.equal(ew.body.deadlines.earlyWarning.onTime, true);
      assert.equal(ew.body.nextDueAt, ew.body.deadlines.notification.dueAt);
      assert.equal((await submit(r.id, 'early_warning')).status, 409, 'the early warning only once');

      const ack = await c.analyst.post(`/api/v1/reports/${r.id}/acknowledge`);
      assert.equal(ack.status, 200);
      assert.equal(ack.body.status, 'acknowledged');
      assert.equal(ack.body.acknowledgedBy, 'analyst1');
      assert.equal((await c.analyst.post(`/api/v1/reports/${r.id}/acknowledge`)).status, 409, 'twice');

      const incomplete = await submit(r.id, 'notification');
      assert.equal(incomplete.status, 400, 'the notification needs the RSIT type');
      assert.deepEqual(incomplete.body.details.map((d: { path: string[] }) => d.path), [['type']]);
      const edit = await c.mofAdmin.request('PATCH', `/api/v1/reports/${r.id}`, {
        type: 'infected-system',
        description: 'Two servers encrypted; backups intact.',
        impact: { ...body().impact, usersAffected: 300 },
        indicators: [...body().indicators, { type: 'url', value: 'hxxps://evil-c2[.]example/payload.bin' }],
      });
      assert.equal(edit.status, 200, JSON.stringify(edit.body));
      assert.equal(edit.body.status, 'acknowledged', 'editing does not change the status');
      const nt = await submit(r.id, 'notification');
      assert.equal(nt.status, 200);
      assert.equal(nt.body.status, 'submitted', 'a new stage needs a new acknowledgement');
      assert.equal(nt.body.version, 2);
      assert.equal(nt.body.deadlines.notification.state, 'met');
      const ntAt = Date.parse(nt.body.deadlines.notification.submittedAt);
      assert.equal(nt.body.deadlines.final.dueAt, new Date(ntAt + 30 * 24 * HOUR).toISOString(), 'final: one month after the notification');
      assert.equal((await submit(r.id, 'notification')).status, 409);

      assert.equal((await submit(r.id, 'progress')).status, 200);
      const finalIncomplete = await submit(r.id, 'final');
      assert.equal(finalIncomplete.status, 400);
      assert.deepEqual(finalIncomplete.body.details.map((d: { path: string[] }) => d.path).sort(), [['actionsTaken'], ['occurredAt']]);
      await c.mofAdmin.request('PATCH', `/api/v1/reports/${r.id}`, { occurredAt: ago(5 * HOUR), actionsTaken: 'Isolated, restored from backup.' });
      const fin = await submit(r.id, 'final');
      assert.equal(fin.status, 200);
      assert.equal(fin.body.version, 4);
      assert.equal(fin.body.nextDueAt, null);
      assert.equal(fin.body.deadlineState, 'met');
      assert.equal((await submit(r.id, 'progress')).status, 409, 'no progress after the final report');

      const closed = await c.admin.post(`/api/v1/reports/${r.id}/close`);
      assert.equal(closed.status, 200);
      assert.equal(closed.body.status, 'closed');
      assert.equal(closed.body.closedBy, 'admin');
      assert.equal(closed.body.deadlineState, null);
      assert.equal((await c.mofAdmin.request('PATCH', `/api/v1/reports/${r.id}`, { title: 'Too late' })).status, 409);
      assert.equal((await submit(r.id, 'progress')).status, 409);
      assert.equal((await c.admin.post(`/api/v1/reports/${r.id}/close`)).status, 409);

      const versions = await c.analyst.get(`/api/v1/reports/${r.id}/versions`);
      assert.equal(versions.status, 200);
      assert.deepEqual(versions.body.items.map((v: { version: number; stage: string }) => [v.version, v.stage]), [
        [1, 'early_warning'],
        [2, 'notification'],
        [3, 'progress'],
        [4, 'final'],
      ]);
      assert.equal(versions.body.items[0].content.type, null);
      assert.equal(versions.body.items[1].content.type, 'infected-system');
      const v1 = await c.mofAdmin.get(`/api/v1/reports/${r.id}/versions/1`);
      assert.deepEqual(v1.body, versions.body.items[0]);
      assert.equal((await c.mofAdmin.get(`/api/v1/reports/${r.id}/versions/9`)).status, 404);
      assert.equal((await c.mofAdmin.get(`/api/v1/reports/${r.id}/versions/zero`)).status, 400);

      const diff = await c.analyst.get(`/api/v1/reports/${r.id}/versions/diff?from=1&to=2`);
      assert.equal(diff.status, 200);
      assert.deepEqual(diff.body.from, { version: 1, stage: 'early_warning' });
      assert.deepEqual(diff.body.to, { version: 2, stage: 'notification' });
      assert.deepEqual(
        diff.body.changes.map((ch: { field: string; op: string }) => `${ch.op} ${ch.field}`),
        ['changed type', 'changed description', 'changed impact.usersAffected', 'added indicators'],
      );
      assert.deepEqual(diff.body.changes[2], { field: 'impact.usersAffected', op: 'changed', before: 140, after: 300 });
      assert.equal(diff.body.changes[3].after.value, 'https://evil-c2.example/payload.bin');
      const toCurrent = await c.analyst.get(`/api/v1/reports/${r.id}/versions/diff?from=4`);
      assert.deepEqual(toCurrent.body.changes, []);
      assert.equal((await c.analyst.get(`/api/v1/reports/${r.id}/versions/diff`)).status, 400);

      const history = await vigil.storage.audit.list({ target: r.id, targetType: 'report' });
      assert.deepEqual(history.map((e) => e.action).reverse(), [
        'report.created',
        'report.submitted',
        'report.acknowledged',
        'report.updated',
        'report.submitted',
        'report.submitted',
        'report.updated',
        'report.submitted',
        'report.closed',
      ]);
      assert.deepEqual(history[2]!.details.fields, ['occurredAt', 'actionsTaken']);
      assert.deepEqual(history[5]!.details.fields, ['type', 'description', 'impact', 'indicators']);
    });

    it('a report aware 80 hours ago is already overdue for the early warning and the notification', async () => {
      const r = await fileReport(c.mofAdmin, { awarenessAt: ago(80 * HOUR), title: 'Late DDoS report', category: 'availability', type: 'ddos' });
      assert.equal(r.deadlines.earlyWarning.state, 'overdue');
      assert.equal(r.deadlines.notification.state, 'overdue');
      assert.equal(r.deadlines.final.state, 'pending');
      assert.equal(r.deadlineState, 'overdue');
      const soon = await fileReport(c.mofAdmin, { awarenessAt: ago(21 * HOUR), title: 'Due soon' });
      assert.equal(soon.deadlines.earlyWarning.state, 'due_soon');
      assert.equal(soon.deadlineState, 'due_soon');

      const overdue = await c.analyst.get('/api/v1/reports?overdue=true');
      assert.equal(overdue.status, 200);
      const ids = overdue.body.items.map((x: { id: string }) => x.id);
      assert.ok(ids.includes(r.id));
      assert.ok(!ids.includes(soon.id));
      assert.ok(overdue.body.items.every((x: { deadlineState: string }) => x.deadlineState === 'overdue'));

      // The centre's default order is late ones first; the agency's is the last updated first.
      const centre = await c.analyst.get('/api/v1/reports?limit=500');
      assert.equal(centre.body.sort, 'due');
      assert.equal(centre.body.items[0].id, r.id, 'the most overdue report comes first');
      const dues = centre.body.items.map((x: { nextDueAt: string | null }) => x.nextDueAt ?? '~');
      assert.deepEqual(dues, [...dues].sort());
      const agency = await c.mofAdmin.get('/api/v1/reports?limit=500');
      assert.equal(agency.body.sort, 'updated');
      assert.equal(agency.body.items[0].id, soon.id);
      const late = await c.mofAdmin.get('/api/v1/reports?sort=due&limit=1');
      assert.equal(late.body.items[0].id, r.id);

      // Submitting the notification meets the early warning too, late.
      const nt = await submit(r.id, 'notification');
      assert.equal(nt.body.deadlines.earlyWarning.state, 'met');
      assert.equal(nt.body.deadlines.earlyWarning.onTime, false);
      assert.equal(nt.body.deadlines.notification.onTime, false);
    });

    it('filters lists by status and agency; an agency admin only ever sees its own agency', async () => {
      const moh = await fileReport(c.mohAdmin, { title: 'MOH phishing', category: 'fraud', type: 'phishing' });
      const mohList = await c.mohAdmin.get('/api/v1/reports');
      assert.deepEqual(mohList.body.items.map((x: { id: string }) => x.id), [moh.id]);
      const mofList = await c.mofAdmin.get('/api/v1/reports?limit=500');
      assert.ok(mofList.body.items.every((x: { agencyId: string }) => x.agencyId === mofId));
      const centre = await c.admin.get(`/api/v1/reports?agencyId=${mohId}`);
      assert.deepEqual(centre.body.items.map((x: { id: string }) => x.id), [moh.id]);
      const drafts = await c.admin.get('/api/v1/reports?status=draft&limit=500');
      assert.ok(drafts.body.items.length > 0);
      assert.ok(drafts.body.items.every((x: { status: string }) => x.status === 'draft'));
      assert.equal((await c.admin.get('/api/v1/reports?status=lost')).status, 400);
      const q = await c.admin.get('/api/v1/reports?q=moh%20PHISH');
      assert.deepEqual(q.body.items.map((x: { id: string }) => x.id), [moh.id]);
    });
  });

  describe('evidence files', function () {
    it('stores an upload under DATA_DIR/attachments by SHA-256 and serves it back with safe headers', async () => {
      const r = await fileReport();
      const content = Buffer.from('Received: from mx.phish.example\r\nSubject: payroll\r\n\r\nclick here\r\n');
      const up = await fetchRaw(c.mofAdmin, `/api/v1/reports/${r.id}/attachments`, {
        method: 'POST',
        body: content,
        headers: { 'content-type': 'message/rfc822', 'x-filename': encodeURIComponent('phish mail – 1.eml') },
      });
      assert.equal(up.status, 201, up.bytes.toString());
      const att = JSON.parse(up.bytes.toString());
      const sha = createHash('sha256').update(content).digest('hex');
      assert.equal(att.sha256, sha);
      assert.equal(att.size, content.length);
      assert.equal(att.filename, 'phish mail – 1.eml');
      assert.equal(att.contentType, 'message/rfc822');
      assert.equal(att.uploadedBy, 'mof-admin');
      assert.ok(fs.existsSync(path.join(vigil.dataDir, 'attachments', sha.slice(0, 2), sha)));

      const down = await fetchRaw(c.analyst, `/api/v1/reports/${r.id}/attachments/${att.id}`);
      assert.equal(down.status, 200);
      assert.deepEqual(down.bytes, content);
      assert.equal(down.headers.get('content-type'), 'message/rfc822');
      assert.match(down.headers.get('content-disposition') ?? '', /^attachment; filename="phish mail _ 1.eml"; filename\*=UTF-8''phish%20mail%20%E2%80%93%201.eml$/);
      assert.match(down.headers.get('content-security-policy') ?? '', /sandbox/);
      assert.equal(down.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(down.headers.get('repr-digest'), `sha-256=:${Buffer.from(sha, 'hex').toString('base64')}:`);

      const listed = await c.mofAdmin.get(`/api/v1/reports/${r.id}`);
      assert.deepEqual(listed.body.attachments, [att]);
      const other = await fileReport();
      assert.equal((await c.mofAdmin.get(`/api/v1/reports/${other.id}/attachments/${att.id}`)).status, 404, 'only through its own report');
    });

    it('refuses a type off the allow-list (415), content that is not what it claims (400), and files over the limit (413)', async () => {
      const r = await fileReport();
      const post = (bytes: Buffer, type: string) =>
        fetchRaw(c.mofAdmin, `/api/v1/reports/${r.id}/attachments`, { method: 'POST', body: bytes, headers: { 'content-type': type, 'x-filename': 'f' } });
      assert.equal((await post(Buffer.from('MZ\x90\x00'), 'application/x-msdownload')).status, 415);
      assert.equal((await post(Buffer.from('MZ\x90\x00'), 'application/pdf')).status, 400);
      assert.equal((await post(Buffer.alloc(MAX_ATTACHMENT + 1, 0x41), 'text/plain')).status, 413);
      assert.equal((await post(Buffer.from('%PDF-1.4\n'), 'application/pdf')).status, 201);
      const closed = await fileReport();
      await submit(closed.id, 'early_warning');
      await c.analyst.post(`/api/v1/reports/${closed.id}/close`);
      const late = await fetchRaw(c.mofAdmin, `/api/v1/reports/${closed.id}/attachments`, { method: 'POST', body: Buffer.from('x'), headers: { 'content-type': 'text/plain' } });
      assert.equal(late.status, 409);
    });
  });

  describe('exports', function () {
    let id: string;
    before(async () => {
      const r = await fileReport(c.mofAdmin, { title: 'Exported "report", with commas', tlp: 'AMBER+STRICT' });
      id = r.id;
      await submit(id, 'early_warning');
      await fetchRaw(c.mofAdmin, `/api/v1/reports/${id}/attachments`, { method: 'POST', body: Buffer.from('log line\n'), headers: { 'content-type': 'text/plain', 'x-filename': 'fw.log' } });
    });

    it('exports a printable PDF', async () => {
      const pdf = await fetchRaw(c.analyst, `/api/v1/reports/${id}/export?format=pdf`);
      assert.equal(pdf.status, 200);
      assert.equal(pdf.headers.get('content-type'), 'application/pdf');
      assert.match(pdf.headers.get('content-disposition') ?? '', new RegExp(`report-${id}\\.pdf`));
      assert.equal(pdf.bytes.subarray(0, 5).toString(), '%PDF-');
      assert.match(pdf.bytes.subarray(-8).toString(), /%%EOF/);
      assert.ok(pdf.bytes.length > 2000);
    });

    it('exports a STIX 2.1 bundle with the official TLP 2.0 marking', async () => {
      const res = await c.mofAdmin.get(`/api/v1/reports/${id}/export?format=stix`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/stix\+json; ?version=2\.1/);
      assert.equal(res.body.type, 'bundle');
      const types = res.body.objects.map((o: { type: string }) => o.type);
      assert.deepEqual([...new Set(types)].sort(), ['identity', 'incident', 'indicator', 'marking-definition', 'report']);
      assert.ok(res.body.objects.some((o: { id: string }) => o.id === 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003'));
      assert.ok(res.body.objects.some((o: { name?: string }) => o.name === 'Agency MOF'));
      assert.equal((await c.mofAdmin.get(`/api/v1/reports/${id}/export?format=docx`)).status, 400);
      const exports = await vigil.storage.audit.list({ target: id, action: 'report.exported' });
      assert.deepEqual(exports.map((e) => [e.actor, e.details.format]), [['mof-admin', 'stix'], ['analyst1', 'pdf']]);
    });

    it('exports report lists as CSV, scoped like the list', async () => {
      const res = await c.admin.get('/api/v1/reports?format=csv');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
      const text = String(res.body);
      const lines = text.trimEnd().split('\r\n');
      assert.match(lines[0]!, /^id,agency_code,agency_name,title,category,type,severity,tlp,status/);
      const row = lines.find((l) => l.startsWith(id))!;
      assert.ok(row.includes('"Exported ""report"", with commas"'));
      assert.ok(row.includes(',MOF,'));
      assert.ok(row.includes('AMBER+STRICT'));
      const mine = String((await c.mohAdmin.get('/api/v1/reports?format=csv')).body).trimEnd().split('\r\n');
      assert.ok(mine.slice(1).every((l) => l.includes(',MOH,')));
      assert.ok(mine.length >= 2);
    });
  });

  describe('on-time statistics', function () {
    it('gives leadership the on-time rate of each agency, worst first', async () => {
      const res = await c.leadership.get('/api/v1/reports/stats/on-time');
      assert.equal(res.status, 200);
      const mof = res.body.agencies.find((a: { agencyId: string }) => a.agencyId === mofId);
      assert.equal(mof.agencyCode, 'MOF');
      assert.ok(mof.reports > 5);
      assert.ok(mof.earlyWarning.onTime >= 1);
      assert.ok(mof.notification.late >= 1, 'the 80-hour-late notification');
      assert.ok(mof.rates.overall > 0 && mof.rates.overall < 1);
      assert.equal(res.body.total.reports, res.body.agencies.reduce((n: number, a: { reports: number }) => n + a.reports, 0));
      const rates = res.body.agencies.map((a: { rates: { overall: number | null } }) => a.rates.overall ?? 2);
      assert.deepEqual(rates, [...rates].sort((a: number, b: number) => a - b));
      const mine = await c.mofAdmin.get('/api/v1/reports/stats/on-time');
      assert.deepEqual(mine.body.agencies.map((a: { agencyId: string }) => a.agencyId), [mofId]);
      const none = await c.leadership.get(`/api/v1/reports/stats/on-time?from=${encodeURIComponent(ago(-HOUR))}`);
      assert.deepEqual(none.body.agencies, []);
      assert.equal(none.body.total.rates.overall, null);
    });

    it('feeds the leadership summary: reports filed in the year and the on-time rate', async () => {
      const year = new Date().getUTCFullYear();
      const onTime = (await c.leadership.get(`/api/v1/reports/stats/on-time?from=${year}-01-01T00:00:00.000Z&to=${year}-12-31T23:59:59.999Z`)).body.total;
      const summary = (await c.leadership.get(`/api/v1/stats/summary?year=${year}`)).body;
      assert.equal(summary.reports.filed, onTime.reports);
      assert.ok(summary.reports.filed > 5);
      const stages = Object.values(summary.reports.byStage) as { onTime: number; late: number; missed: number }[];
      const decided = stages.reduce((n, st) => n + st.onTime + st.late + st.missed, 0);
      const met = stages.reduce((n, st) => n + st.onTime, 0);
      assert.equal(summary.reports.onTimeRatePct, Math.round((met / decided) * 1000) / 10);
      assert.ok(summary.reports.byStage.notification.late >= 1);
    });
  });

  describe('live events', function () {
    it("pushes report:updated to the centre and the report's agency only", async () => {
      const sockets: Record<string, Socket> = {};
      const seen: Record<string, { id: string }[]> = { analyst: [], mof: [], moh: [] };
      try {
        sockets.analyst = await connectConsole(vigil.url, c.analyst.cookie);
        sockets.mof = await connectConsole(vigil.url, c.mofAdmin.cookie);
        sockets.moh = await connectConsole(vigil.url, c.mohAdmin.cookie);
        for (const [k, s] of Object.entries(sockets)) s.on('report:updated', (e: { id: string }) => seen[k]!.push(e));
        const mof = await fileReport();
        const moh = await fileReport(c.mohAdmin);
        await waitFor(async () => seen.analyst!.some((e) => e.id === moh.id) && seen.moh!.some((e) => e.id === moh.id), 5_000, 'the MOH event');
        await waitFor(async () => seen.mof!.some((e) => e.id === mof.id), 5_000, 'the MOF event');
        assert.ok(seen.analyst!.some((e) => e.id === mof.id));
        // Events travel in order through one Redis channel: the MOH admin got the later one, never the earlier.
        assert.ok(!seen.moh!.some((e) => e.id === mof.id), 'the other agency hears nothing');
        assert.ok(!seen.mof!.some((e) => e.id === moh.id));
        const event = seen.mof!.find((e) => e.id === mof.id) as unknown as Record<string, unknown>;
        assert.deepEqual(Object.keys(event).sort(), ['agencyId', 'id', 'nextDueAt', 'revision', 'status', 'updatedAt'], 'no content in the event');
      } finally {
        for (const s of Object.values(sockets)) s.close();
      }
    });
  });

  describe('every route for every role, and for a second agency', function () {
    /** A MOF report with one submitted version and one attachment. */
    async function fixture(): Promise<{ id: string; attId: string }> {
      const r = await fileReport();
      assert.equal((await submit(r.id, 'early_warning')).status, 200);
      const up = await fetchRaw(c.mofAdmin, `/api/v1/reports/${r.id}/attachments`, {
        method: 'POST',
        body: Buffer.from('evidence\n'),
        headers: { 'content-type': 'text/plain', 'x-filename': 'e.txt' },
      });
      return { id: r.id, attId: JSON.parse(up.bytes.toString()).id };
    }

    type Call = (client: ApiClient, f: { id: string; attId: string }) => Promise<{ status: number }>;
    interface Row {
      route: string;
      call: Call;
      /** Expected status per role; `mohAdmin` is the admin of the second agency. */
      expect: Record<Role, number>;
      /** Mutating rows get a fresh fixture per role. */
      mutates?: boolean;
    }
    const all = (n: number, over: Partial<Record<Role, number>> = {}): Record<Role, number> => ({
      admin: n, analyst: n, leadership: n, mofAdmin: n, mohAdmin: n, anonymous: 401, ...over,
    });
    const read = all(200, { leadership: 403, mohAdmin: 404 });
    const raw = (method: string, url: (f: { id: string; attId: string }) => string, body?: Buffer, headers: Record<string, string> = {}): Call =>
      (client, f) => fetchRaw(client, url(f), { method, ...(body ? { body } : {}), headers });

    const ROWS: Row[] = [
      { route: 'GET /reports/meta', call: (cl) => cl.get('/api/v1/reports/meta'), expect: all(200) },
      { route: 'GET /reports', call: (cl) => cl.get('/api/v1/reports'), expect: all(200, { leadership: 403 }) },
      { route: 'GET /reports?agencyId=MOF', call: (cl) => cl.get(`/api/v1/reports?agencyId=${mofId}`), expect: all(200, { leadership: 403, mohAdmin: 404 }) },
      { route: 'GET /reports?format=csv&agencyId=MOF', call: (cl) => cl.get(`/api/v1/reports?format=csv&agencyId=${mofId}`), expect: all(200, { leadership: 403, mohAdmin: 404 }) },
      { route: 'GET /reports?overdue=true', call: (cl) => cl.get('/api/v1/reports?overdue=true'), expect: all(200, { leadership: 403 }) },
      { route: 'POST /reports', call: (cl) => cl.post('/api/v1/reports', body()), expect: all(403, { mofAdmin: 201, mohAdmin: 201 }) },
      { route: 'POST /reports {agencyId: MOF}', call: (cl) => cl.post('/api/v1/reports', body({ agencyId: mofId })), expect: all(403, { mofAdmin: 201, mohAdmin: 404 }) },
      { route: 'GET /reports/:id', call: (cl, f) => cl.get(`/api/v1/reports/${f.id}`), expect: read },
      { route: 'PATCH /reports/:id', call: (cl, f) => cl.request('PATCH', `/api/v1/reports/${f.id}`, { title: 'Edited in the matrix' }), expect: all(403, { mofAdmin: 200, mohAdmin: 404 }), mutates: true },
      { route: 'POST /reports/:id/submit', call: (cl, f) => cl.post(`/api/v1/reports/${f.id}/submit`, { stage: 'notification' }), expect: all(403, { mofAdmin: 200, mohAdmin: 404 }), mutates: true },
      { route: 'POST /reports/:id/acknowledge', call: (cl, f) => cl.post(`/api/v1/reports/${f.id}/acknowledge`), expect: all(403, { admin: 200, analyst: 200 }), mutates: true },
      { route: 'POST /reports/:id/close', call: (cl, f) => cl.post(`/api/v1/reports/${f.id}/close`), expect: all(403, { admin: 200, analyst: 200 }), mutates: true },
      { route: 'GET /reports/:id/versions', call: (cl, f) => cl.get(`/api/v1/reports/${f.id}/versions`), expect: read },
      { route: 'GET /reports/:id/versions/1', call: (cl, f) => cl.get(`/api/v1/reports/${f.id}/versions/1`), expect: read },
      { route: 'GET /reports/:id/versions/diff', call: (cl, f) => cl.get(`/api/v1/reports/${f.id}/versions/diff?from=1`), expect: read },
      {
        route: 'POST /reports/:id/attachments',
        call: raw('POST', (f) => `/api/v1/reports/${f.id}/attachments`, Buffer.from('more evidence'), { 'content-type': 'text/plain', 'x-filename': 'm.txt' }),
        expect: all(403, { mofAdmin: 201, mohAdmin: 404 }),
        mutates: true,
      },
      { route: 'GET /reports/:id/attachments', call: (cl, f) => cl.get(`/api/v1/reports/${f.id}/attachments`), expect: read },
      { route: 'GET /reports/:id/attachments/:attId', call: raw('GET', (f) => `/api/v1/reports/${f.id}/attachments/${f.attId}`), expect: read },
      { route: 'GET /reports/:id/export?format=pdf', call: raw('GET', (f) => `/api/v1/reports/${f.id}/export?format=pdf`), expect: read },
      { route: 'GET /reports/:id/export?format=stix', call: (cl, f) => cl.get(`/api/v1/reports/${f.id}/export?format=stix`), expect: read },
      { route: 'GET /reports/stats/on-time', call: (cl) => cl.get('/api/v1/reports/stats/on-time'), expect: all(200) },
      { route: 'GET /reports/stats/on-time?agencyId=MOF', call: (cl) => cl.get(`/api/v1/reports/stats/on-time?agencyId=${mofId}`), expect: all(200, { mohAdmin: 404 }) },
      { route: 'GET /reports/notifications', call: (cl) => cl.get('/api/v1/reports/notifications'), expect: all(200, { leadership: 403 }) },
      { route: 'GET /reports/notifications?reportId=', call: (cl, f) => cl.get(`/api/v1/reports/notifications?reportId=${f.id}`), expect: all(200, { leadership: 403, mohAdmin: 404 }) },
    ];

    it('answers each role as the access rules say; the second agency gets 404 (audited), as for a missing report', async () => {
      const shared = await fixture();
      const auditBefore = (await vigil.storage.audit.list({ action: 'report.access_denied', actor: 'moh-admin' }, { limit: 1000 })).length;
      const failures: string[] = [];
      let mohDenied = 0;
      for (const row of ROWS) {
        for (const role of ROLES) {
          const f = row.mutates ? await fixture() : shared;
          const res = await row.call(c[role], f);
          if (res.status !== row.expect[role]) failures.push(`${row.route} as ${role}: ${res.status}, expected ${row.expect[role]}`);
          if (role === 'mohAdmin' && row.expect.mohAdmin === 404) mohDenied += 1;
        }
      }
      assert.deepEqual(failures, []);
      const audited = await vigil.storage.audit.list({ action: 'report.access_denied', actor: 'moh-admin' }, { limit: 1000 });
      assert.equal(audited.length - auditBefore, mohDenied, 'every refused cross-agency attempt is audited');
      assert.ok(audited.every((e) => e.details.actorAgencyId === mohId));
    });

    it("answers the second agency's 404 exactly like a report that does not exist", async () => {
      const f = await fixture();
      const theirs = await c.mohAdmin.get(`/api/v1/reports/${f.id}`);
      const missing = await c.mohAdmin.get('/api/v1/reports/00000000-0000-4000-8000-000000000000');
      assert.equal(theirs.status, 404);
      assert.deepEqual({ ...theirs.body, requestId: 'x' }, { ...missing.body, requestId: 'x' });
    });

    it('logs in the first admin unchanged (the matrix used it)', async () => {
      const again = new ApiClient(vigil.url);
      await again.login('admin', ADMIN_PASSWORD);
      assert.equal((await again.get('/api/v1/reports/meta')).body.categories.length, 11);
    });
  });
});
