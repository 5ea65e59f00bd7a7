import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bindFilters, compileFilter, filterAppliesTo, type CompiledFilter } from '../../core/detection/filters/sigma-filter.js';
import type { CompiledRule } from '../../core/detection/rule.js';
import { loadRuleset, RuleEngine } from '../../core/detection/ruleset.js';
import { compileRuleSource } from '../../core/detection/sigma/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const filterExamples = path.resolve(root, '..', 'shared', 'sigma', 'filter-examples');

function write(dir: string, rel: string, text: string): void {
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

const RULE_A = `title: Rar compresses data
id: 6f3e2987-db24-4c78-a860-b4f4095a7095
name: rar_compression
logsource:
    category: process_creation
    product: windows
detection:
    sel:
        Image|endswith: '\\rar.exe'
    condition: sel
`;

const RULE_B = `title: Whoami
id: 0b7f4a57-8a1c-4c8e-9a3e-1d2f3a4b5c6d
logsource:
    category: process_creation
    product: windows
detection:
    sel:
        Image|endswith: '\\whoami.exe'
    condition: sel
`;

const RULE_LINUX = `title: Linux whoami
id: 11111111-2222-4333-8444-555555555555
logsource:
    product: linux
detection:
    sel:
        Image|endswith: '/whoami'
    condition: sel
`;

const FILTER_ADMINS = `title: Administrator accounts are expected to do this
id: 7a1d3c2b-0f4e-4b6a-9c8d-1e2f3a4b5c6d
description: The administrator accounts start with adm_
logsource:
    product: windows
filter:
    rules:
        - 6f3e2987-db24-4c78-a860-b4f4095a7095
        - whoami-by-name
    selection:
        User|startswith: 'adm_'
    condition: not selection
`;

function compileOne(text: string): CompiledFilter {
  const res = compileRuleSource(text, 'rules/filters/f.yml');
  assert.deepEqual(res.errors, []);
  assert.equal(res.rules.length, 0);
  assert.equal(res.filters?.length, 1);
  return res.filters![0]!.filter;
}

function ruleOf(text: string): CompiledRule {
  const res = compileRuleSource(text, 'rules/sigma/r.yml');
  assert.deepEqual(res.errors, []);
  return res.rules[0]!.rule;
}

const proc = (fields: Record<string, unknown>) => ({ logsource: { product: 'windows', category: 'process_creation' }, fields });

describe('Sigma filters: documents', () => {
  it('compile: title, id, logsource, the rules they name, and their condition', () => {
    const f = compileOne(FILTER_ADMINS);
    assert.equal(f.id, '7a1d3c2b-0f4e-4b6a-9c8d-1e2f3a4b5c6d');
    assert.equal(f.title, 'Administrator accounts are expected to do this');
    assert.deepEqual(f.logsource, { product: 'windows' });
    assert.deepEqual(f.rules, ['6f3e2987-db24-4c78-a860-b4f4095a7095', 'whoami-by-name']);
    assert.equal(f.condition({ User: 'adm_bob' }), false);
    assert.equal(f.condition({ User: 'bob' }), true);
  });

  it("'any' (or 'all') applies to every rule the logsource covers", () => {
    const f = compileOne(FILTER_ADMINS.replace(/rules:\n( {8}- .*\n)+/, 'rules: any\n'));
    assert.equal(f.rules, 'any');
    assert.equal(filterAppliesTo(f, ruleOf(RULE_B)), true);
    assert.equal(filterAppliesTo(f, ruleOf(RULE_LINUX)), false);
  });

  it('applies by rule id (any case) or rule name, only when its logsource covers the rule', () => {
    const f = compileOne(FILTER_ADMINS.replace('whoami-by-name', 'rar_compression'));
    const a = ruleOf(RULE_A);
    assert.equal(filterAppliesTo(f, a), true);
    assert.equal(filterAppliesTo(compileOne(FILTER_ADMINS.replace('6f3e2987-db24-4c78-a860-b4f4095a7095', '6F3E2987-DB24-4C78-A860-B4F4095A7095')), a), true);
    assert.equal(filterAppliesTo(f, ruleOf(RULE_B)), false);
    const narrow = compileOne(FILTER_ADMINS.replace('product: windows', 'product: windows\n    service: security'));
    assert.equal(filterAppliesTo(narrow, a), false);
  });

  it('broken filters are reported with the line of the problem', () => {
    const cases: [string, string, RegExp][] = [
      [FILTER_ADMINS.replace(/ {4}rules:\n( {8}- .*\n)+/, ''), "'filter' has no 'rules'", /^filter:/],
      [FILTER_ADMINS.replace(/rules:\n( {8}- .*\n)+/, 'rules: []\n'), 'empty list', /rules:/],
      [FILTER_ADMINS.replace('condition: not selection', 'condition: [selection]'), 'exactly one condition', /condition:/],
      [FILTER_ADMINS.replace('condition: not selection', 'condition: not nosuch'), "'nosuch' is not a search identifier", /condition:/],
      [FILTER_ADMINS.replace('User|startswith', 'User|nosuchmod'), "unknown value modifier 'nosuchmod'", /User\|nosuchmod/],
      [FILTER_ADMINS.replace('logsource:\n    product: windows\n', ''), "missing 'logsource'", /.*/],
      [FILTER_ADMINS.replace('    condition: not selection\n', ''), "'filter' has no 'condition'", /^filter:/],
    ];
    for (const [text, message, lineRe] of cases) {
      const res = compileRuleSource(text, 'f.yml');
      assert.equal(res.errors.length, 1, `${message}: ${JSON.stringify(res.errors)}`);
      const e = res.errors[0]!;
      assert.ok(e.message.includes(message), `${e.message} should mention ${message}`);
      if (e.line !== null) assert.match(text.split('\n')[e.line - 1]!.trim(), lineRe, `line ${e.line} for ${message}`);
    }
  });

  const present = fs.existsSync(filterExamples);
  it(`the specification and pySigma example filters compile (../shared/sigma/filter-examples)${present ? '' : ' (skipped: ../shared/sigma not present)'}`, function () {
    if (!fs.existsSync(filterExamples)) this.skip();
    const files = fs.readdirSync(filterExamples).filter((f) => f.endsWith('.yml'));
    assert.ok(files.length >= 3);
    for (const f of files) {
      const res = compileRuleSource(fs.readFileSync(path.join(filterExamples, f), 'utf8'), f);
      assert.deepEqual(res.errors, [], f);
      assert.equal(res.filters?.length, 1, f);
    }
  });
});

describe('Sigma filters: in the rules directory and the engine', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-filters-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('filters/ and filters among the rules are loaded, bound to their rules, and honoured by RuleEngine.match', async () => {
    write(dir, 'rules/sigma/a.yml', RULE_A);
    write(dir, 'rules/sigma/b.yml', RULE_B.replace('title: Whoami', 'title: Whoami\nname: whoami-by-name'));
    write(dir, 'rules/filters/admins.yml', FILTER_ADMINS);
    write(
      dir,
      'rules/sigma/tuning/host_filter.yml',
      FILTER_ADMINS.replace('7a1d3c2b-0f4e-4b6a-9c8d-1e2f3a4b5c6d', '9d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6')
        .replace(/rules:\n( {8}- .*\n)+/, 'rules:\n        - 0b7f4a57-8a1c-4c8e-9a3e-1d2f3a4b5c6d\n')
        .replace("User|startswith: 'adm_'", "Computer: 'BUILD-01'"),
    );
    const rs = await loadRuleset(path.join(dir, 'rules'), { baseDir: dir });
    assert.deepEqual(rs.errors, []);
    assert.deepEqual(rs.warnings, []);
    assert.equal(rs.filters?.length, 2);
    const a = rs.rules.find((r) => r.id.startsWith('6f3e'))!;
    const b = rs.rules.find((r) => r.id.startsWith('0b7f'))!;
    assert.deepEqual(a.filters?.map((f) => f.file), ['rules/filters/admins.yml']);
    assert.deepEqual(b.filters?.map((f) => f.file).sort(), ['rules/filters/admins.yml', 'rules/sigma/tuning/host_filter.yml']);

    for (const prefilter of [true, false]) {
      const engine = new RuleEngine(rs.rules, { prefilter });
      const ids = (fields: Record<string, unknown>) => engine.match(proc(fields)).map((r) => r.title);
      assert.deepEqual(ids({ Image: 'C:\\x\\rar.exe', User: 'bob' }), ['Rar compresses data']);
      assert.deepEqual(ids({ Image: 'C:\\x\\rar.exe', User: 'adm_bob' }), []);
      assert.deepEqual(ids({ Image: 'C:\\x\\whoami.exe', User: 'adm_x' }), []);
      assert.deepEqual(ids({ Image: 'C:\\x\\whoami.exe', User: 'bob', Computer: 'build-01' }), []);
      assert.deepEqual(ids({ Image: 'C:\\x\\whoami.exe', User: 'bob', Computer: 'ws-1' }), ['Whoami']);
    }
    // The rule itself is untouched: only the engine applies filters.
    assert.equal(a.matches(proc({ Image: 'C:\\x\\rar.exe', User: 'adm_bob' })), true);
  });

  it('reports a detection rule in filters/, duplicate filter ids, and (as warnings) references to rules not loaded', async () => {
    write(dir, 'rules/sigma/a.yml', RULE_A);
    write(dir, 'rules/filters/misplaced.yml', RULE_B);
    write(dir, 'rules/filters/one.yml', FILTER_ADMINS);
    write(dir, 'rules/filters/two.yml', FILTER_ADMINS);
    const rs = await loadRuleset(path.join(dir, 'rules'), { baseDir: dir });
    assert.deepEqual(
      rs.errors.map((e) => [e.file, e.line, e.message.replace(/:.*$/, '')]),
      [
        ['rules/filters/misplaced.yml', 2, 'a detection rule in filters/'],
        ['rules/filters/two.yml', 2, "duplicate filter id '7a1d3c2b-0f4e-4b6a-9c8d-1e2f3a4b5c6d'"],
      ],
    );
    assert.deepEqual(rs.warnings?.map((w) => [w.file, w.message]), [
      ['rules/filters/one.yml', "filter 'Administrator accounts are expected to do this' names rule 'whoami-by-name', which is not loaded"],
    ]);
    assert.equal(rs.rules.length, 1);
  });

  it('RuleEngine takes extra filters as an option', () => {
    const a = ruleOf(RULE_A);
    const f = compileOne(FILTER_ADMINS);
    const engine = new RuleEngine([a], { filters: [f] });
    assert.equal(engine.match(proc({ Image: 'C:\\rar.exe', User: 'adm_1' })).length, 0);
    assert.equal(engine.match(proc({ Image: 'C:\\rar.exe', User: 'u' })).length, 1);
    assert.equal(new RuleEngine([a]).match(proc({ Image: 'C:\\rar.exe', User: 'adm_1' })).length, 1);
  });

  it('bindFilters leaves rules without filters as they are', () => {
    const a = ruleOf(RULE_A);
    const b = ruleOf(RULE_B);
    const bound = bindFilters([a, b], [compileOne(FILTER_ADMINS)]);
    assert.equal(bound.rules[1], b);
    assert.notEqual(bound.rules[0], a);
    assert.equal(bound.rules[0]!.matches, a.matches);
    assert.equal(bound.problems.length, 1);
  });
});
