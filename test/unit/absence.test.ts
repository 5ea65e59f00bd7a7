import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadAbsenceRules } from '../../core/detection/absence.js';
import { loadRuleset } from '../../core/detection/ruleset.js';
import { REPO_ROOT, tempDir } from '../support/harness.js';

describe('absence rules (loading)', () => {
  it('loads the starter absence rule and resolves its expected rule by name', async () => {
    const dir = path.join(REPO_ROOT, 'rules');
    const r = loadAbsenceRules(dir, (await loadRuleset(dir)).rules);
    assert.deepEqual(r.errors, []);
    assert.equal(r.rules.length, 1);
    assert.equal(r.rules[0]!.expectRuleId, '3c2a7a1e-5d0b-4f7c-9b64-0f8e2d6a9b31');
    assert.equal(r.rules[0]!.withinMs, 26 * 3_600_000);
    assert.equal(r.rules[0]!.generate, false);
  });

  it('reports broken files with file and line and keeps the good ones', async () => {
    const dir = tempDir('absence');
    fs.mkdirSync(path.join(dir, 'absence'));
    const good = 'title: Good\nid: a-1\nexpect:\n  rule: r-1\n  within: 2h\n  hosts: [Srv-01]\n';
    fs.writeFileSync(path.join(dir, 'absence', 'a_good.yml'), good);
    fs.writeFileSync(path.join(dir, 'absence', 'b_unknown.yml'), 'title: Bad\nid: a-2\nexpect:\n  rule: nope\n  within: 2h\n');
    fs.writeFileSync(path.join(dir, 'absence', 'c_duration.yml'), 'title: Bad\nid: a-3\nexpect:\n  rule: r-1\n  within: soon\n');
    fs.writeFileSync(path.join(dir, 'absence', 'd_yaml.yml'), 'title: [unclosed\n');
    const detection = [{ id: 'r-1' }] as unknown as Parameters<typeof loadAbsenceRules>[1];
    const r = loadAbsenceRules(dir, detection, { baseDir: dir });
    assert.deepEqual(r.rules.map((x) => [x.id, x.hosts, x.withinMs]), [['a-1', ['srv-01'], 7_200_000]]);
    assert.deepEqual(
      r.errors.map((e) => [e.file, e.line]),
      [['absence/b_unknown.yml', 4], ['absence/c_duration.yml', 5], ['absence/d_yaml.yml', 2]],
    );
    assert.match(r.errors[0]!.message, /no detection rule with id or name 'nope'/);
    assert.match(r.errors[1]!.message, /expect\.within/);
  });
});
