import assert from 'node:assert/strict';
import { contentOf, EMPTY_IMPACT, type Report, type ReportContent } from '../../core/domain/report.js';
import {
  computeDeadlines,
  DAY_MS,
  deadlinesAfterSubmit,
  deadlineState,
  deadlineView,
  DEFAULT_DEADLINE_POLICY,
  HOUR_MS,
  nextDueAt,
  worstState,
  deadlineViews,
} from '../../core/domain/report-deadlines.js';
import { diffReportContent } from '../../core/domain/report-diff.js';
import { checkIndicator, dedupIndicators, guessIndicatorType, refang } from '../../core/domain/report-indicators.js';
import { contentIssues, createReportSchema, patchReportSchema, stageIssues } from '../../core/domain/report-input.js';
import { isReportType, RSIT_TAXONOMY } from '../../core/domain/report-taxonomy.js';
import type { Incident } from '../../core/domain/types.js';
import { csvCell, reportsToCsv } from '../../core/services/report-csv.js';
import { prefillFromIncidents } from '../../core/services/report-service.js';
import { baseContentType, createAttachmentFiles, sanitizeFilename } from '../../core/services/report-attachments.js';
import { tempDir } from '../support/harness.js';

const P = DEFAULT_DEADLINE_POLICY;
const T = Date.parse('2026-03-02T08:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('report indicators', function () {
  it('validates each type and tells hashes apart by length', function () {
    const ok: [Parameters<typeof checkIndicator>[0], string, string, string][] = [
      ['ip', '203.0.113.7', 'ipv4', '203.0.113.7'],
      ['ip', '10.0.0.0/8', 'ipv4', '10.0.0.0/8'],
      ['ip', '2001:DB8::1', 'ipv6', '2001:db8::1'],
      ['domain', 'Evil-C2.Example.', 'domain', 'evil-c2.example'],
      ['domain', 'xn--bcher-kva.example', 'domain', 'xn--bcher-kva.example'],
      ['url', 'https://evil.example/a?b=c', 'url', 'https://evil.example/a?b=c'],
      ['hash', 'D41D8CD98F00B204E9800998ECF8427E', 'md5', 'd41d8cd98f00b204e9800998ecf8427e'],
      ['hash', 'da39a3ee5e6b4b0d3255bfef95601890afd80709', 'sha1', 'da39a3ee5e6b4b0d3255bfef95601890afd80709'],
      ['hash', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'sha256', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
      ['email', 'Billing@Phish.Example', 'email', 'Billing@phish.example'],
    ];
    for (const [type, value, kind, normalized] of ok) {
      assert.deepEqual(checkIndicator(type, value), { ok: true, kind, value: normalized }, `${type} ${value}`);
    }
    const bad: [Parameters<typeof checkIndicator>[0], string][] = [
      ['ip', '256.1.1.1'],
      ['ip', '1.2.3.4/33'],
      ['ip', 'evil.example'],
      ['domain', 'localhost'],
      ['domain', '-bad-.example'],
      ['domain', 'a..example'],
      ['url', 'javascript:alert(1)'],
      ['url', 'not a url'],
      ['hash', 'abc'],
      ['hash', 'z'.repeat(32)],
      ['hash', 'a'.repeat(50)],
      ['email', 'no-at-sign.example'],
      ['email', 'a@localhost'],
      ['email', '.a@b.example'],
      ['ip', ''],
    ];
    for (const [type, value] of bad) assert.equal(checkIndicator(type, value).ok, false, `${type} ${value}`);
  });

  it('refangs defanged values before checking', function () {
    assert.equal(refang('hxxps://evil[.]example/x'), 'https://evil.example/x');
    assert.deepEqual(checkIndicator('domain', 'evil[.]example'), { ok: true, kind: 'domain', value: 'evil.example' });
    assert.deepEqual(checkIndicator('email', 'a[@]b[.]example'), { ok: true, kind: 'email', value: 'a@b.example' });
    assert.deepEqual(checkIndicator('ip', '1[.]2[.]3[.]4'), { ok: true, kind: 'ipv4', value: '1.2.3.4' });
  });

  it('guesses a type and removes duplicates by kind and normalised value', function () {
    assert.equal(guessIndicatorType('8.8.8.8'), 'ip');
    assert.equal(guessIndicatorType('a'.repeat(64)), 'hash');
    assert.equal(guessIndicatorType('http://x.example'), 'url');
    assert.equal(guessIndicatorType('x.example'), 'domain');
    assert.equal(guessIndicatorType('nothing'), null);
    const list = dedupIndicators([
      { type: 'domain', kind: 'domain', value: 'a.example', description: 'first' },
      { type: 'domain', kind: 'domain', value: 'a.example', description: 'second' },
      { type: 'ip', kind: 'ipv4', value: '1.1.1.1' },
    ]);
    assert.deepEqual(list.map((i) => i.description ?? i.value), ['first', '1.1.1.1']);
  });

  it('validates indicators in the create schema with the field path of the bad one', function () {
    const res = createReportSchema.safeParse({ indicators: [{ type: 'ip', value: '1.1.1.1' }, { type: 'hash', value: 'xyz' }] });
    assert.equal(res.success, false);
    assert.deepEqual(res.error!.issues.map((i) => i.path), [['indicators', 1, 'value']]);
    const ok = patchReportSchema.parse({ indicators: [{ type: 'hash', kind: 'md5', value: 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855' }] });
    assert.deepEqual(ok.indicators, [{ type: 'hash', kind: 'sha256', value: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' }]);
  });
});

describe('report taxonomy and input rules', function () {
  it('has the eleven RSIT classes with their types, including test', function () {
    assert.deepEqual(
      RSIT_TAXONOMY.map((c) => c.slug),
      [
        'abusive-content', 'malicious-code', 'information-gathering', 'intrusion-attempts', 'intrusions', 'availability',
        'information-content-security', 'fraud', 'vulnerable', 'other', 'test',
      ],
    );
    assert.ok(isReportType('fraud', 'phishing'));
    assert.ok(!isReportType('fraud', 'ddos'));
    assert.ok(RSIT_TAXONOMY.every((c) => c.types.length > 0));
  });

  const content = (over: Partial<ReportContent> = {}): ReportContent => ({
    title: 'x',
    category: 'fraud',
    type: null,
    description: 'd',
    awarenessAt: iso(T),
    occurredAt: null,
    severity: 'low',
    tlp: 'GREEN',
    impact: EMPTY_IMPACT,
    indicators: [],
    actionsTaken: '',
    incidentIds: [],
    ...over,
  });

  it('checks the type against the category and refuses an awareness time in the future', function () {
    assert.deepEqual(contentIssues(content({ type: 'phishing' }), T), []);
    assert.deepEqual(contentIssues(content({ type: 'ddos' }), T).map((i) => i.path), [['type']]);
    assert.deepEqual(contentIssues(content({ awarenessAt: iso(T + HOUR_MS) }), T).map((i) => i.path), [['awarenessAt']]);
    assert.deepEqual(contentIssues(content({ awarenessAt: iso(T + 60_000) }), T), [], 'a minute of clock skew is fine');
  });

  it('asks more of later stages', function () {
    assert.deepEqual(stageIssues('early_warning', content()), []);
    assert.deepEqual(stageIssues('notification', content()).map((i) => i.path), [['type']]);
    assert.deepEqual(stageIssues('final', content({ type: 'phishing' })).map((i) => i.path), [['occurredAt'], ['actionsTaken']]);
    assert.deepEqual(stageIssues('final', content({ type: 'phishing', occurredAt: iso(T), actionsTaken: 'blocked' })), []);
  });

  it('rejects unknown fields and bad enum values', function () {
    assert.equal(createReportSchema.safeParse({ bogus: 1 }).success, false);
    assert.equal(createReportSchema.safeParse({ tlp: 'WHITE' }).success, false);
    assert.equal(createReportSchema.safeParse({ severity: 'critical' }).success, false);
    assert.equal(createReportSchema.safeParse({ category: 'malware' }).success, false);
    assert.equal(createReportSchema.safeParse({ awarenessAt: '2026-03-02 08:00' }).success, false);
    assert.equal(createReportSchema.safeParse({ tlp: 'AMBER+STRICT', severity: 'baseline-negligible' }).success, true);
  });
});

describe('report deadlines (pure: the clock is a parameter)', function () {
  it('are due 24 h and 72 h after awareness, the final one month after the notification', function () {
    const d = computeDeadlines(iso(T), {}, P);
    assert.equal(d.earlyWarning.dueAt, iso(T + 24 * HOUR_MS));
    assert.equal(d.notification.dueAt, iso(T + 72 * HOUR_MS));
    assert.equal(d.final.dueAt, iso(T + 72 * HOUR_MS + 30 * DAY_MS), 'from the notification due time while not submitted');
    const after = computeDeadlines(iso(T), { notification: iso(T + 10 * HOUR_MS) }, P);
    assert.equal(after.final.dueAt, iso(T + 10 * HOUR_MS + 30 * DAY_MS), 'from the notification once submitted');
  });

  it('follow the configured policy', function () {
    const d = computeDeadlines(iso(T), {}, { earlyWarningMs: HOUR_MS, notificationMs: 2 * HOUR_MS, finalMs: DAY_MS, dueSoonMs: 60_000 });
    assert.equal(d.earlyWarning.dueAt, iso(T + HOUR_MS));
    assert.equal(d.final.dueAt, iso(T + 2 * HOUR_MS + DAY_MS));
  });

  it('move through pending, due soon, overdue; met once submitted, on time or late', function () {
    const d = { dueAt: iso(T), submittedAt: null };
    assert.equal(deadlineState(d, T - 5 * HOUR_MS, P.dueSoonMs), 'pending');
    assert.equal(deadlineState(d, T - 4 * HOUR_MS, P.dueSoonMs), 'due_soon');
    assert.equal(deadlineState(d, T, P.dueSoonMs), 'due_soon');
    assert.equal(deadlineState(d, T + 1, P.dueSoonMs), 'overdue');
    assert.deepEqual(deadlineView({ dueAt: iso(T), submittedAt: iso(T - 1) }, T + DAY_MS, P.dueSoonMs), {
      dueAt: iso(T),
      submittedAt: iso(T - 1),
      state: 'met',
      onTime: true,
    });
    assert.equal(deadlineView({ dueAt: iso(T), submittedAt: iso(T + 1) }, T, P.dueSoonMs).onTime, false);
  });

  it('a report aware 80 h ago is overdue for early warning and notification, with nothing slept', function () {
    const now = T + 80 * HOUR_MS;
    const views = deadlineViews(computeDeadlines(iso(T), {}, P), now, P.dueSoonMs);
    assert.equal(views.earlyWarning.state, 'overdue');
    assert.equal(views.notification.state, 'overdue');
    assert.equal(views.final.state, 'pending');
    assert.equal(worstState(views), 'overdue');
  });

  it('a submitted stage meets its deadline and every earlier one; progress meets none', function () {
    const base = { awarenessAt: iso(T), deadlines: computeDeadlines(iso(T), {}, P) };
    const n = deadlinesAfterSubmit(base, 'notification', iso(T + HOUR_MS), P);
    assert.equal(n.earlyWarning.submittedAt, iso(T + HOUR_MS));
    assert.equal(n.notification.submittedAt, iso(T + HOUR_MS));
    assert.equal(n.final.submittedAt, null);
    assert.equal(n.final.dueAt, iso(T + HOUR_MS + 30 * DAY_MS));
    const p = deadlinesAfterSubmit({ awarenessAt: iso(T), deadlines: n }, 'progress', iso(T + 2 * HOUR_MS), P);
    assert.deepEqual(p, n);
    const f = deadlinesAfterSubmit({ awarenessAt: iso(T), deadlines: p }, 'final', iso(T + 3 * HOUR_MS), P);
    assert.equal(f.earlyWarning.submittedAt, iso(T + HOUR_MS), 'earlier submissions are kept');
    assert.equal(f.final.submittedAt, iso(T + 3 * HOUR_MS));
    assert.equal(nextDueAt(f, 'submitted'), null);
    assert.equal(nextDueAt(n, 'submitted'), n.final.dueAt);
    assert.equal(nextDueAt(base.deadlines, 'closed'), null);
    assert.equal(nextDueAt(base.deadlines, 'draft'), base.deadlines.earlyWarning.dueAt);
  });
});

describe('report version diff', function () {
  const a: ReportContent = {
    title: 'Phishing wave',
    category: 'fraud',
    type: null,
    description: 'First look',
    awarenessAt: iso(T),
    occurredAt: null,
    severity: 'medium',
    tlp: 'AMBER',
    impact: { ...EMPTY_IMPACT, data: { ...EMPTY_IMPACT.data }, usersAffected: 10 },
    indicators: [
      { type: 'domain', kind: 'domain', value: 'phish.example', description: 'landing page' },
      { type: 'ip', kind: 'ipv4', value: '198.51.100.1' },
    ],
    actionsTaken: '',
    incidentIds: ['i1'],
  };

  it('lists changed leaves, added and removed list items, in field order', function () {
    const b: ReportContent = {
      ...contentOf(a),
      type: 'phishing',
      severity: 'high',
      impact: { ...a.impact, usersAffected: 250, data: { ...a.impact.data, confidentiality: true } },
      indicators: [
        { type: 'domain', kind: 'domain', value: 'phish.example', description: 'landing + kit' },
        { type: 'email', kind: 'email', value: 'ceo@phish.example' },
      ],
      incidentIds: ['i1', 'i2'],
    };
    assert.deepEqual(diffReportContent(a, b), [
      { field: 'type', op: 'changed', before: null, after: 'phishing' },
      { field: 'severity', op: 'changed', before: 'medium', after: 'high' },
      { field: 'impact.usersAffected', op: 'changed', before: 10, after: 250 },
      { field: 'impact.data.confidentiality', op: 'changed', before: false, after: true },
      { field: 'indicators[domain:phish.example].description', op: 'changed', before: 'landing page', after: 'landing + kit' },
      { field: 'indicators', op: 'removed', before: { type: 'ip', kind: 'ipv4', value: '198.51.100.1' } },
      { field: 'indicators', op: 'added', after: { type: 'email', kind: 'email', value: 'ceo@phish.example' } },
      { field: 'incidentIds', op: 'added', after: 'i2' },
    ]);
    assert.deepEqual(diffReportContent(a, contentOf(a)), []);
  });
});

describe('report prefill from incidents', function () {
  const incident = (over: Partial<Incident>): Incident => ({
    id: 'i1',
    title: 'Shadow copies deleted',
    severity: 'high',
    category: 'malicious-code',
    agencyId: 'a',
    status: 'new',
    assignee: null,
    groupKey: 'g',
    ruleId: 'r',
    ruleIds: ['r'],
    host: 'WS-1',
    techniques: [],
    entities: { hosts: ['WS-1'], users: ['bob'], ips: ['203.0.113.9', 'not-an-ip'], hashes: ['d41d8cd98f00b204e9800998ecf8427e'], domains: ['c2.example'] },
    alertCount: 2,
    eventCount: 5,
    firstSeen: iso(T - HOUR_MS),
    lastSeen: iso(T),
    createdAt: iso(T),
    updatedAt: iso(T),
    ...over,
  });

  it('takes category, times, severity and entities as indicators from the incidents', function () {
    const p = prefillFromIncidents([
      incident({}),
      incident({ id: 'i2', severity: 'critical', createdAt: iso(T + HOUR_MS), firstSeen: iso(T - 2 * HOUR_MS), entities: { hosts: ['WS-2'], users: [], ips: ['203.0.113.9'] } }),
    ]);
    assert.equal(p.category, 'malicious-code');
    assert.equal(p.awarenessAt, iso(T), 'the earliest detection');
    assert.equal(p.occurredAt, iso(T - 2 * HOUR_MS), 'the earliest first-seen');
    assert.equal(p.severity, 'severe', 'critical maps to NCISS severe');
    assert.equal(p.title, 'Shadow copies deleted (+1 related incident)');
    assert.deepEqual(p.incidentIds, ['i1', 'i2']);
    assert.equal(p.impact?.systemsAffected, 2);
    assert.deepEqual(
      p.indicators?.map((i) => `${i.kind}:${i.value}`),
      ['ipv4:203.0.113.9', 'domain:c2.example', 'md5:d41d8cd98f00b204e9800998ecf8427e'],
      'valid entities only, once each',
    );
  });

  it('falls back to other for a category that is not an RSIT class', function () {
    assert.equal(prefillFromIncidents([incident({ category: 'weird' })]).category, 'other');
  });
});

describe('report CSV and attachments helpers', function () {
  it('quotes CSV cells and defuses spreadsheet formulas', function () {
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvCell('line\nbreak'), '"line\nbreak"');
    assert.equal(csvCell(null), '');
    const report = { id: 'r1', agencyId: 'a' } as unknown as Report;
    assert.match(reportsToCsv([], new Map()), /^id,agency_code,/);
    assert.ok(report);
  });

  it('sanitises file names and content types', function () {
    assert.equal(sanitizeFilename('../../etc/passwd'), 'passwd');
    assert.equal(sanitizeFilename('C:\\Users\\x\\evidence "1".pcap'), 'evidence 1.pcap');
    assert.equal(sanitizeFilename(encodeURIComponent('nhật ký.txt')), 'nhật ký.txt');
    assert.equal(sanitizeFilename(''), 'attachment');
    assert.equal(sanitizeFilename('...'), 'attachment');
    assert.equal(sanitizeFilename(`${'a'.repeat(300)}.log`).length, 200);
    assert.ok(sanitizeFilename(`${'a'.repeat(300)}.log`).endsWith('.log'));
    assert.equal(baseContentType('Text/Plain; charset=utf-8'), 'text/plain');
  });

  it('stores files by SHA-256 once and checks their first bytes against the claimed type', async function () {
    const files = createAttachmentFiles({ dir: tempDir('att') });
    const pdf = Buffer.from('%PDF-1.7\n%test\n');
    const a = await files.save(pdf, 'application/pdf');
    const b = await files.save(pdf, 'application/pdf');
    assert.deepEqual(a, b);
    assert.equal(a.sha256.length, 64);
    assert.ok(files.pathOf(a.sha256).endsWith(`${a.sha256.slice(0, 2)}/${a.sha256}`));
    await assert.rejects(files.save(Buffer.from('MZ\x90\x00'), 'application/pdf'), /does not match/);
    await assert.rejects(files.save(Buffer.from('hello'), 'application/x-msdownload'), /not accepted/);
    await assert.rejects(files.save(Buffer.from([0x41, 0x00, 0x42]), 'text/plain'), /does not match/);
    await assert.rejects(files.save(Buffer.alloc(0), 'text/plain'), /empty/);
    assert.throws(() => files.pathOf('../../x'), /invalid/);
  });
});
