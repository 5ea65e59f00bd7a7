import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CompiledRule } from '../../core/detection/rule.js';
import { loadRuleset, RuleEngine } from '../../core/detection/ruleset.js';
import { categoryForRule, ENISA_CLASSES } from '../../core/detection/taxonomy.js';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-sigma-'));
}

function write(root: string, rel: string, text: string): void {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

function ruleText(opts: { id: string; logsource?: string; field?: string; value?: string; extra?: string }): string {
  return [
    `title: Rule ${opts.id}`,
    `id: ${opts.id}`,
    'logsource:',
    `    ${opts.logsource ?? 'product: windows'}`,
    'detection:',
    '    sel:',
    `        ${opts.field ?? 'f'}: '${opts.value ?? 'x'}'`,
    '    condition: sel',
    opts.extra ?? '',
  ].join('\n');
}

describe('loadRuleset', () => {
  let root: string;

  beforeEach(() => {
    root = tempDir();
  });

  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('loads *.yml and *.yaml under rules/sigma recursively, skipping other folders', async () => {
    write(root, 'rules/sigma/windows/a.yml', ruleText({ id: 'a' }));
    write(root, 'rules/sigma/linux/deep/b.yaml', ruleText({ id: 'b' }));
    write(root, 'rules/sigma/notes.txt', 'not a rule');
    write(root, 'rules/yara/c.yml', 'this: [is not sigma');
    write(root, 'rules/other.yml', 'outside: sigma');
    const rs = await loadRuleset(path.join(root, 'rules'), { baseDir: root });
    assert.deepEqual(rs.errors, []);
    assert.deepEqual(
      rs.rules.map((r) => [r.id, r.file]),
      [
        ['b', 'rules/sigma/linux/deep/b.yaml'],
        ['a', 'rules/sigma/windows/a.yml'],
      ],
    );
  });

  it('reads the given folder itself when it has no sigma/ subfolder', async () => {
    write(root, 'mine/x.yml', ruleText({ id: 'x' }));
    const rs = await loadRuleset(path.join(root, 'mine'), { baseDir: root });
    assert.deepEqual(
      rs.rules.map((r) => r.file),
      ['mine/x.yml'],
    );
  });

  it('paths are relative to process.cwd() by default', async () => {
    write(root, 'rules/sigma/a.yml', ruleText({ id: 'a' }));
    const rs = await loadRuleset(path.join(root, 'rules'));
    assert.equal(rs.rules[0]!.file, path.relative(process.cwd(), path.join(root, 'rules/sigma/a.yml')).split(path.sep).join('/'));
  });

  it('a broken file is reported with file and line, and the good files beside it still load', async () => {
    write(root, 'rules/sigma/good1.yml', ruleText({ id: 'good1' }));
    write(root, 'rules/sigma/broken.yml', ruleText({ id: 'broken' }).replace("f: 'x'", "f: 'x'\n        g: [unclosed"));
    write(root, 'rules/sigma/semantic.yml', ruleText({ id: 'semantic', field: 'f|nosuchmod' }));
    write(root, 'rules/sigma/good2.yml', ruleText({ id: 'good2' }));
    const rs = await loadRuleset(path.join(root, 'rules'), { baseDir: root });
    assert.deepEqual(
      rs.rules.map((r) => r.id),
      ['good1', 'good2'],
    );
    assert.equal(rs.errors.length, 2);
    const broken = rs.errors.find((e) => e.file === 'rules/sigma/broken.yml');
    assert.ok(broken);
    assert.match(broken.message, /^YAML syntax error: /);
    assert.equal(broken.line, 9);
    const semantic = rs.errors.find((e) => e.file === 'rules/sigma/semantic.yml');
    assert.ok(semantic);
    assert.equal(semantic.line, 7);
    assert.match(semantic.message, /unknown value modifier 'nosuchmod'/);
  });

  it('a duplicate id is rejected with the first file named, on the line of its id', async () => {
    write(root, 'rules/sigma/a_first.yml', ruleText({ id: 'same-id' }));
    write(root, 'rules/sigma/b_second.yml', `# comment\n${ruleText({ id: 'same-id', value: 'y' })}`);
    const rs = await loadRuleset(path.join(root, 'rules'), { baseDir: root });
    assert.equal(rs.rules.length, 1);
    assert.equal(rs.rules[0]!.file, 'rules/sigma/a_first.yml');
    assert.deepEqual(rs.errors, [
      { file: 'rules/sigma/b_second.yml', line: 3, message: "duplicate rule id 'same-id': already defined in rules/sigma/a_first.yml" },
    ]);
  });

  it('a missing directory is reported, not thrown', async () => {
    const rs = await loadRuleset(path.join(root, 'nope'), { baseDir: root });
    assert.deepEqual(rs.rules, []);
    assert.equal(rs.errors.length, 1);
    assert.equal(rs.errors[0]!.file, 'nope');
    assert.match(rs.errors[0]!.message, /cannot read rules directory/);
  });

  it('passes configured placeholders to the expand modifier', async () => {
    write(root, 'rules/sigma/p.yml', ruleText({ id: 'p', field: 'User|expand', value: '%Admins%' }));
    const rs = await loadRuleset(path.join(root, 'rules'), { baseDir: root, placeholders: { Admins: ['root', 'adm_*'] } });
    assert.deepEqual(rs.errors, []);
    const r = rs.rules[0]!;
    assert.equal(r.matches({ logsource: { product: 'windows' }, fields: { User: 'adm_bob' } }), true);
    assert.equal(r.matches({ logsource: { product: 'windows' }, fields: { User: 'bob' } }), false);
  });
});

describe('RuleEngine', () => {
  let rules: CompiledRule[];
  let engine: RuleEngine;
  let root: string;

  before(async () => {
    root = tempDir();
    write(root, 'sigma/1.yml', ruleText({ id: 'win-any', logsource: 'product: windows' }));
    write(root, 'sigma/2.yml', ruleText({ id: 'win-proc', logsource: 'product: windows\n    category: process_creation' }));
    write(root, 'sigma/3.yml', ruleText({ id: 'proc-any', logsource: 'category: Process_Creation' }));
    write(root, 'sigma/4.yml', ruleText({ id: 'win-sec', logsource: 'product: windows\n    service: security' }));
    write(root, 'sigma/5.yml', ruleText({ id: 'lnx', logsource: 'product: linux' }));
    write(root, 'sigma/6.yml', ruleText({ id: 'old', logsource: 'product: windows', extra: 'status: deprecated' }));
    write(root, 'sigma/7.yml', ruleText({ id: 'unsup', logsource: 'product: windows', extra: 'status: unsupported' }));
    write(root, 'sigma/8.yml', ruleText({ id: 'everything', logsource: 'definition: any log' }));
    write(root, 'sigma/9.yml', ruleText({ id: 'win-proc-y', logsource: 'product: windows\n    category: process_creation', value: 'y' }));
    const rs = await loadRuleset(root, { baseDir: root });
    assert.deepEqual(rs.errors, []);
    rules = rs.rules;
    engine = new RuleEngine(rules);
  });

  after(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  const ids = (rs: readonly CompiledRule[]) => rs.map((r) => r.id);

  it('routes by logsource: every key the rule sets must equal the event key, case-insensitively', () => {
    const hits = engine.match({ logsource: { product: 'Windows', category: 'process_creation' }, fields: { f: 'x' } });
    assert.deepEqual(ids(hits), ['win-any', 'win-proc', 'proc-any', 'everything']);
    assert.deepEqual(ids(engine.match({ logsource: { product: 'windows', service: 'security' }, fields: { f: 'x' } })), [
      'win-any',
      'win-sec',
      'everything',
    ]);
    assert.deepEqual(ids(engine.match({ logsource: { category: 'process_creation' }, fields: { f: 'x' } })), ['proc-any', 'everything']);
    assert.deepEqual(ids(engine.match({ logsource: {}, fields: { f: 'x' } })), ['everything']);
  });

  it('only candidate rules are tried, and the fields must match', () => {
    assert.deepEqual(ids(engine.candidates({ product: 'linux' })), ['lnx', 'everything']);
    assert.deepEqual(ids(engine.candidates({ product: 'windows', category: 'process_creation' })), [
      'win-any',
      'win-proc',
      'proc-any',
      'everything',
      'win-proc-y',
    ]);
    assert.deepEqual(ids(engine.match({ logsource: { product: 'windows', category: 'process_creation' }, fields: { f: 'y' } })), ['win-proc-y']);
    assert.deepEqual(ids(engine.match({ logsource: { product: 'windows', category: 'process_creation' }, fields: { g: 'x' } })), []);
  });

  it('deprecated and unsupported rules are loaded but never matched', () => {
    assert.ok(ids(rules).includes('old'));
    assert.ok(ids(rules).includes('unsup'));
    assert.ok(!ids(engine.rules).includes('old'));
    assert.ok(!ids(engine.match({ logsource: { product: 'windows' }, fields: { f: 'x' } })).includes('old'));
    assert.ok(!ids(engine.match({ logsource: { product: 'windows' }, fields: { f: 'x' } })).includes('unsup'));
  });

  it('gives the same answers after the route cache is warm', () => {
    const e = { logsource: { product: 'WINDOWS', category: 'PROCESS_CREATION' }, fields: { f: 'X' } };
    const first = ids(engine.match(e));
    assert.deepEqual(ids(engine.match(e)), first);
    assert.deepEqual(first, ['win-any', 'win-proc', 'proc-any', 'everything']);
  });
});

describe('categoryForRule (ENISA taxonomy)', () => {
  const cat = (tags: string[], taxonomy?: string | null) => categoryForRule({ tags, taxonomy });

  it('uses a valid explicit taxonomy first', () => {
    assert.equal(cat(['attack.impact'], 'fraud'), 'fraud');
    assert.equal(cat([], 'Vulnerable'), 'vulnerable');
    assert.equal(cat(['attack.impact'], 'not-a-class'), 'availability');
  });

  it('derives from techniques before tactics', () => {
    assert.equal(cat(['attack.impact', 'attack.t1486']), 'malicious-code');
    assert.equal(cat(['attack.execution', 'attack.t1204.002']), 'malicious-code');
    assert.equal(cat(['attack.impact', 'attack.t1491.001']), 'information-content-security');
    assert.equal(cat(['attack.impact', 'attack.t1498']), 'availability');
    assert.equal(cat(['attack.credential-access', 'attack.t1110.001']), 'intrusion-attempts');
    assert.equal(cat(['attack.reconnaissance', 'attack.t1595.002']), 'information-gathering');
    assert.equal(cat(['attack.initial-access', 'attack.t1566.001']), 'fraud');
  });

  it('derives from tactics, most severe first, accepting legacy underscores', () => {
    assert.equal(cat(['attack.discovery']), 'information-gathering');
    assert.equal(cat(['attack.reconnaissance']), 'information-gathering');
    assert.equal(cat(['attack.initial_access']), 'intrusion-attempts');
    assert.equal(cat(['attack.credential-access']), 'intrusion-attempts');
    for (const t of ['execution', 'persistence', 'privilege-escalation', 'defense-evasion', 'lateral-movement', 'command-and-control', 'exfiltration']) {
      assert.equal(cat([`attack.${t}`]), 'intrusions', t);
    }
    assert.equal(cat(['attack.discovery', 'attack.lateral_movement']), 'intrusions');
    assert.equal(cat(['attack.impact', 'attack.execution']), 'availability');
    assert.equal(cat(['attack.impact']), 'availability');
  });

  it('falls back to other', () => {
    assert.equal(cat([]), 'other');
    assert.equal(cat(['cve.2021-44228', 'detection.emerging-threats']), 'other');
    assert.ok((ENISA_CLASSES as readonly string[]).includes(cat(['attack.t9999'])));
  });
});
