/**
 * Report deadlines: the check the node-cron job runs (with an injected clock: nothing sleeps to reach a deadline),
 * e-mail through nodemailer to a tiny SMTP server written here with `net`, and the whole path in a running Vigil:
 * an overdue report raises one notification per deadline and level, live in the console rooms of the centre and of
 * the report's agency only, and by e-mail.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { validate as validateCron } from 'node-cron';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { Report } from '../../core/domain/report.js';
import { computeDeadlines, DEFAULT_DEADLINE_POLICY, HOUR_MS, nextDueAt } from '../../core/domain/report-deadlines.js';
import { createLogger } from '../../core/logging/logger.js';
import { createDeadlineChecker } from '../../core/services/report-deadline-check.js';
import { createReportMailer, type MailMessage, type ReportMailer } from '../../core/services/report-mailer.js';
import { createSqliteStorage } from '../../core/storage/sqlite/index.js';
import type { NewReport, Storage } from '../../core/storage/storage.port.js';
import type { EmbeddedRedis } from '../../workers/redis-launcher.js';
import { REPORT_DEADLINE_CRON, startReportDeadlineJob } from '../../workers/report-deadlines.js';
import { ApiClient, provisionAgent, startTestRedis, startTestVigil, tempDir, waitFor, type TestVigil } from '../support/harness.js';

interface SunkMail {
  from: string;
  to: string[];
  data: string;
}

/** The least SMTP server nodemailer will talk to: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT. No TLS, no auth. */
async function startSmtpSink(): Promise<{ port: number; mails: SunkMail[]; close(): Promise<void> }> {
  const mails: SunkMail[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.setEncoding('utf8');
    let buf = '';
    let inData = false;
    let cur: SunkMail = { from: '', to: [], data: '' };
    sock.write('220 sink.test ESMTP ready\r\n');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      for (;;) {
        if (inData) {
          const end = buf.startsWith('.\r\n') ? 0 : buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          cur.data = buf.slice(0, end).replace(/\r\n\.\./g, '\r\n.');
          buf = buf.slice(end === 0 ? 3 : end + 5);
          inData = false;
          mails.push(cur);
          cur = { from: '', to: [], data: '' };
          sock.write('250 2.0.0 queued\r\n');
          continue;
        }
        const nl = buf.indexOf('\r\n');
        if (nl < 0) return;
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        const verb = line.split(' ')[0]!.toUpperCase();
        const addr = () => /<([^>]*)>/.exec(line)?.[1] ?? '';
        if (verb === 'EHLO') sock.write('250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n');
        else if (verb === 'HELO') sock.write('250 sink.test\r\n');
        else if (verb === 'MAIL') {
          cur.from = addr();
          sock.write('250 2.1.0 ok\r\n');
        } else if (verb === 'RCPT') {
          cur.to.push(addr());
          sock.write('250 2.1.5 ok\r\n');
        } else if (verb === 'DATA') {
          inData = true;
          sock.write('354 end with <CRLF>.<CRLF>\r\n');
        } else if (verb === 'RSET' || verb === 'NOOP') sock.write('250 ok\r\n');
        else if (verb === 'QUIT') sock.end('221 bye\r\n');
        else sock.write('502 5.5.2 not implemented\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    mails,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** RFC 2047 encoded words (`=?UTF-8?Q?...?=`, `=?UTF-8?B?...?=`) decoded; blanks between two of them dropped. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_m, _charset: string, enc: string, text: string) => {
      if (enc.toUpperCase() === 'B') return Buffer.from(text, 'base64').toString('utf8');
      const bytes = text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_x, h: string) => `%${h}`);
      return decodeURIComponent(bytes.replace(/%(?![0-9A-Fa-f]{2})/g, '%25'));
    });
}

/** Headers (unfolded, encoded words decoded) and (decoded quoted-printable) body of a raw message. */
function readMail(raw: string): { headers: Record<string, string>; body: string } {
  const [head = '', ...rest] = raw.split('\r\n\r\n');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = decodeWords(line.slice(i + 1).trim());
  }
  let body = rest.join('\r\n\r\n');
  if (/quoted-printable/i.test(headers['content-transfer-encoding'] ?? '')) {
    body = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
  return { headers, body };
}

