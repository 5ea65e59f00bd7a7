import assert from 'node:assert/strict';
import type { RuleLoadError } from '../../core/detection/rule.js';
import { compileRuleSource } from '../../core/detection/sigma/index.js';

function errorsOf(text: string): RuleLoadError[] {
  const res = compileRuleSource(text, 'rules/sigma/bad.yml');
  assert.equal(res.rules.length, 0, 'the rule should be rejected');
  return res.errors;
}

/** Asserts exactly one error, on `line`, whose message matches `pattern`. */
function expectError(text: string, line: number | null, pattern: RegExp): RuleLoadError {
  const errors = errorsOf(text);
  assert.equal(errors.length, 1, JSON.stringify(errors));
  const e = errors[0]!;
  assert.equal(e.file, 'rules/sigma/bad.yml');
  assert.match(e.message, pattern);
  assert.equal(e.line, line, `line of: ${e.message}`);
  return e;
}

const HEAD = 'title: Bad rule\nid: 9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d\nlogsource:\n    product: windows\n';

describe('sigma: rejected rules', () => {
  it('YAML syntax errors are reported with the line of the problem', () => {
    const text = `${HEAD}detection:\n    sel:\n        Image: C:\\x: y\n    condition: sel\n`;
    const e = expectError(text, 7, /^YAML syntax error: Nested mappings/);
    expectError(`${HEAD}detection:\n    sel:\n\tImage: x\n    condition: sel\n`, 7, /^YAML syntax error: Tabs/);
    expectError(`${HEAD}detection:\n    sel:\n        Image: "a\\qb"\n    condition: sel\n`, 7, /^YAML syntax error: Invalid escape/);
    assert.doesNotMatch(e.message, /\n/);
    expectError(`${HEAD}detection:\n    sel:\n        a: 1\n        a: 2\n    condition: sel\n`, 8, /YAML syntax error: .*unique/i);
  });

  it('an unknown modifier names the modifier and the line of its key', () => {
    const text = `${HEAD}detection:\n    sel:\n        EventID: 1\n        Image|endswith|lowercase: 'x'\n    condition: sel\n`;
    expectError(text, 8, /unknown value modifier 'lowercase' in 'Image\|endswith\|lowercase'/);
  });

  it('a legacy pipe aggregation is rejected with the correlation rule hint', () => {
    const text = `${HEAD}detection:\n    sel:\n        EventID: 4625\n    condition: sel | count(TargetUserName) by IpAddress > 10\n`;
    const e = expectError(text, 8, /pipe/);
    assert.match(e.message, /correlation rule/);
    expectError(`${HEAD}detection:\n    sel:\n        EventID: 4625\n    timeframe: 5m\n    condition: sel\n`, 8, /correlation rule/);
    expectError(`${HEAD}detection:\n    a:\n        x: 1\n    b:\n        y: 1\n    condition: a near b\n`, 10, /'near'.*correlation rule/);
  });

  it('a condition naming an undefined search identifier', () => {
    const text = `${HEAD}detection:\n    selection:\n        EventID: 1\n    condition: selection and not filter\n`;
    expectError(text, 8, /'filter' is not a search identifier of this rule \(defined: selection\)/);
    expectError(`${HEAD}detection:\n    selection:\n        EventID: 1\n    condition: 1 of filter_*\n`, 8, /'filter_\*' matches no search identifier/);
    expectError(`${HEAD}detection:\n    _x:\n        EventID: 1\n    condition: 1 of them\n`, 8, /'them' refers to no search identifier/);
  });

  it('condition syntax errors', () => {
    const base = `${HEAD}detection:\n    a:\n        x: 1\n    b:\n        y: 1\n    condition: `;
    expectError(`${base}a and (b or\n`, 10, /unexpected end of expression/);
    expectError(`${base}(a and b\n`, 10, /missing '\)'/);
    expectError(`${base}a b\n`, 10, /unexpected 'b'/);
    expectError(`${base}a and\n`, 10, /unexpected end/);
    expectError(`${base}sel*\n`, 10, /wildcard but no '1 of'/);
    expectError(`${base}3 of them\n`, 10, /needs more identifiers/);
    expectError(`${base}''\n`, 10, /condition is empty/);
    expectError(`${HEAD}detection:\n    a:\n        x: 1\n    condition:\n        - a\n        - b\n`, 10, /'b' is not a search identifier/);
  });

  it('an invalid regular expression', () => {
    const text = `${HEAD}detection:\n    sel:\n        CommandLine|re: 'evil(['\n    condition: sel\n`;
    expectError(text, 7, /invalid regular expression in 'CommandLine\|re'/);
  });

  it('missing title, logsource, detection or condition', () => {
    const det = 'detection:\n    sel:\n        a: 1\n    condition: sel\n';
    expectError(`logsource:\n    product: x\n${det}`, null, /missing 'title'/);
    expectError(`title: T\n${det}`, null, /missing 'logsource'/);
    expectError(`title: T\nlogsource:\n    product: x\n`, null, /missing 'detection'/);
    expectError(`title: T\nlogsource:\n    product: x\ndetection:\n    sel:\n        a: 1\n`, 4, /'detection' has no 'condition'/);
    expectError(`title: T\nlogsource:\n    product: x\ndetection:\n    condition: sel\n`, 4, /defines no search identifier/);
  });

  it('invalid level, status, taxonomy, logsource and vigil.group_by', () => {
    const det = 'detection:\n    sel:\n        a: 1\n    condition: sel\n';
    expectError(`${HEAD}${det}level: severe\n`, 9, /invalid level 'severe' \(one of: informational, low, medium, high, critical\)/);
    expectError(`${HEAD}${det}status: production\n`, 9, /invalid status 'production'/);
    expectError(`${HEAD}${det}taxonomy: malware\n`, 9, /invalid taxonomy 'malware': expected an ENISA RSIT class/);
    expectError(`title: T\nlogsource:\n    product:\n        - a\n${det}`, 3, /'logsource.product' must be a non-empty string/);
    expectError(`${HEAD}${det}vigil:\n    group_by:\n        - 3\n`, 11, /'vigil.group_by' must be a list of field names/);
    expectError(`${HEAD}${det}vigil:\n    suppression: soon\n`, 10, /'vigil.suppression' must be a duration/);
    expectError(`${HEAD}${det}tags: 5\n`, 9, /'tags' must be a list of strings/);
  });

  it('invalid values and modifier combinations', () => {
    const rule = (item: string) => `${HEAD}detection:\n    sel:\n        ${item}\n    condition: sel\n`;
    expectError(rule("ip|cidr: '10.0.0.0/33'"), 7, /invalid CIDR '10.0.0.0\/33'/);
    expectError(rule("ip|cidr:\n            - '10.0.0.0/8'\n            - 'x'"), 9, /invalid CIDR 'x'/);
    expectError(rule("n|gt: 'many'"), 7, /needs numeric values/);
    expectError(rule("f|exists: 'yes'"), 7, /needs a single true or false/);
    expectError(rule("f|contains: null"), 7, /null cannot take modifiers/);
    expectError(rule("f|re|contains: 'x'"), 7, /'contains' cannot be combined with 're'/);
    expectError(rule("f|contains|startswith: 'x'"), 7, /'contains' and 'startswith' cannot be combined/);
    expectError(rule("f|i: 'x'"), 7, /sub-modifier of 're'/);
    expectError(rule("f|base64: 'a*b'"), 7, /cannot encode a value with wildcards/);
    expectError(rule("f|expand: '%Servers%'"), 7, /placeholder '%Servers%' .* no configured values/);
    expectError(rule("f: []"), 7, /empty value list/);
    expectError(rule("f:\n            nested: map"), 7, /values must be strings, numbers, booleans or null/);
    expectError(rule("'f|': x"), 7, /empty modifier/);
    expectError(`${HEAD}detection:\n    sel: null\n    condition: sel\n`, 6, /must be a map or a list/);
    expectError(`${HEAD}detection:\n    sel: {}\n    condition: sel\n`, 6, /cannot be empty/);
  });

  it('legacy multi-document collections (action: global) are rejected', () => {
    const text = `action: global\ntitle: Collection\nlogsource:\n    product: windows\n---\ndetection:\n    sel:\n        a: 1\n    condition: sel\n`;
    expectError(text, 1, /legacy rule collection \('action: global'\) is not supported/);
  });

  it('an empty file is an error', () => {
    expectError('# nothing here\n', null, /no YAML document/);
  });
});

