import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, postEvents, useVigil, waitFor } from '../support/harness.js';

const sample = (name: string) => fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/yara', name), 'utf8');

describe('YARA through the pipeline (real YARA-X, Redis, BullMQ, SQLite)', function () {
  this.timeout(30_000);

  const t = useVigil();

  it('raises an incident for a web shell in an uploaded payload, carrying the YARA rule’s provenance', async () => {
    const upload = {
      time: new Date().toISOString(),
      host: 'portal-web01',
      logsource: { category: 'webserver' },
      fields: { 'cs-method': 'POST', 'c-uri': '/upload.php', 'sc-status': 200 },
      payload: { name: 'avatar.php', base64: Buffer.from(sample('vigil_webshell_php_eval_input.match.txt')).toString('base64') },
    };
    const benign = { ...upload, host: 'portal-web02', payload: { name: 'ok.php', base64: Buffer.from(sample('vigil_webshell_php_eval_input.nomatch.txt')).toString('base64') } };
    const r = await postEvents(t.vigil.url, t.key, { events: [upload, benign] });
    assert.equal(r.status, 202);
    const incident = await waitFor(async () => {
      const page = await t.admin.get('/api/v1/incidents?q=yara:vigil_webshell_php_eval_input');
      return page.body.items[0];
    }, 10_000, 'the YARA incident');
    assert.equal(incident.host, 'portal-web01');
    assert.equal(incident.ruleId, 'yara:vigil_webshell_php_eval_input');
    assert.ok(incident.techniques.includes('T1505.003'), JSON.stringify(incident.techniques));
    const detail = await t.admin.get(`/api/v1/incidents/${incident.id}`);
    const rule = detail.body.rules['yara:vigil_webshell_php_eval_input'];
    assert.equal(rule.author, 'Vigil');
    assert.match(rule.file, /rules\/yara\/webshells\.yar:\d+$/);
    // The benign twin raised nothing.
    await new Promise((res) => setTimeout(res, 300));
    assert.equal((await t.admin.get('/api/v1/incidents?q=portal-web02')).body.total, 0);
  });

  it('scans configured string fields too (a mimikatz command line)', async () => {
    const ev = {
      time: new Date().toISOString(),
      host: 'mof-dc01',
      logsource: { product: 'windows', category: 'process_creation' },
      fields: { Image: 'C:\\Users\\Public\\m.exe', CommandLine: sample('vigil_cred_mimikatz_commands.match.txt').trim() },
    };
    await postEvents(t.vigil.url, t.key, { events: [ev] });
    const incident = await waitFor(async () => (await t.admin.get('/api/v1/incidents?q=yara:vigil_cred_mimikatz_commands')).body.items[0], 10_000, 'mimikatz incident');
    assert.equal(incident.host, 'mof-dc01');
    assert.equal(incident.severity, 'critical', 'severity comes from the YARA rule meta');
  });
});