const silent = createLogger('silent');
const T = Date.parse('2026-04-01T06:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('report deadline check (injected clock, no sleeping)', function () {
  let s: Storage;
  let mof: string;
  let moh: string;
  let sent: MailMessage[];
  let published: unknown[];
  let clock: number;

  const mailer: ReportMailer = {
    async send(m) {
      sent.push(m);
      return null;
    },
    close() {},
  };

  function checker(notifyEmails: string[] = ['soc@centre.example']) {
    return createDeadlineChecker({
      storage: s,
      policy: DEFAULT_DEADLINE_POLICY,
      notifyEmails,
      mailer,
      publish: (n) => published.push(n),
      logger: silent,
      now: () => clock,
    });
  }

  async function report(agencyId: string, awarenessMs: number, over: Partial<NewReport> = {}): Promise<Report> {
    const deadlines = over.deadlines ?? computeDeadlines(iso(awarenessMs), {}, DEFAULT_DEADLINE_POLICY);
    const status = over.status ?? 'draft';
    return s.reports.create({
      agencyId,
      reporter: 'x',
      reporterId: 'x',
      title: 'Payroll phishing',
      category: 'fraud',
      type: 'phishing',
      description: 'd',
      awarenessAt: iso(awarenessMs),
      occurredAt: null,
      severity: 'medium',
      tlp: 'AMBER',
      impact: { systemsAffected: 0, usersAffected: 0, serviceDowntimeMinutes: 0, data: { confidentiality: false, integrity: false, availability: false }, crossBorder: false, suspectedMalicious: false },
      indicators: [],
      actionsTaken: '',
      incidentIds: [],
      status,
      lastStage: null,
      deadlines,
      nextDueAt: nextDueAt(deadlines, status),
      submittedAt: null,
      acknowledgedAt: null,
      acknowledgedBy: null,
      closedAt: null,
      closedBy: null,
      createdAt: iso(awarenessMs),
      updatedAt: iso(awarenessMs),
      ...over,
    });
  }

  beforeEach(async function () {
    s = createSqliteStorage({ file: path.join(tempDir('deadlines'), 'vigil.sqlite') });
    await s.connect();
    mof = (await s.agencies.create({ name: 'Ministry of Finance', code: 'MOF' })).id;
    moh = (await s.agencies.create({ name: 'Ministry of Health', code: 'MOH' })).id;
    for (const [username, role, agencyId] of [
      ['ciso@mof.example', 'agency_admin', mof],
      ['ciso@moh.example', 'agency_admin', moh],
      ['duty@centre.example', 'analyst', null],
      ['chief@centre.example', 'leadership', null],
      ['plainname', 'analyst', null],
    ] as const) {
      await s.users.create({ username, passwordHash: 'x', role, agencyId });
    }
    sent = [];
    published = [];
    clock = T;
  });
  afterEach(async function () {
    await s.close();
  });

  it('flags due soon once, then overdue once, as the clock moves', async function () {
    const r = await report(mof, T - 21 * HOUR_MS); // early warning due in 3 h: within the 4 h window
    const check = checker();
    const first = await check.check();
    assert.deepEqual(first.raised.map((n) => [n.reportId, n.deadline, n.level]), [[r.id, 'earlyWarning', 'due_soon']]);
    assert.equal(first.emailed, 1);
    assert.equal(published.length, 1);
    assert.deepEqual((await check.check()).raised, [], 'nothing twice');
    clock = T + 3 * HOUR_MS + 1; // just past due
    const second = await check.check();
    assert.deepEqual(second.raised.map((n) => [n.deadline, n.level]), [['earlyWarning', 'overdue']]);
    clock = T + 48 * HOUR_MS; // the notification (due at +51 h) is now due soon too
    const third = await check.check();
    assert.deepEqual(third.raised.map((n) => [n.deadline, n.level]), [['notification', 'due_soon']]);
    assert.equal((await s.reportNotifications.list({ reportId: r.id })).length, 3);
  });

  it('raises only overdue for a report filed already late (never a stale due-soon first)', async function () {
    await report(mof, T - 80 * HOUR_MS);
    const res = await checker().check();
    assert.deepEqual(res.raised.map((n) => [n.deadline, n.level]).sort(), [['earlyWarning', 'overdue'], ['notification', 'overdue']]);
  });

  it('leaves met deadlines and closed reports alone', async function () {
    const ew = iso(T - 70 * HOUR_MS);
    const deadlines = computeDeadlines(iso(T - 80 * HOUR_MS), { earlyWarning: ew }, DEFAULT_DEADLINE_POLICY);
    await report(mof, T - 80 * HOUR_MS, { deadlines, status: 'submitted' });
    await report(mof, T - 80 * HOUR_MS, { status: 'closed', nextDueAt: null });
    const res = await checker().check();
    assert.deepEqual(res.raised.map((n) => [n.deadline, n.level]), [['notification', 'overdue']]);
    assert.equal(res.checked, 1);
  });

  it("e-mails the report agency's admins, the centre's analysts and the configured mailbox; never another agency", async function () {
    await report(mof, T - 80 * HOUR_MS, { title: 'Payroll portal phishing' });
    await checker(['soc@centre.example']).check();
    assert.equal(sent.length, 2);
    for (const m of sent) {
      assert.deepEqual(m.to, ['ciso@mof.example', 'duty@centre.example', 'soc@centre.example']);
      assert.match(m.subject, /^\[Vigil\] OVERDUE: .* for "Payroll portal phishing" \(Ministry of Finance \(MOF\)\)$/);
      assert.match(m.text, /Due: {6}2026-/);
    }
  });

  it('keeps the title of a TLP:RED report out of the e-mail', async function () {
    const r = await report(moh, T - 21 * HOUR_MS, { title: 'Minister mailbox compromise', tlp: 'RED' });
    await checker([]).check();
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0]!.to, ['ciso@moh.example', 'duty@centre.example']);
    assert.ok(!sent[0]!.subject.includes('Minister'));
    assert.ok(!sent[0]!.text.includes('Minister'));
    assert.ok(sent[0]!.subject.includes(r.id));
  });

  it('still raises the warning in the console when the mail server is down', async function () {
    await report(mof, T - 80 * HOUR_MS);
    const broken = createDeadlineChecker({
      storage: s,
      policy: DEFAULT_DEADLINE_POLICY,
      notifyEmails: [],
      mailer: { send: async () => Promise.reject(new Error('connection refused')), close() {} },
      publish: (n) => published.push(n),
      logger: silent,
      now: () => clock,
    });
    const res = await broken.check();
    assert.equal(res.raised.length, 2);
    assert.equal(res.emailed, 0);
    assert.equal(published.length, 2);
  });
});

