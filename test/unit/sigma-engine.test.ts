import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NormalizedEvent } from '../../core/detection/mappings/index.js';
import type { CompiledRule } from '../../core/detection/rule.js';
import { loadRuleset, parsePlaceholders, RuleEngine } from '../../core/detection/ruleset.js';
import { compileRuleSource } from '../../core/detection/sigma/index.js';

function write(dir: string, rel: string, text: string): void {
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

function rule(id: string, logsource: string, detection: string, extra = ''): CompiledRule {
  const res = compileRuleSource(`title: ${id}\nid: ${id}\n${extra}logsource:\n    ${logsource}\ndetection:\n${detection}\n`, `${id}.yml`);
  assert.deepEqual(res.errors, []);
  return res.rules[0]!.rule;
}

describe('sigma engine: rules directory extras', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-engine-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('placeholders.yml gives values to %name% with the expand modifier; options take precedence', async () => {
    write(dir, 'rules/placeholders.yml', "Admins:\n    - root\n    - 'adm_*'\nDomainControllers: dc01\n");
    write(
      dir,
      'rules/sigma/a.yml',
      "title: A\nid: a\nlogsource:\n    product: linux\ndetection:\n    sel:\n        User|expand: '%Admins%'\n    condition: sel\n",
    );
    const rs = await loadRuleset(path.join(dir, 'rules'), { baseDir: dir });
    assert.deepEqual(rs.errors, []);
    assert.deepEqual(rs.placeholders, { Admins: ['root', 'adm_*'], DomainControllers: ['dc01'] });
    const m = (user: string) => rs.rules[0]!.matches({ logsource: { product: 'linux' }, fields: { User: user } });
    assert.equal(m('adm_x'), true);
    assert.equal(m('bob'), false);
    const over = await loadRuleset(path.join(dir, 'rules'), { baseDir: dir, placeholders: { Admins: ['bob'] } });
    assert.equal(over.rules[0]!.matches({ logsource: { product: 'linux' }, fields: { User: 'bob' } }), true);
  });

  it('a broken placeholders file is reported with its line; the rules still load', async () => {
    assert.deepEqual(parsePlaceholders('A: [x]\nB: {c: 1}\n"with space": [y]\n', 'p.yml').errors.map((e) => [e.line, e.message]), [
      [2, "placeholder 'B' needs a string or a non-empty list of strings"],
      [3, "placeholder name 'with space' must be non-empty without spaces or '%'"],
    ]);
    write(dir, 'rules/placeholders.yml', 'A: [x\n');
    write(dir, 'rules/sigma/a.yml', "title: A\nid: a\nlogsource:\n    product: linux\ndetection:\n    sel:\n        User: x\n    condition: sel\n");
    const rs = await loadRuleset(path.join(dir, 'rules'), { baseDir: dir });
    assert.equal(rs.rules.length, 1);
    assert.equal(rs.errors.length, 1);
    assert.equal(rs.errors[0]!.file, 'rules/placeholders.yml');
    assert.match(rs.errors[0]!.message, /YAML syntax error/);
  });

  it('mappings/ and placeholders.yml are never read as rules, even without a sigma/ folder', async () => {
    write(dir, 'flat/a.yml', "title: A\nid: a\nlogsource:\n    product: linux\ndetection:\n    sel:\n        User: x\n    condition: sel\n");
    write(dir, 'flat/mappings/m.yml', 'title: M\nspaces: strip\n');
    write(dir, 'flat/placeholders.yml', 'A: [x]\n');
    const rs = await loadRuleset(path.join(dir, 'flat'), { baseDir: dir });
    assert.deepEqual(rs.errors, []);
    assert.deepEqual(rs.rules.map((r) => r.file), ['flat/a.yml']);
  });

  it('many files load in path order, whatever order the reads finish in', async () => {
    for (let i = 0; i < 150; i++) {
      write(dir, `r/sigma/${String(i).padStart(3, '0')}.yml`, `title: R${i}\nid: r${i}\nlogsource:\n    product: x\ndetection:\n    sel:\n        f: '${'v'.repeat(i * 50)}'\n    condition: sel\n`);
    }
    write(dir, 'r/sigma/050.yml', 'title: [broken');
    const rs = await loadRuleset(path.join(dir, 'r'), { baseDir: dir });
    assert.equal(rs.rules.length, 149);
    assert.deepEqual(rs.rules.slice(48, 51).map((r) => r.id), ['r48', 'r49', 'r51']);
    assert.deepEqual(rs.errors.map((e) => e.file), ['r/sigma/050.yml']);
  });

  it("the rule's Sigma v2.1 name is kept", () => {
    const r = rule('n1', 'product: x', "    sel:\n        f: 'v'\n    condition: sel", 'name: my_rule\n');
    assert.equal(r.name, 'my_rule');
    assert.equal(rule('n2', 'product: x', "    sel:\n        f: 'v'\n    condition: sel").name, undefined);
  });
});

