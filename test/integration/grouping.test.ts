import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, postEvents, tempDir, useVigil, waitFor } from '../support/harness.js';

const RULE = `title: Firewall deny burst marker
id: 7e0c0d5a-9a43-4f7e-b1f7-5b1f0c7d3a21
status: experimental
author: Vigil tests
logsource:
  category: firewall
detection:
  selection:
    action: deny
    rule_name: 'grouping-test'
  condition: selection
level: medium
vigil:
  group_by:
    - src_ip
  suppression: 1m
`;

describe('per-rule grouping and suppression window (real pipeline)', function () {
  this.timeout(30_000);
  const rulesDir = tempDir('rules');
  before(() => {
    fs.cpSync(path.join(REPO_ROOT, 'rules'), rulesDir, { recursive: true });
    fs.writeFileSync(path.join(rulesDir, 'sigma', 'grouping_test.yml'), RULE);
  });
  const t = useVigil(() => ({ RULES_DIR: rulesDir }));

  const deny = (src: string, at: number) => ({
    time: new Date(at).toISOString(),
    host: 'fw-edge-01',
    logsource: { category: 'firewall' },
    fields: { action: 'deny', rule_name: 'grouping-test', src_ip: src, dst_port: 445 },
  });

  it('groups by the rule’s group_by fields and opens a new incident after its own suppression window', async () => {
    const start = Date.now() - 10 * 60_000;
    await postEvents(t.vigil.url, t.key, { batchId: 'g1', events: [deny('198.51.100.1', start), deny('198.51.100.2', start), deny('198.51.100.1', start + 30_000)] });
    // 3 minutes later: past the rule's 1-minute window (the default would be 10 minutes).
    await postEvents(t.vigil.url, t.key, { batchId: 'g2', events: [deny('198.51.100.1', start + 3 * 60_000)] });
    const page = await waitFor(async () => {
      const p = await t.admin.get('/api/v1/incidents?q=fw-edge-01');
      return p.body.total === 3 ? p.body : null;
    }, 10_000, 'three incidents');
    const counts = page.items
      .map((i: { entities: { ips: string[] }; eventCount: number }) => `${i.entities.ips.join(',')}=${i.eventCount}`)
      .sort();
    assert.deepEqual(counts, ['198.51.100.1=1', '198.51.100.1=2', '198.51.100.2=1']);
  });
});
