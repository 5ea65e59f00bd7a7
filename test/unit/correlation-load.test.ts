import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  asCompiledRule,
  compileCorrelationSources,
  loadCorrelationRules,
  silencedRuleIds,
  type CorrelationLoadError,
  type CorrelationRule,
} from '../../core/detection/correlation/index.js';
import type { CompiledRule } from '../../core/detection/rule.js';
import { compileRuleSource, loadRuleset } from '../../core/detection/ruleset.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtureDir = path.join(root, 'test/fixtures/correlation/rules');
const examplesDir = path.resolve(root, '../shared/sigma/correlation-examples');

/** A detection rule that only exists to be referenced. */
function stub(id: string, name?: string, tags: string[] = []): CompiledRule {
  return {
    id,
    ...(name !== undefined ? { name } : {}),
    title: `stub ${name ?? id}`,
    level: 'low',
    status: null,
    description: null,
    author: null,
    references: [],
    falsepositives: [],
    tags,
    logsource: {},
    file: 'stub.yml',
    groupBy: [],
    category: tags.length ? 'intrusion-attempts' : 'other',
    matches: () => false,
  };
}

function one(text: string, detection: CompiledRule[] = [stub('11111111-1111-4111-8111-111111111111', 'base')]) {
  return compileCorrelationSources([{ file: 'x.yml', text }], detection);
}

/** The text of the reported line, to check that an error points at the right key. */
function lineText(file: string, line: number | null): string {
  assert.notEqual(line, null, `no line for an error in ${file}`);
  return fs.readFileSync(path.join(root, file), 'utf8').split('\n')[line! - 1] ?? '';
}