describe('deadline e-mail through nodemailer to an SMTP server', function () {
  it('delivers the message to every recipient', async function () {
    const sink = await startSmtpSink();
    const mailer = createReportMailer({ transport: `smtp://127.0.0.1:${sink.port}`, from: 'Vigil <vigil@centre.example>' });
    try {
      await mailer.send({ to: ['a@mof.example', 'b@centre.example'], subject: '[Vigil] OVERDUE: notification', text: 'Due:      2026-04-01T06:00:00.000Z' });
      assert.equal(sink.mails.length, 1);
      const mail = sink.mails[0]!;
      assert.equal(mail.from, 'vigil@centre.example');
      assert.deepEqual(mail.to, ['a@mof.example', 'b@centre.example']);
      const { headers, body } = readMail(mail.data);
      assert.equal(headers.subject, '[Vigil] OVERDUE: notification');
      assert.equal(headers.to, 'a@mof.example, b@centre.example');
      assert.match(body, /Due: {6}2026-04-01T06:00:00\.000Z/);
      await mailer.send({ to: [], subject: 'nobody', text: '' });
      assert.equal(sink.mails.length, 1, 'no recipients, no mail');
    } finally {
      mailer.close();
      await sink.close();
    }
  });

  it('builds the message nodemailer would send (jsonTransport)', async function () {
    const mailer = createReportMailer({ transport: { jsonTransport: true }, from: 'vigil@centre.example' });
    const info = (await mailer.send({ to: ['x@y.example'], subject: 'Due soon', text: 'body' })) as { message: string };
    mailer.close();
    const message = JSON.parse(info.message) as { from: { address: string }; to: { address: string }[]; subject: string; text: string };
    assert.equal(message.from.address, 'vigil@centre.example');
    assert.deepEqual(message.to.map((t) => t.address), ['x@y.example']);
    assert.equal(message.subject, 'Due soon');
    assert.equal(message.text, 'body');
  });
});

