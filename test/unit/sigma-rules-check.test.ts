import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkRulesDir, formatProblem, type RulesChecker } from '../../scripts/rules-check.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TSX = import.meta.resolve('tsx');

function write(dir: string, rel: string, text: string): void {
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

const RULE = `title: Whoami
id: 0b7f4a57-8a1c-4c8e-9a3e-1d2f3a4b5c6d
logsource:
    category: process_creation
    product: windows
detection:
    sel:
        Image|endswith: '\\whoami.exe'
    condition: sel
`;

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--import', TSX, path.join(root, 'scripts', 'rules-check.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
}

describe('rules:check', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-rules-check-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the repository rules directory is valid', async () => {
    const r = await checkRulesDir(path.join(root, 'rules'), { baseDir: root });
    assert.deepEqual(r.errors, []);
    assert.ok(r.counts.rules >= 20);
    assert.ok(r.counts.mappings >= 2);
  });

  it('reports rules, filters, mappings and placeholders that are broken, as file:line: reason', async () => {
    write(dir, 'rules/sigma/ok.yml', RULE);
    write(dir, 'rules/sigma/bad.yml', RULE.replace('Image|endswith', 'Image|endswit'));
    write(dir, 'rules/filters/f.yml', 'title: F\nlogsource:\n    product: windows\nfilter:\n    rules: [x]\n    sel:\n        User: a\n');
    write(dir, 'rules/mappings/m.yml', 'title: M\nspaces: always\n');
    write(dir, 'rules/placeholders.yml', 'Admins: [root]\nbad name: [x]\n');
    write(dir, 'rules/yara/x.yml', 'not: [yaml');
    const r = await checkRulesDir(path.join(dir, 'rules'), { baseDir: dir });
    assert.deepEqual(
      r.errors.map((e) => `${e.file}:${e.line}`),
      ['rules/filters/f.yml:4', 'rules/mappings/m.yml:2', 'rules/placeholders.yml:2', 'rules/sigma/bad.yml:8'],
    );
    assert.match(formatProblem(r.errors[0]!), /rules\/filters\/f\.yml:4: 'filter' has no 'condition'/);
    assert.match(formatProblem(r.errors[3]!), /rules\/sigma\/bad\.yml:8: unknown value modifier 'endswit'/);
    assert.equal(r.counts.rules, 1);
    assert.equal(r.counts.placeholders, 1);
  });

  it('extra checkers (e.g. YARA) plug in', async () => {
    write(dir, 'rules/sigma/ok.yml', RULE);
    const yara: RulesChecker = async (rulesDir, rel) => ({
      errors: [{ file: rel(path.join(rulesDir, 'yara', 'a.yar')), line: 3, message: 'syntax error' }],
      checked: '1 YARA file',
    });
    const r = await checkRulesDir(path.join(dir, 'rules'), { baseDir: dir, checkers: [yara] });
    assert.deepEqual(r.errors.map((e) => formatProblem(e)), ['rules/yara/a.yar:3: syntax error']);
    assert.deepEqual(r.extra, ['1 YARA file']);
  });

  it('exits 1 listing the problems, or 0 with a one-line summary; --dir and RULES_DIR choose the folder', () => {
    write(dir, 'rules/sigma/ok.yml', RULE);
    write(dir, 'rules/other.yml', 'title: stray');
    const ok = run(['--dir', path.join(dir, 'rules')]);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /other\.yml: warning: not read/);
    assert.match(ok.stdout.trim().split('\n').pop()!, /^rules-check: .* OK: 1 Sigma rules, 0 filters, 0 field mappings, 0 placeholders, 0 YARA rules, 0 correlation rules, 0 absence rules \(1 warning\(s\)\)$/);
    assert.equal(run(['--dir', path.join(dir, 'rules'), '--strict']).status, 1);

    write(dir, 'rules/sigma/bad.yml', 'title: x\nlogsource: {}\ndetection:\n    condition: sel\n');
    const bad = run([], { RULES_DIR: path.join(dir, 'rules') });
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /sigma\/bad\.yml:3: 'detection' defines no search identifier/);
    assert.match(bad.stdout, /1 error\(s\) in 1 file\(s\)/);
  });

  it('checks YARA files with YARA-X by default, reporting file and line', () => {
    write(dir, 'rules/sigma/ok.yml', RULE);
    write(dir, 'rules/yara/good.yar', 'rule good_one {\n  strings:\n    $a = "evil-marker"\n  condition:\n    $a\n}\n');
    write(dir, 'rules/yara/bad.yar', 'rule bad_one {\n  strings:\n    $a = "x"\n  condition:\n    $b\n}\n');
    const r = run(['--dir', path.join(dir, 'rules')]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /yara\/bad\.yar:5: .*\$b/);
    assert.match(r.stdout, /1 YARA rules/);
  });
});