describe('sigma: multi-document files', () => {
  it('each complete document is a rule; a broken one does not stop the others', () => {
    const doc = (id: string, cond: string) =>
      `title: Rule ${id}\nid: ${id}\nlogsource:\n    product: x\ndetection:\n    sel:\n        a: 1\n    condition: ${cond}\n`;
    const text = `${doc('r1', 'sel')}---\n${doc('r2', 'nope')}---\n${doc('r3', 'sel')}`;
    const res = compileRuleSource(text, 'multi.yml');
    assert.deepEqual(
      res.rules.map((r) => r.rule.id),
      ['r1', 'r3'],
    );
    assert.equal(res.errors.length, 1);
    assert.equal(res.errors[0]!.line, 17);
    assert.match(res.errors[0]!.message, /'nope' is not a search identifier/);
    assert.deepEqual(
      res.rules.map((r) => r.idLine),
      [2, 20],
    );
  });

  it('Sigma correlation documents are skipped, not reported', () => {
    const text = `title: Base\nid: base-1\nname: base\nlogsource:\n    product: x\ndetection:\n    sel:\n        a: 1\n    condition: sel\n---\ntitle: Many\nid: corr-1\ncorrelation:\n    type: event_count\n    rules:\n        - base\n    group-by:\n        - a\n    timespan: 5m\n    condition:\n        gte: 10\n`;
    const res = compileRuleSource(text, 'c.yml');
    assert.deepEqual(res.errors, []);
    assert.deepEqual(
      res.rules.map((r) => r.rule.id),
      ['base-1'],
    );
  });
});
