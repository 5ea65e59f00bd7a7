import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ApiClient, REPO_ROOT, postEvents, shadowCopyDeletion, tempDir, useVigil, waitFor } from '../support/harness.js';

const uploadedRule = (id: string) => `title: Uploaded test rule for a marker process
id: ${id}
status: experimental
description: Fires on a process whose command line carries the test marker.
author: Vigil tests
logsource:
  product: windows
  category: process_creation
detection:
  selection:
    CommandLine|contains: 'vigil-upload-marker'
  condition: selection
level: high
tags:
  - attack.execution
  - attack.t1059
`;

const markerEvent = (host: string) => ({
  time: new Date().toISOString(),
  host,
  logsource: { product: 'windows', category: 'process_creation' },
  fields: { Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: 'cmd /c echo vigil-upload-marker', User: 'GOV\\an' },
});

describe('rule management and exceptions (real server, workers, Redis, SQLite, rules on disk)', function () {
  this.timeout(30_000);
  // A private copy of the rules: these tests write into it.
  const rulesDir = tempDir('rules');
  before(() => fs.cpSync(path.join(REPO_ROOT, 'rules'), rulesDir, { recursive: true }));
  const t = useVigil(() => ({ RULES_DIR: rulesDir }));
  let ransomRuleId: string;
  before(async () => {
    const rules = await t.admin.get('/api/v1/rules');
    ransomRuleId = rules.body.items.find((r: { title: string }) => /shadow cop/i.test(r.title)).id;
  });

  const incidentsFor = async (host: string) => (await t.admin.get(`/api/v1/incidents?q=${host}`)).body.total as number;

  it('lists rules with their state, and counts hits', async () => {
    await postEvents(t.vigil.url, t.key, { events: [shadowCopyDeletion('HITS-1'), shadowCopyDeletion('HITS-2')] });
    await waitFor(async () => (await incidentsFor('HITS-')) === 2, 10_000, 'two incidents');
    const rules = await waitFor(async () => {
      const r = await t.admin.get('/api/v1/rules');
      return r.body.items.find((x: { id: string; hits: number }) => x.id === ransomRuleId && x.hits >= 2) ? r.body : null;
    }, 5_000, 'hit counts');
    assert.ok(rules.items.length >= 27);
    assert.ok(rules.items.some((r: { kind: string }) => r.kind === 'yara'));
    assert.deepEqual(rules.errors, []);
    const analyst = new ApiClient(t.vigil.url);
    assert.equal((await analyst.get('/api/v1/rules')).status, 401);
  });

  it('accepts an uploaded rule after validation and fires it on the next event, without a restart', async () => {
    const id = 'a5d1b7e2-7f33-4c2a-8d8e-0e4f7f1c2b11';
    const up = await t.admin.post('/api/v1/rules', { kind: 'sigma', content: uploadedRule(id) });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    assert.deepEqual(up.body.ids, [id]);
    assert.ok(fs.existsSync(path.join(rulesDir, 'sigma', 'uploaded')));
    await postEvents(t.vigil.url, t.key, { events: [markerEvent('UPLOAD-1')] });
    await waitFor(async () => (await incidentsFor('UPLOAD-1')) === 1, 10_000, 'the uploaded rule to fire');
  });

  it('rejects a broken upload with the line and reason, and keeps the working rules', async () => {
    const broken = uploadedRule('b5d1b7e2-7f33-4c2a-8d8e-0e4f7f1c2b12').replace("CommandLine|contains: 'vigil-upload-marker'", "CommandLine|sometimes: 'x'");
    const r = await t.admin.post('/api/v1/rules', { kind: 'sigma', content: broken });
    assert.equal(r.status, 400);
    assert.equal(r.body.details[0].line, 11);
    assert.match(r.body.details[0].message, /sometimes/);
    const dup = await t.admin.post('/api/v1/rules', { kind: 'sigma', content: uploadedRule(ransomRuleId) });
    assert.equal(dup.status, 409);
    await postEvents(t.vigil.url, t.key, { events: [shadowCopyDeletion('STILL-WORKS')] });
    await waitFor(async () => (await incidentsFor('STILL-WORKS')) === 1, 10_000, 'existing rules still fire');
  });

  it('a rule file dropped into RULES_DIR while Vigil runs fires on the next matching event', async () => {
    const id = 'c5d1b7e2-7f33-4c2a-8d8e-0e4f7f1c2b13';
    fs.writeFileSync(path.join(rulesDir, 'sigma', 'dropped.yml'), uploadedRule(id).replace('vigil-upload-marker', 'vigil-dropped-marker'));
    await waitFor(async () => (await t.admin.get('/api/v1/rules')).body.items.some((r: { id: string }) => r.id === id), 5_000, 'the watcher to load the file');
    const ev = markerEvent('DROPPED-1');
    ev.fields.CommandLine = 'cmd /c echo vigil-dropped-marker';
    await postEvents(t.vigil.url, t.key, { events: [ev] });
    await waitFor(async () => (await incidentsFor('DROPPED-1')) === 1, 10_000, 'the dropped rule to fire');
  });

  it('accepts an uploaded correlation rule that references a rule in force, and lists it as a correlation', async () => {
    const id = 'd5d1b7e2-7f33-4c2a-8d8e-0e4f7f1c2b14';
    const content = `title: Repeated shadow copy deletion on one host\nid: ${id}\nstatus: experimental\nauthor: Vigil tests\ncorrelation:\n  type: event_count\n  rules:\n    - ${ransomRuleId}\n  group-by:\n    - host\n  timespan: 10m\n  condition:\n    gte: 3\ngenerate: true\nlevel: critical\n`;
    const up = await t.admin.post('/api/v1/rules', { kind: 'sigma', content });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    assert.deepEqual(up.body.ids, [id]);
    const listed = (await t.admin.get('/api/v1/rules')).body.items.find((r: { id: string }) => r.id === id);
    assert.equal(listed.kind, 'correlation');
    const unknown = content.replace(ransomRuleId, '00000000-0000-4000-8000-000000000000').replace(id, 'e5d1b7e2-7f33-4c2a-8d8e-0e4f7f1c2b15');
    const bad = await t.admin.post('/api/v1/rules', { kind: 'sigma', content: unknown });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body.details), /00000000-0000-4000-8000-000000000000/);
  });

  it('a disabled rule raises nothing until it is enabled again', async () => {
    assert.equal((await t.admin.post(`/api/v1/rules/${ransomRuleId}/disable`)).status, 200);
    await postEvents(t.vigil.url, t.key, { events: [shadowCopyDeletion('DISABLED-1')] });
    await postEvents(t.vigil.url, t.key, { events: [markerEvent('CONTROL-1')] });
    await waitFor(async () => (await incidentsFor('CONTROL-1')) === 1, 10_000, 'the control event');
    assert.equal(await incidentsFor('DISABLED-1'), 0);
    const listed = (await t.admin.get('/api/v1/rules')).body.items.find((r: { id: string }) => r.id === ransomRuleId);
    assert.equal(listed.enabled, false);
    assert.equal((await t.admin.post(`/api/v1/rules/${ransomRuleId}/enable`)).status, 200);
    await postEvents(t.vigil.url, t.key, { events: [shadowCopyDeletion('ENABLED-1')] });
    await waitFor(async () => (await incidentsFor('ENABLED-1')) === 1, 10_000, 'the re-enabled rule');
  });

  it('an analyst exception silences one rule for one host only', async () => {
    const bad = await t.admin.post('/api/v1/exceptions', { ruleId: ransomRuleId, comment: 'no condition' });
    assert.equal(bad.status, 400);
    const ex = await t.admin.post('/api/v1/exceptions', { ruleId: ransomRuleId, host: 'backup-srv-*', comment: 'nightly backup job deletes old shadows' });
    assert.equal(ex.status, 201, JSON.stringify(ex.body));
    assert.equal(ex.body.createdBy, 'admin');
    await postEvents(t.vigil.url, t.key, { events: [shadowCopyDeletion('backup-srv-01'), shadowCopyDeletion('OTHER-HOST-1')] });
    await waitFor(async () => (await incidentsFor('OTHER-HOST-1')) === 1, 10_000, 'the host without exception');
    assert.equal(await incidentsFor('backup-srv-01'), 0);
    const list = await t.admin.get('/api/v1/exceptions');
    assert.equal(list.body.items.length, 1);
    assert.equal((await t.admin.request('DELETE', `/api/v1/exceptions/${ex.body.id}`)).status, 204);
    await postEvents(t.vigil.url, t.key, { events: [shadowCopyDeletion('backup-srv-02')] });
    await waitFor(async () => (await incidentsFor('backup-srv-02')) === 1, 10_000, 'alerts after the exception is removed');
  });

});
