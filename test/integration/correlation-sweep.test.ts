import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, postEvents, tempDir, useVigil, waitFor } from '../support/harness.js';

const SWEPT_RULE = '0d3c1f52-6a51-4b7e-9f0e-3c2a8b1d7e44';

/** A correlation decided only when its window ends: "fewer than three failed SSH logins on a host in 10 minutes". */
const SWEPT_RULE_YAML = `title: Isolated Failed SSH Login (Test Of Windows Closed By The Clock)
id: ${SWEPT_RULE}
status: test
description: A host saw failed SSH logins, but fewer than three in ten minutes.
author: Vigil tests
taxonomy: intrusion-attempts
correlation:
    type: event_count
    rules:
        - f6b81990-bd55-4088-b56a-7270ada9b9d5
    group-by:
        - host
    timespan: 10m
    condition:
        lt: 3
generate: true
level: medium
`;

const failedLogin = (host: string, at: number) => ({
  time: new Date(at).toISOString(),
  host,
  logsource: { product: 'linux', service: 'sshd' },
  fields: { message: 'Failed password for invalid user admin from 198.18.7.21 port 52144 ssh2', program: 'sshd' },
});

function rulesWithSweptRule(): string {
  const dir = tempDir('rules');
  fs.cpSync(path.join(REPO_ROOT, 'rules'), dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'sigma', 'correlation', 'test_isolated_failed_ssh.yml'), SWEPT_RULE_YAML);
  return dir;
}

describe('correlation windows closed by the workers on a schedule (real Redis, BullMQ, SQLite)', function () {
  this.timeout(60_000);
  const rulesDir = rulesWithSweptRule();
  const t = useVigil(() => ({ RULES_DIR: rulesDir, CORRELATION_SWEEP_SECONDS: '1' }));

  it('raises an lt-condition incident once its window has ended, once, and not for a host above the bound', async () => {
    // Half an hour ago: the windows ended long before now, so the next sweep decides them.
    const at = Date.now() - 30 * 60_000;
    const events = [
      failedLogin('quiet-host', at),
      ...[0, 1, 2, 3].map((i) => failedLogin('busy-host', at + i * 1_000)),
    ];
    assert.equal((await postEvents(t.vigil.url, t.key, { events })).status, 202);

    const list = await waitFor(
      async () => {
        const r = await t.admin.get(`/api/v1/incidents?q=${SWEPT_RULE}`);
        return r.body.items.length > 0 ? r.body.items : null;
      },
      20_000,
      'the scheduled sweep to raise the incident',
    );
    assert.equal(list.length, 1);
    assert.equal(list[0].ruleId, SWEPT_RULE);
    assert.equal(list[0].host, 'quiet-host');
    assert.equal(list[0].eventCount, 1);
    const detail = await t.admin.get(`/api/v1/incidents/${list[0].id}`);
    assert.equal(detail.body.alerts.length, 1);
    assert.equal(detail.body.alerts[0].agentId, 'vigil:correlation');

    // Later sweeps (every second here) find nothing new: still one alert.
    await new Promise((r) => setTimeout(r, 2_500));
    await t.vigil.workers!.sweep();
    const again = await t.admin.get(`/api/v1/incidents?q=${SWEPT_RULE}`);
    assert.equal(again.body.items.length, 1);
    assert.equal((await t.admin.get(`/api/v1/incidents/${list[0].id}`)).body.alerts.length, 1);
  });
});