describe('sigma engine: events of several logsources', () => {
  const rules = [
    rule('reg-event', 'product: windows\n    category: registry_event', "    sel:\n        TargetObject|contains: '\\Run\\'\n    condition: sel"),
    rule('reg-set', 'product: windows\n    category: registry_set', "    sel:\n        TargetObject|contains: '\\Run\\'\n    condition: sel"),
    rule('sysmon', 'product: windows\n    service: sysmon', "    sel:\n        TargetObject|contains: '\\Run\\'\n    condition: sel"),
    rule('proc', 'product: windows\n    category: process_creation', "    sel:\n        TargetObject|contains: '\\Run\\'\n    condition: sel"),
  ];
  const fields = { TargetObject: 'HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\x' };

  it('rules of the other logsources are routed and shown that logsource; each rule fires once, in rule order', () => {
    for (const prefilter of [true, false]) {
      const engine = new RuleEngine(rules, { prefilter });
      const event: NormalizedEvent = {
        logsource: { product: 'windows', category: 'registry_set', service: 'sysmon' },
        alsoLogsources: [{ product: 'windows', category: 'registry_event', service: 'sysmon' }],
        fields,
      };
      assert.deepEqual(engine.match(event).map((r) => r.id), ['reg-event', 'reg-set', 'sysmon']);
      assert.deepEqual(engine.match({ logsource: event.logsource, fields }).map((r) => r.id), ['reg-set', 'sysmon']);
      const noAlso: NormalizedEvent = { ...event, alsoLogsources: [] };
      assert.deepEqual(engine.match(noAlso).map((r) => r.id), ['reg-set', 'sysmon']);
    }
  });

  it('the prefilter can be switched off and gives the same answers', () => {
    const many = Array.from({ length: 60 }, (_, i) =>
      rule(`r${i}`, 'product: windows\n    category: process_creation', `    sel:\n        CommandLine|contains: 'needle${i} '\n    condition: sel`),
    );
    const a = new RuleEngine(many);
    const b = new RuleEngine(many, { prefilter: false });
    for (let i = 0; i < 70; i++) {
      const e = { logsource: { product: 'windows', category: 'process_creation' }, fields: { CommandLine: `x NEEDLE${i} y needle${i + 1} ` } };
      assert.deepEqual(a.match(e).map((r) => r.id), b.match(e).map((r) => r.id));
    }
    assert.deepEqual(a.match({ logsource: { product: 'windows', category: 'process_creation' }, fields: { CommandLine: 'needle7 ' } }).map((r) => r.id), ['r7']);
  });

  it('events with odd logsources share the prefilter of the rules they reach (no automaton per logsource)', () => {
    const many = Array.from({ length: 40 }, (_, i) =>
      rule(`p${i}`, 'product: windows\n    category: process_creation', `    sel:\n        CommandLine|contains: 'tool${i} '\n    condition: sel`),
    );
    const engine = new RuleEngine(many);
    for (let i = 0; i < 200; i++) {
      const hits = engine.match({ logsource: { product: 'Windows', category: 'process_creation', service: `svc${i}` }, fields: { CommandLine: `tool${i % 40} ` } });
      assert.deepEqual(hits.map((r) => r.id), [`p${i % 40}`]);
    }
    assert.equal((engine as unknown as { prefilters: Map<string, unknown> }).prefilters.size, 1);
  });
});
