import assert from 'node:assert/strict';
import { postEvents, useVigil, waitFor } from '../support/harness.js';

describe('field mappings through the pipeline (real Redis, BullMQ, SQLite)', function () {
  this.timeout(30_000);

  const t = useVigil();

  it('matches a Sysmon event sent as raw Windows event-log JSON against process_creation rules', async () => {
    const sysmon = {
      time: new Date().toISOString(),
      host: 'moh-ws-020',
      logsource: { product: 'windows' },
      fields: {
        Event: {
          System: { EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: 'moh-ws-020.moh.gov' },
          EventData: {
            Image: 'C:\\Windows\\System32\\vssadmin.exe',
            CommandLine: 'vssadmin.exe Delete Shadows /All /Quiet',
            ParentImage: 'C:\\Windows\\System32\\cmd.exe',
            User: 'MOH\\it-ops',
          },
        },
      },
    };
    const r = await postEvents(t.vigil.url, t.key, { events: [sysmon] });
    assert.equal(r.status, 202);
    const incident = await waitFor(async () => (await t.admin.get('/api/v1/incidents?q=moh-ws-020')).body.items[0], 10_000, 'the mapped event’s incident');
    assert.match(incident.title, /shadow cop/i);
    assert.deepEqual(incident.entities.users, ['MOH\\it-ops'], 'entities come from the mapped fields');
    const detail = await t.admin.get(`/api/v1/incidents/${incident.id}`);
    // The stored event is what the agent sent, not the mapped view.
    assert.equal(detail.body.alerts[0].events[0].fields.Event.EventData.CommandLine, 'vssadmin.exe Delete Shadows /All /Quiet');
  });
});