describe('correlation rules: loading', () => {
  describe('the fixture rules directory', () => {
    let rules: CorrelationRule[];
    let errors: CorrelationLoadError[];
    const byId = (suffix: string) => rules.find((r) => r.id.endsWith(suffix));
    const errorFor = (needle: RegExp) => errors.find((e) => needle.test(e.message));

    before(async () => {
      const det = await loadRuleset(fixtureDir, { baseDir: root });
      assert.deepEqual(det.errors, [], 'the detection rules of the fixture load');
      ({ rules, errors } = await loadCorrelationRules(fixtureDir, det.rules, { baseDir: root }));
    });

    it('loads the good correlations from mixed multi-document files and from correlation/', () => {
      assert.deepEqual(rules.map((r) => r.id.slice(-2)).sort(), ['10', '11', '12', '13', '2f', '30']);
      const extra = byId('30')!;
      assert.equal(extra.file, 'test/fixtures/correlation/rules/correlation/extra.yml');
      assert.equal(extra.type, 'value_avg');
      assert.deepEqual(extra.field, ['BytesOut']);
      assert.deepEqual(extra.condition, { gt: 500 });
    });

    it('resolves references by name and by id (ids case-insensitively) and computes chain depth', () => {
      const chain = byId('11')!;
      assert.deepEqual(chain.ruleRefs, ['many_failed', '9B0C2A51-6A7E-4F0E-9D3C-1F2A3B4C5D02']);
      assert.deepEqual(chain.rules, ['9b0c2a51-6a7e-4f0e-9d3c-1f2a3b4c5d10', '9b0c2a51-6a7e-4f0e-9d3c-1f2a3b4c5d02']);
      assert.equal(chain.depth, 1);
      assert.equal(byId('10')!.depth, 0);
      assert.equal(byId('10')!.name, 'many_failed');
    });

    it('keeps the metadata a correlation alert needs', () => {
      const r = byId('11')!;
      assert.equal(r.title, 'Failed logons then success');
      assert.equal(r.level, 'high');
      assert.equal(r.status, 'experimental');
      assert.equal(r.author, 'Vigil tests');
      assert.deepEqual(r.references, ['https://example.org/brute']);
      assert.deepEqual(r.falsepositives, ['Forgotten passwords']);
      assert.deepEqual(r.tags, ['attack.credential-access', 'attack.t1110']);
      assert.equal(r.category, 'intrusion-attempts');
      assert.equal(r.timespan, '1h');
      assert.equal(r.timespanMs, 3_600_000);
      assert.equal(r.file, 'test/fixtures/correlation/rules/sigma/good.yml');
      assert.match(lineText(r.file, r.line), /^correlation:/);
      // temporal types without a condition need every rule
      assert.deepEqual(r.condition, { gte: 2 });
    });

    it('resolves aliases to the referenced rule ids', () => {
      const r = byId('12')!;
      assert.deepEqual(r.groupBy, ['server_ip', 'peer_ip']);
      assert.deepEqual(r.aliases, {
        server_ip: { '9b0c2a51-6a7e-4f0e-9d3c-1f2a3b4c5d03': 'destination.ip', '9b0c2a51-6a7e-4f0e-9d3c-1f2a3b4c5d04': 'source.ip' },
        peer_ip: { '9b0c2a51-6a7e-4f0e-9d3c-1f2a3b4c5d03': 'source.ip', '9b0c2a51-6a7e-4f0e-9d3c-1f2a3b4c5d04': 'destination.ip' },
      });
    });

    it('reads ranges, a single-string rules / group-by, generate inside correlation and vigil.suppression', () => {
      const r = byId('13')!;
      assert.deepEqual(r.condition, { gt: 10, lte: 100 });
      assert.deepEqual(r.rules, ['9b0c2a51-6a7e-4f0e-9d3c-1f2a3b4c5d01']);
      assert.deepEqual(r.groupBy, ['WorkstationName']);
      assert.equal(r.generate, false);
      assert.equal(r.suppressionMs, 2 * 3_600_000);
      assert.equal(byId('12')!.generate, true);
    });

    const broken = 'test/fixtures/correlation/rules/sigma/broken.yml';
    const cases: [string, RegExp, RegExp][] = [
      ['a bad timespan', /invalid timespan '1h30m'.*90m/, /^\s+timespan: 1h30m/],
      ['an unknown referenced rule', /unknown rule 'no_such_rule'/, /^\s+- no_such_rule/],
      ['value_count without field', /value_count needs 'condition.field'/, /^\s+condition:/],
      ['a range no value satisfies', /can never be true: its lower bound is above its upper bound/, /^\s+condition:/],
      ['an unknown condition key', /unknown key 'condition.greater'/, /^\s+greater: 5/],
      ['an extended (string) condition', /extended correlation conditions .* not part of Sigma v2.1/, /^\s+condition: failed_logon and not/],
      ['a missing group-by', /missing 'correlation.group-by'/, /^correlation:/],
      ['a generate that is not a boolean', /'generate' must be true or false/, /^generate: sometimes/],
      ['a temporal condition above its number of rules', /can never be true: temporal counts the referenced rules seen, at most 2/, /^\s+condition:/],
      ['the id of a detection rule', /duplicate rule id '9b0c2a51-6a7e-4f0e-9d3c-1f2a3b4c5d01': already used by the detection rule in .*base.yml/, /^id: 9b0c2a51/],
      ['an alias naming a rule outside the list', /alias 'ip' names rule 'failed_logon', which is not in 'correlation.rules'/, /^\s+failed_logon: IpAddress/],
      [
        'a group-by the referenced correlation does not carry',
        /field 'IpAddress' is not a group-by field of the referenced correlation 'many_failed' \(TargetUserName\)/,
        /^\s+- IpAddress/,
      ],
    ];
    for (const [what, message, line] of cases) {
      it(`rejects ${what}, with file and line`, () => {
        const e = errorFor(message);
        assert.ok(e, `no error matching ${message}; got:\n${errors.map((x) => `${x.line}: ${x.message}`).join('\n')}`);
        assert.equal(e.file, broken);
        assert.match(lineText(e.file, e.line), line);
      });
    }

    it('rejects both members of a cycle with the cycle spelled out, and the rules that depend on them', () => {
      const cyc = errors.filter((e) => /correlation cycle: cycle_a → cycle_b → cycle_a/.test(e.message));
      assert.equal(cyc.length, 2);
      for (const e of cyc) assert.match(lineText(e.file, e.line), /^\s+rules:/);
      const dep = errorFor(/referenced correlation 'cycle_a' .* did not load/);
      assert.ok(dep);
      assert.match(lineText(dep.file, dep.line), /^\s+- cycle_a/);
      assert.ok(!rules.some((r) => ['25', '26', '27'].includes(r.id.slice(-2))));
    });

    it('still loads the good correlation after the broken ones in the same file', () => {
      const r = byId('2f')!;
      assert.equal(r.type, 'value_sum');
      assert.deepEqual(r.rules, ['9b0c2a51-6a7e-4f0e-9d3c-1f2a3b4c5d2e']);
    });

    it('reports YAML syntax errors of correlation/ files (those of sigma/ files are loadRuleset’s to report)', () => {
      const e = errors.find((x) => x.file.endsWith('correlation/syntax_error.yml'));
      assert.ok(e);
      assert.match(e.message, /^YAML syntax error/);
      assert.ok(e.line !== null && e.line >= 5);
      assert.equal(errors.length, cases.length + 3 + 1, errors.map((x) => `${x.file}:${x.line}: ${x.message}`).join('\n'));
    });
  });

  describe('single documents', () => {
    const doc = (correlation: string, extra = '') => `title: T\nid: 22222222-2222-4222-8222-222222222222\n${extra}correlation:\n${correlation}`;

    it('accepts each of the seven types', () => {
      const bodies: Record<string, string> = {
        event_count: 'condition: {gte: 3}',
        value_count: 'condition: {field: User, gte: 3}',
        temporal: '',
        temporal_ordered: '',
        value_sum: 'condition: {field: bytes, gt: 1000}',
        value_avg: 'condition: {field: bytes, gt: 10.5}',
        value_percentile: 'condition: {field: Image, lte: 1}',
      };
      for (const [type, cond] of Object.entries(bodies)) {
        const r = one(doc(`  type: ${type}\n  rules: [base]\n  group-by: [host]\n  timespan: 5m\n  ${cond}\n`));
        assert.deepEqual(r.errors, [], type);
        assert.equal(r.rules[0]!.type, type);
      }
    });

    it('accepts pySigma’s percentile key for value_percentile only', () => {
      const ok = one(doc('  type: value_percentile\n  rules: [base]\n  group-by: [host]\n  timespan: 1h\n  condition: {field: ms, percentile: 95, gt: 900}\n'));
      assert.deepEqual(ok.errors, []);
      assert.equal(ok.rules[0]!.percentile, 95);
      const bad = one(doc('  type: value_sum\n  rules: [base]\n  group-by: [host]\n  timespan: 1h\n  condition: {field: ms, percentile: 95, gt: 900}\n'));
      assert.match(bad.errors[0]!.message, /percentile' only applies to value_percentile/);
    });

    it('rejects a field where the type has none, and a multi-field sum', () => {
      const r = one(doc('  type: event_count\n  rules: [base]\n  group-by: [host]\n  timespan: 5m\n  condition: {field: User, gte: 3}\n'));
      assert.match(r.errors[0]!.message, /'condition.field' has no meaning for event_count/);
      const s = one(doc('  type: value_sum\n  rules: [base]\n  group-by: [host]\n  timespan: 5m\n  condition: {field: [a, b], gte: 3}\n'));
      assert.match(s.errors[0]!.message, /must be a single numeric field/);
    });

    it('rejects timespans outside the spec format', () => {
      for (const t of ['5', '5M', '1w', '0m', '90 m', "'-5m'"]) {
        const r = one(doc(`  type: event_count\n  rules: [base]\n  group-by: [host]\n  timespan: ${t}\n  condition: {gte: 3}\n`));
        assert.match(r.errors[0]?.message ?? '', /invalid timespan/, t);
        assert.equal(r.errors[0]!.line, 7);
      }
      for (const [t, ms] of [['30s', 30_000], ['15m', 900_000], ['2h', 7_200_000], ['1d', 86_400_000]] as const) {
        assert.equal(one(doc(`  type: event_count\n  rules: [base]\n  group-by: [host]\n  timespan: ${t}\n  condition: {gte: 3}\n`)).rules[0]!.timespanMs, ms);
      }
    });

    it('rejects an unknown type, a missing condition, no comparison, non-numeric thresholds and huge counts', () => {
      const base = '  rules: [base]\n  group-by: [host]\n  timespan: 5m\n';
      assert.match(one(doc(`  type: event_cnt\n${base}  condition: {gte: 3}\n`)).errors[0]!.message, /invalid correlation type 'event_cnt'/);
      assert.match(one(doc(`  type: event_count\n${base}`)).errors[0]!.message, /missing 'correlation.condition'/);
      assert.match(one(doc(`  type: value_count\n${base}  condition: {field: User}\n`)).errors[0]!.message, /needs a comparison/);
      assert.match(one(doc(`  type: event_count\n${base}  condition: {gte: many}\n`)).errors[0]!.message, /'condition.gte' must be a number/);
      assert.match(one(doc(`  type: event_count\n${base}  condition: {gte: 1000000}\n`)).errors[0]!.message, /count thresholds above 100000/);
      assert.match(one(doc(`  type: event_count\n${base}  condition: {eq: 3, neq: 3}\n`)).errors[0]!.message, /eq contradicts/);
      assert.match(one(doc(`  type: event_count\n${base}  condition: {lt: 0}\n`)).errors[0]!.message, /never negative/);
      assert.match(one(doc(`  type: event_count\n${base}  condition: {gte: 3}\n  groupby: [x]\n`)).errors[0]!.message, /unknown key 'correlation.groupby'/);
      assert.match(one(doc(`${base}  condition: {gte: 3}\n`)).errors[0]!.message, /missing 'correlation.type'/);
    });

    it('rejects a rule listed twice, a self-reference and conflicting generate flags', () => {
      const base = '  type: event_count\n  group-by: [host]\n  timespan: 5m\n  condition: {gte: 3}\n';
      assert.match(one(doc(`${base}  rules: [base, base]\n`)).errors[0]!.message, /listed twice/);
      assert.match(one(doc(`${base}  rules: [base, 11111111-1111-4111-8111-111111111111]\n`)).errors[0]!.message, /'11111111-1111-4111-8111-111111111111' and 'base' are the same rule/);
      const self = one(doc(`${base}  rules: [me]\n`, 'name: me\n'));
      assert.match(self.errors[0]!.message, /correlation cycle: 'me' references itself/);
      const gen = one(doc(`${base}  rules: [base]\n  generate: true\n`, 'generate: false\n'));
      assert.match(gen.errors[0]!.message, /disagree/);
    });

    it('explains a reference to a detection rule that is in the files but did not load', () => {
      const text = `title: Broken detection\nid: 33333333-3333-4333-8333-333333333333\nname: broken_det\nlogsource: {product: x}\ndetection:\n  sel: {a|nosuchmodifier: 1}\n  condition: sel\n---\n${doc('  type: event_count\n  rules: [broken_det]\n  group-by: [host]\n  timespan: 5m\n  condition: {gte: 3}\n')}`;
      const r = one(text, []);
      assert.match(r.errors[0]!.message, /referenced rule 'broken_det' \(in x.yml\) did not load/);
      assert.equal(r.errors[0]!.line, 13);
    });

    it('explains a reference to a correlation that was rejected', () => {
      const bad = 'title: Bad\nid: 77777777-7777-4777-8777-777777777777\nname: bad_corr\ncorrelation:\n  type: event_count\n  rules: [base]\n  group-by: [host]\n  timespan: soon\n  condition: {gte: 3}\n';
      const r = one(`${bad}---\n${doc('  type: event_count\n  rules: [bad_corr]\n  group-by: [host]\n  timespan: 5m\n  condition: {gte: 3}\n')}`);
      assert.equal(r.rules.length, 0);
      assert.match(r.errors[0]!.message, /invalid timespan 'soon'/);
      assert.match(r.errors[1]!.message, /referenced rule 'bad_corr' \(in x.yml\) did not load/);
    });

    it('gives a correlation without id a file-based id, and a correlation without its own class its rules’ class', () => {
      const r = one(`title: No id\ncorrelation:\n  type: event_count\n  rules: [tagged]\n  group-by: [host]\n  timespan: 5m\n  condition: {gte: 3}\n`, [
        stub('44444444-4444-4444-8444-444444444444', 'tagged', ['attack.t1110']),
      ]);
      assert.deepEqual(r.errors, []);
      assert.equal(r.rules[0]!.id, 'x.yml');
      assert.equal(r.rules[0]!.category, 'intrusion-attempts');
    });

    it('rejects a duplicate correlation id or name (the first in path order wins)', () => {
      const a = doc('  type: event_count\n  rules: [base]\n  group-by: [host]\n  timespan: 5m\n  condition: {gte: 3}\n', 'name: n1\n');
      const r = compileCorrelationSources(
        [
          { file: 'a.yml', text: a },
          { file: 'b.yml', text: a },
          { file: 'c.yml', text: a.replace('22222222-2222-4222-8222-222222222222', '55555555-5555-4555-8555-555555555555') },
        ],
        [stub('11111111-1111-4111-8111-111111111111', 'base')],
      );
      assert.equal(r.rules.length, 1);
      assert.equal(r.rules[0]!.file, 'a.yml');
      assert.match(r.errors[0]!.message, /duplicate rule id .* already defined in a.yml/);
      assert.match(r.errors[1]!.message, /duplicate rule name 'n1': already used in a.yml/);
    });
  });

  describe('generate and the pipeline view', () => {
    const det = [stub('aaaaaaaa-0000-4000-8000-000000000001', 'r1'), stub('aaaaaaaa-0000-4000-8000-000000000002', 'r2'), stub('aaaaaaaa-0000-4000-8000-000000000003', 'r3')];
    const text = [
      'title: C1\nid: c1\nname: c1\ncorrelation:\n  type: event_count\n  rules: [r1, r2]\n  group-by: [host]\n  timespan: 5m\n  condition: {gte: 3}\n',
      'title: C2\nid: c2\ngenerate: true\ncorrelation:\n  type: event_count\n  rules: [r2]\n  group-by: [host]\n  timespan: 5m\n  condition: {gte: 3}\n',
      'title: C3\nid: c3\ncorrelation:\n  type: temporal\n  rules: [c1, r3]\n  group-by: [host]\n  timespan: 5m\n',
      'title: C4\nid: c4\nstatus: deprecated\ncorrelation:\n  type: event_count\n  rules: [r3]\n  group-by: [host]\n  timespan: 5m\n  condition: {gte: 3}\n',
    ].join('---\n');

    it('silences referenced rules unless a referencing correlation says generate: true; inactive correlations silence nothing', () => {
      const r = compileCorrelationSources([{ file: 'g.yml', text }], det);
      assert.deepEqual(r.errors, []);
      const silenced = silencedRuleIds(r.rules);
      // r1: only C1 (no generate). r2: C1 and C2 (generate: true) → alerts. r3: C3 (no generate) → silenced.
      // c1: referenced by C3 → silenced (it only feeds C3). C4 is deprecated and silences nothing.
      assert.deepEqual([...silenced].sort(), ['aaaaaaaa-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000003', 'c1']);
    });

    it('asCompiledRule presents a correlation as a rule the pipeline can record', () => {
      const r = compileCorrelationSources([{ file: 'g.yml', text }], det).rules.find((c) => c.id === 'c3')!;
      const cr = asCompiledRule(r);
      assert.equal(cr.id, 'c3');
      assert.equal(cr.title, 'C3');
      assert.deepEqual(cr.groupBy, ['host']);
      assert.deepEqual(cr.logsource, {});
      assert.equal(cr.file, 'g.yml');
      assert.equal(cr.matches({ logsource: {}, fields: { host: 'x' } }), false);
      assert.equal(cr.level, 'medium');
      assert.equal(cr.category, 'other');
    });
  });

  describe('the starter correlation rules (rules/sigma/correlation)', () => {
    it('all load against the starter detection rules, with Vigil metadata', async () => {
      const det = await loadRuleset(path.join(root, 'rules'), { baseDir: root });
      const r = await loadCorrelationRules(path.join(root, 'rules'), det.rules, { baseDir: root });
      assert.deepEqual(r.errors, []);
      assert.ok(r.rules.length >= 5);
      const uuid4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
      const ids = new Set(det.rules.map((d) => d.id));
      for (const c of r.rules) {
        assert.match(c.id, uuid4, c.file);
        assert.ok(!ids.has(c.id), `${c.file}: id clashes`);
        ids.add(c.id);
        assert.equal(c.author, 'Vigil', c.file);
        assert.match(c.file, /^rules\/sigma\/correlation\/mr_[a-z0-9_]+\.yml$/);
        assert.ok(c.tags.some((t) => /^attack\.t\d{4}/.test(t)), `${c.file}: ATT&CK tag`);
        assert.notEqual(c.category, 'other', c.file);
        assert.ok(c.falsepositives.length > 0, c.file);
        // Every reference is an existing starter detection rule.
        for (const id of c.rules) assert.ok(det.rules.some((d) => d.id === id), `${c.file}: ${id}`);
      }
      assert.deepEqual(
        r.rules.map((c) => c.type).sort(),
        ['event_count', 'event_count', 'event_count', 'temporal_ordered', 'value_count', 'value_count'],
      );
    });

    it('are not picked up as detection rules by loadRuleset', async () => {
      const det = await loadRuleset(path.join(root, 'rules'), { baseDir: root });
      assert.ok(!det.rules.some((d) => d.file.includes('/correlation/')));
      assert.deepEqual(det.errors, []);
    });
  });

  describe('the Sigma specification and pySigma examples (../shared/sigma/correlation-examples)', () => {
    const present = fs.existsSync(examplesDir);
    const files: string[] = [];
    if (present) {
      for (const sub of fs.readdirSync(examplesDir).sort()) {
        const d = path.join(examplesDir, sub);
        if (!fs.statSync(d).isDirectory()) continue;
        for (const f of fs.readdirSync(d).sort()) if (f.endsWith('.yml')) files.push(`${sub}/${f}`);
      }
    }
    const unknown = (ref: string) => new RegExp(`unknown rule '${ref}'`);
    /** Outcome per example: the correlation types that load, or the reason it is rejected. */
    const expected: Record<string, string[] | RegExp> = {
      'pysigma/correlation_rule.yml': ['event_count', 'value_count', 'temporal'],
      'spec-doc/01_rules_reference_fragment.yml': /missing 'correlation.type'/,
      'spec-doc/02_event_count_complete.yml': unknown('5638f7c0-ac70-491d-8465-2a65075e0d86'),
      'spec-doc/03_value_count_complete.yml': unknown('5638f7c0-ac70-491d-8465-2a65075e0d86'),
      'spec-doc/04_temporal_fragment.yml': /missing 'title'/,
      'spec-doc/05_temporal_ordered_fragment.yml': /missing 'title'/,
      'spec-doc/06_value_sum_complete.yml': unknown('website_access'),
      'spec-doc/07_value_avg_complete.yml': unknown('rule_a_id'),
      'spec-doc/08_value_percentile_complete.yml': unknown('process_creation'),
      'spec-doc/09_temporal_aliases_example.yml': unknown('internal_error'),
      'spec-doc/10_temporal_ordered_chain_full_example_multidoc.yml': ['temporal_ordered', 'event_count'],
      'spec-schema-tests/event_count.yml': unknown('5638f7c0-ac70-491d-8465-2a65075e0d86'),
      'spec-schema-tests/event_count_ecs.yml': /invalid taxonomy 'ecs'/,
      'spec-schema-tests/temporal.yml': unknown('recon_cmd_a'),
      'spec-schema-tests/temporal_ordered.yml': unknown('recon_cmd_a'),
      'spec-schema-tests/value_avg.yml': unknown('rule_a_id'),
      'spec-schema-tests/value_count.yml': unknown('5638f7c0-ac70-491d-8465-2a65075e0d86'),
      'spec-schema-tests/value_percentile.yml': unknown('process_creation'),
      'spec-schema-tests/value_sum.yml': unknown('website_access'),
    };
    /** The rules the examples reference without defining them. */
    const referenced = [
      stub('5638f7c0-ac70-491d-8465-2a65075e0d86', 'firewall_block'),
      ...['website_access', 'rule_a_id', 'process_creation', 'internal_error', 'new_network_connection', 'recon_cmd_a', 'recon_cmd_b', 'recon_cmd_c'].map((n, i) =>
        stub(`66666666-0000-4000-8000-00000000000${i}`, n),
      ),
    ];
    const load = (file: string, extra: CompiledRule[]) => {
      const text = fs.readFileSync(path.join(examplesDir, file), 'utf8');
      const det = compileRuleSource(text, file);
      return compileCorrelationSources([{ file, text }], [...det.rules.map((d) => d.rule), ...extra]);
    };

    if (!present) {
      it.skip('skipped: ../shared/sigma/correlation-examples is absent');
      return;
    }
    for (const file of files) {
      it(`${file}: ${Array.isArray(expected[file]) ? 'loads' : expected[file] ? 'is rejected for a true reason' : 'loads or is rejected with file and line'}`, () => {
        const r = load(file, []);
        const want = expected[file];
        if (Array.isArray(want)) {
          assert.deepEqual(r.errors, []);
          assert.deepEqual(r.rules.map((c) => c.type), want);
        } else if (want) {
          assert.equal(r.rules.length, 0);
          assert.ok(r.errors.some((e) => want.test(e.message)), r.errors.map((e) => e.message).join('\n'));
          for (const e of r.errors) {
            assert.equal(e.file, file);
            assert.ok(e.line !== null && e.line > 0);
          }
        } else {
          // A new example: it must either load or say where it is wrong.
          for (const e of r.errors) assert.ok(e.line !== null, `${file}: ${e.message}`);
        }
      });
    }

    it('the complete examples load once the rules they reference exist', () => {
      for (const file of files) {
        const r = load(file, referenced);
        if (/fragment|_ecs/.test(file)) {
          assert.equal(r.rules.length, 0, file);
          continue;
        }
        assert.deepEqual(r.errors, [], file);
        assert.ok(r.rules.length >= 1, file);
      }
    });

    it('the spec’s chain (failed logins → success) resolves names and nests the event_count under temporal_ordered', () => {
      const r = load('spec-doc/10_temporal_ordered_chain_full_example_multidoc.yml', []);
      const outer = r.rules.find((c) => c.type === 'temporal_ordered')!;
      const inner = r.rules.find((c) => c.type === 'event_count')!;
      assert.deepEqual(outer.rules, ['a8418a5a-5fc4-46b5-b23b-6c73beb19d41', '4d0a2c83-c62c-4ed4-b475-c7e23a9269b8']);
      assert.equal(outer.depth, 1);
      assert.equal(inner.depth, 0);
      assert.deepEqual(inner.rules, ['53ba33fd-3a50-4468-a5ef-c583635cfa92']);
      assert.deepEqual([...silencedRuleIds(r.rules)].sort(), [
        '4d0a2c83-c62c-4ed4-b475-c7e23a9269b8',
        '53ba33fd-3a50-4468-a5ef-c583635cfa92',
        'a8418a5a-5fc4-46b5-b23b-6c73beb19d41',
      ]);
    });
  });
});
