import assert from 'node:assert/strict';
import { postEvents, shadowCopyDeletion, useVigil, waitFor } from '../support/harness.js';

describe('alert storms collapse into one incident (real pipeline)', function () {
  this.timeout(60_000);

  const t = useVigil();

  it('10,000 matching events of one rule and host within the window make one incident with count 10,000', async () => {
    const t0 = Date.now() - 60_000;
    const batch = (offset: number) =>
      Array.from({ length: 2500 }, (_, i) => shadowCopyDeletion('STORM-01', new Date(t0 + (offset + i) * 5).toISOString()));
    const posts = await Promise.all([0, 2500, 5000, 7500].map((o, n) => postEvents(t.vigil.url, t.key, { batchId: `storm-${n}`, events: batch(o) })));
    assert.deepEqual(posts.map((p) => p.status), [202, 202, 202, 202]);
    const incident = await waitFor(async () => {
      const page = await t.admin.get('/api/v1/incidents?q=STORM-01');
      return page.body.items[0]?.eventCount === 10_000 ? page.body : null;
    }, 30_000, '10,000 events counted');
    assert.equal(incident.total, 1);
    assert.equal(incident.items[0].alertCount, 4);
    assert.equal(incident.items[0].firstSeen, new Date(t0).toISOString());
  });
});