describe('report deadlines in a running Vigil: node-cron job, console rooms, e-mail', function () {
  this.timeout(60_000);
  let redis: EmbeddedRedis;
  let vigil: TestVigil;
  let sink: Awaited<ReturnType<typeof startSmtpSink>>;
  let mofId: string;
  let mohId: string;
  const clients: Record<string, ApiClient> = {};
  const PASSWORD = 'deadline-test-password';

  function connectConsole(cookie: string): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = ioClient(`${vigil.url}/console`, { extraHeaders: { cookie }, transports: ['websocket'], reconnection: false });
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', reject);
    });
  }

  before(async function () {
    sink = await startSmtpSink();
    redis = await startTestRedis();
    vigil = await startTestVigil({
      REDIS_URL: redis.url,
      SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
      SMTP_FROM: 'Vigil <vigil@centre.example>',
      REPORT_NOTIFY_EMAILS: 'soc@centre.example',
    });
    const mof = await provisionAgent(vigil.url, 'MOF');
    const moh = await provisionAgent(vigil.url, 'MOH');
    mofId = mof.agencyId;
    mohId = moh.agencyId;
    for (const [name, role, agencyId] of [
      ['ciso@mof.example', 'agency_admin', mofId],
      ['ciso@moh.example', 'agency_admin', mohId],
      ['duty@centre.example', 'analyst', null],
    ] as const) {
      assert.equal((await mof.admin.post('/api/v1/users', { username: name, password: PASSWORD, role, ...(agencyId ? { agencyId } : {}) })).status, 201);
      clients[name] = new ApiClient(vigil.url);
      await clients[name].login(name, PASSWORD);
    }
  });
  after(async function () {
    await vigil?.close();
    await redis?.stop();
    await sink?.close();
  });

  it('schedules the check every minute with node-cron', function () {
    assert.equal(REPORT_DEADLINE_CRON, '* * * * *');
    assert.ok(validateCron(REPORT_DEADLINE_CRON));
    assert.ok(vigil.reportDeadlines, 'started in every role');
  });

  it('raises an overdue report once: live to the centre and its agency only, and by e-mail', async function () {
    const sockets: Record<string, Socket> = {};
    const heard: Record<string, { reportId: string; deadline: string; level: string }[]> = {};
    try {
      for (const name of Object.keys(clients)) {
        sockets[name] = await connectConsole(clients[name]!.cookie);
        heard[name] = [];
        sockets[name].on('report:deadline', (e: { reportId: string; deadline: string; level: string }) => heard[name]!.push(e));
      }
      const filed = await clients['ciso@mof.example']!.post('/api/v1/reports', {
        title: 'Late ransomware report',
        category: 'malicious-code',
        type: 'infected-system',
        description: 'Filed three days after the fact.',
        awarenessAt: new Date(Date.now() - 80 * HOUR_MS).toISOString(),
        severity: 'severe',
        tlp: 'AMBER',
        impact: { systemsAffected: 3, usersAffected: 0, serviceDowntimeMinutes: 0, data: { confidentiality: false, integrity: true, availability: true }, crossBorder: false, suspectedMalicious: true },
        indicators: [],
      });
      assert.equal(filed.status, 201);
      const id = filed.body.id as string;

      const res = await vigil.reportDeadlines!.runOnce();
      assert.deepEqual(res.raised.filter((n) => n.reportId === id).map((n) => `${n.deadline}:${n.level}`).sort(), ['earlyWarning:overdue', 'notification:overdue']);
      await waitFor(async () => heard['duty@centre.example']!.filter((e) => e.reportId === id).length === 2, 5_000, 'the centre hears both');
      await waitFor(async () => heard['ciso@mof.example']!.filter((e) => e.reportId === id).length === 2, 5_000, 'the agency hears both');
      assert.deepEqual(heard['ciso@moh.example'], [], 'another agency hears nothing');
      await waitFor(async () => sink.mails.length >= 2, 5_000, 'two e-mails');
      for (const mail of sink.mails) {
        assert.deepEqual(mail.to, ['ciso@mof.example', 'duty@centre.example', 'soc@centre.example']);
        assert.match(readMail(mail.data).headers.subject ?? '', /OVERDUE: .*"Late ransomware report"/);
      }

      const again = await vigil.reportDeadlines!.runOnce();
      assert.deepEqual(again.raised, [], 'once only');

      const listed = await clients['ciso@mof.example']!.get(`/api/v1/reports/notifications?reportId=${id}`);
      assert.equal(listed.status, 200);
      assert.equal(listed.body.items.length, 2);
      assert.deepEqual((await clients['ciso@moh.example']!.get('/api/v1/reports/notifications')).body.items, []);
      assert.equal((await clients['duty@centre.example']!.get('/api/v1/reports/notifications')).body.items.length, 2);
    } finally {
      for (const socket of Object.values(sockets)) socket.close();
    }
  });

  it('runs the check on its cron schedule (every second here), with nothing to do twice', async function () {
    const job = startReportDeadlineJob({ config: { reports: { ...DEFAULT_DEADLINE_POLICY, attachmentMaxBytes: 1, notifyEmails: [] }, smtp: { url: null, from: 'x' } }, redisUrl: redis.url, storage: vigil.storage, logger: silent, cron: '* * * * * *' });
    try {
      const agency = mofId;
      const before = (await vigil.storage.reportNotifications.list({ agencyIds: [agency] })).length;
      const filed = await clients['ciso@mof.example']!.post('/api/v1/reports', {
        title: 'Picked up by the schedule',
        category: 'availability',
        description: 'x',
        awarenessAt: new Date(Date.now() - 30 * HOUR_MS).toISOString(),
        severity: 'low',
        tlp: 'GREEN',
        impact: { systemsAffected: 0, usersAffected: 0, serviceDowntimeMinutes: 0, data: { confidentiality: false, integrity: false, availability: false }, crossBorder: false, suspectedMalicious: false },
        indicators: [],
      });
      await waitFor(
        async () => (await vigil.storage.reportNotifications.list({ reportId: filed.body.id })).length === 1,
        5_000,
        'the scheduled check',
      );
      assert.equal((await vigil.storage.reportNotifications.list({ agencyIds: [agency] })).length, before + 1);
    } finally {
      await job.close();
    }
  });
});
