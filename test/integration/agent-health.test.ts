import assert from 'node:assert/strict';
import { AGENT_SILENT_RULE_ID } from '../../core/services/agent-health.js';
import { ApiClient, useVigil } from '../support/harness.js';

describe('agent heartbeats and silence (real server, Redis, SQLite)', function () {
  this.timeout(30_000);
  const t = useVigil();
  const agentRow = async () =>
    (await t.admin.get('/api/v1/agents')).body.items.find((a: { id: string }) => a.id === t.agentId);

  it('takes heartbeats with the agent key and shows the agent as reporting', async () => {
    const anon = new ApiClient(t.vigil.url);
    assert.equal((await anon.post('/api/v1/heartbeat', undefined, { authorization: 'Bearer vgl_nope' })).status, 401);
    assert.equal((await anon.post('/api/v1/heartbeat', undefined, { authorization: `Bearer ${t.key}` })).status, 204);
    const row = await agentRow();
    assert.equal(row.status, 'reporting');
    assert.equal(row.silenceMinutes, 15);
    assert.ok(row.lastSeenAt);
  });

  it('raises one incident when an agent falls silent past its threshold, and resolves it when it returns', async () => {
    const patched = await t.admin.request('PATCH', `/api/v1/agents/${t.agentId}`, { silenceMinutes: 5 });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.silenceMinutes, 5);
    const later = Date.now() + 6 * 60_000;
    // Two servers checking the same minute raise one incident.
    const [a, b] = await Promise.all([t.vigil.agentHealth!.check(later), t.vigil.agentHealth!.check(later)]);
    assert.deepEqual([...a.silent, ...b.silent].filter((id) => id === t.agentId).length >= 1, true);
    const page = await t.admin.get(`/api/v1/incidents?q=${encodeURIComponent(AGENT_SILENT_RULE_ID)}`);
    assert.equal(page.body.total, 1);
    const incident = page.body.items[0];
    assert.equal(incident.agencyId, t.agencyId);
    assert.equal(incident.status, 'new');
    assert.equal((await agentRow()).status, 'silent');
    assert.equal((await agentRow()).silenceIncidentId, incident.id);

    // Still nothing from the agent: a later check changes nothing.
    assert.deepEqual((await t.vigil.agentHealth!.check(later + 60_000)).returned, []);
    // The agent reports again (an event two minutes later): the next check sees it back.
    await t.vigil.storage.agents.touch(t.agentId, new Date(later + 2 * 60_000).toISOString());
    const back = await t.vigil.agentHealth!.check(later + 3 * 60_000);
    assert.deepEqual(back.returned, [t.agentId]);
    const after = await t.admin.get(`/api/v1/incidents/${incident.id}`);
    assert.equal(after.body.incident.status, 'resolved');
    assert.equal((await agentRow()).status, 'reporting');

    const history = await t.admin.get(`/api/v1/agents/${t.agentId}/history`);
    assert.deepEqual(
      history.body.items.map((e: { action: string }) => e.action),
      ['agent.returned', 'agent.silent', 'agent.silence_threshold_changed'],
    );
  });

  it('keeps agent settings and history within the agency', async () => {
    const other = await t.admin.post('/api/v1/agencies', { name: 'Other Province', code: 'OTH' });
    await t.admin.post('/api/v1/users', { username: 'oth-admin', password: 'a-good-password', role: 'agency_admin', agencyId: other.body.id });
    const otherAdmin = new ApiClient(t.vigil.url);
    await otherAdmin.login('oth-admin', 'a-good-password');
    assert.equal((await otherAdmin.request('PATCH', `/api/v1/agents/${t.agentId}`, { silenceMinutes: 60 })).status, 404);
    assert.equal((await otherAdmin.get(`/api/v1/agents/${t.agentId}/history`)).status, 404);
    assert.equal((await t.admin.request('PATCH', `/api/v1/agents/${t.agentId}`, { silenceMinutes: 0 })).status, 400);
  });
});
