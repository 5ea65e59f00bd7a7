import assert from 'node:assert/strict';
import { postEvents, useVigil, waitFor } from '../support/harness.js';

const ABSENCE_RULE = '9d4b5c1e-2f7a-4e8b-8c3d-6a1f0e2b7c54';
const backupDone = (host: string, at: number) => ({
  time: new Date(at).toISOString(),
  host,
  logsource: { product: 'linux', service: 'cron' },
  fields: { message: 'nightly backup completed successfully', program: 'CRON' },
});

describe('absence rules through the pipeline (real Redis, BullMQ, SQLite)', function () {
  this.timeout(30_000);
  const t = useVigil();

  it('raises one incident when an expected event is overdue and resolves it when the event returns', async () => {
    const now = Date.now();
    await postEvents(t.vigil.url, t.key, { batchId: 'b1', events: [backupDone('mof-backup01', now - 30 * 3_600_000), backupDone('mof-backup02', now - 3_600_000)] });
    // The expected rule feeds the absence rule only (generate: false): no incident from the events themselves.
    await waitFor(async () => (await t.vigil.absence!.check(now)).raised === 1, 10_000, 'the overdue host to be flagged');
    assert.equal((await t.vigil.absence!.check(now)).raised, 0, 'flagged once');
    const page = await t.admin.get(`/api/v1/incidents?q=${ABSENCE_RULE}`);
    assert.equal(page.body.total, 1);
    const incident = page.body.items[0];
    assert.equal(incident.host, 'mof-backup01');
    assert.equal(incident.severity, 'high');
    assert.equal(incident.agencyId, t.agencyId);
    assert.equal((await t.admin.get('/api/v1/incidents?q=mof-backup02')).body.total, 0);

    await postEvents(t.vigil.url, t.key, { batchId: 'b2', events: [backupDone('mof-backup01', now - 60_000)] });
    await waitFor(async () => (await t.vigil.absence!.check(now)).resolved === 1, 10_000, 'the returned host to be resolved');
    assert.equal((await t.admin.get(`/api/v1/incidents/${incident.id}`)).body.incident.status, 'resolved');
    assert.equal((await t.admin.get('/api/v1/incidents?q=mof-backup')).body.total, 1, 'the backup events raised nothing of their own');
  });
});
