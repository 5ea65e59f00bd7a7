import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../core/config/config.js';

describe('report configuration keys', () => {
  it('defaults to the legal deadlines: 24 h, 72 h, one month (30 days), flagged 4 h ahead; 20 MiB evidence; no SMTP', () => {
    const c = loadConfig({});
    assert.deepEqual({ ...c.reports }, {
      earlyWarningMs: 24 * 3_600_000,
      notificationMs: 72 * 3_600_000,
      finalMs: 30 * 86_400_000,
      dueSoonMs: 4 * 3_600_000,
      attachmentMaxBytes: 20 * 1024 * 1024,
      notifyEmails: [],
    });
    assert.deepEqual({ ...c.smtp }, { url: null, from: 'Vigil <vigil@localhost>' });
  });

  it('reads every report key', () => {
    const c = loadConfig({
      REPORT_EARLY_WARNING_HOURS: '12',
      REPORT_NOTIFICATION_HOURS: '48',
      REPORT_FINAL_DAYS: '20',
      REPORT_DUE_SOON_HOURS: '2',
      REPORT_NOTIFY_EMAILS: 'soc@centre.example, duty@centre.example',
      SMTP_URL: 'smtps://user:pass@mail.example:465',
      SMTP_FROM: 'Vigil <noreply@centre.example>',
      ATTACHMENT_MAX_BYTES: '1048576',
    });
    assert.equal(c.reports.earlyWarningMs, 12 * 3_600_000);
    assert.equal(c.reports.notificationMs, 48 * 3_600_000);
    assert.equal(c.reports.finalMs, 20 * 86_400_000);
    assert.equal(c.reports.dueSoonMs, 2 * 3_600_000);
    assert.deepEqual(c.reports.notifyEmails, ['soc@centre.example', 'duty@centre.example']);
    assert.equal(c.reports.attachmentMaxBytes, 1_048_576);
    assert.equal(c.smtp.url, 'smtps://user:pass@mail.example:465');
    assert.equal(c.smtp.from, 'Vigil <noreply@centre.example>');
  });

  it('lists every bad report key at once', () => {
    try {
      loadConfig({ REPORT_FINAL_DAYS: '0', REPORT_DUE_SOON_HOURS: 'soon', SMTP_URL: 'http://mail', REPORT_NOTIFY_EMAILS: 'not-an-address', ATTACHMENT_MAX_BYTES: '-5' });
      assert.fail('should have thrown');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(
        err.problems.map((p) => p.key).sort(),
        ['ATTACHMENT_MAX_BYTES', 'REPORT_DUE_SOON_HOURS', 'REPORT_FINAL_DAYS', 'REPORT_NOTIFY_EMAILS', 'SMTP_URL'],
      );
    }
  });
});
