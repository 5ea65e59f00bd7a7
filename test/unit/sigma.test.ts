import assert from 'node:assert/strict';
import type { CompiledRule } from '../../core/detection/rule.js';
import { compileRuleSource } from '../../core/detection/sigma/index.js';

/** Builds a rule whose detection section is `detection` (written without indentation). */
function ruleYaml(detection: string, extra = ''): string {
  const body = detection
    .trim()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
  return `title: Test rule\nid: 0b7f4a57-8a1c-4c8e-9a3e-1d2f3a4b5c6d\nlogsource:\n    product: test\ndetection:\n${body}\n${extra}`;
}

function compile(detection: string, extra = ''): CompiledRule {
  const res = compileRuleSource(ruleYaml(detection, extra), 'rules/sigma/test.yml');
  assert.deepEqual(res.errors, [], 'rule should compile');
  assert.equal(res.rules.length, 1);
  return res.rules[0]!.rule;
}

const ev = (fields: Record<string, unknown>) => ({ logsource: { product: 'test' }, fields });

/** Asserts which of the field sets match. */
function check(rule: CompiledRule, yes: Record<string, unknown>[], no: Record<string, unknown>[]): void {
  for (const f of yes) assert.equal(rule.matches(ev(f)), true, `should match ${JSON.stringify(f)}`);
  for (const f of no) assert.equal(rule.matches(ev(f)), false, `should not match ${JSON.stringify(f)}`);
}

describe('sigma: detection structures', () => {
  it('a map ANDs its fields', () => {
    const r = compile(`
sel:
    EventID: 4688
    Image: 'C:\\Windows\\System32\\cmd.exe'
condition: sel`);
    check(
      r,
      [{ EventID: 4688, Image: 'c:\\windows\\system32\\CMD.EXE' }],
      [{ EventID: 4688 }, { Image: 'C:\\Windows\\System32\\cmd.exe' }, { EventID: 4689, Image: 'C:\\Windows\\System32\\cmd.exe' }],
    );
  });

  it('a value list ORs its values', () => {
    const r = compile(`
sel:
    EventID:
        - 517
        - 1102
condition: sel`);
    check(r, [{ EventID: 517 }, { EventID: '1102' }], [{ EventID: 518 }, {}]);
  });

  it('a list of maps ORs the maps', () => {
    const r = compile(`
sel:
    - Image|endswith: '\\example.exe'
    - Description|contains: 'Test executable'
condition: sel`);
    check(
      r,
      [{ Image: 'C:\\x\\example.exe' }, { Description: 'A test executable here' }],
      [{ Image: 'C:\\x\\example.exe.bak', Description: 'other' }],
    );
  });

  it('a keyword list searches every string value of the event, recursively, as substrings', () => {
    const r = compile(`
keywords:
    - 'EVILSERVICE'
    - 'svchost.exe -n evil'
condition: keywords`);
    check(
      r,
      [
        { message: 'service EvilService started' },
        { deep: { list: [{ cmd: 'C:\\svchost.exe -n EVIL' }] } },
        { a: 1, b: ['x', 'evilservice'] },
      ],
      [{ message: 'svchost.exe -k netsvcs' }, { EVILSERVICE: 'the key is not a value' }, {}],
    );
  });

  it('keywords with |all must each be found (possibly in different values)', () => {
    const r = compile(`
keywords_cmdlet:
    '|all':
        - 'OabVirtualDirectory'
        - ' -ExternalUrl '
condition: keywords_cmdlet`);
    check(
      r,
      [{ cmd: 'Set-OabVirtualDirectory -ExternalUrl http://x' }, { a: 'OabVirtualDirectory', b: 'x -externalurl y' }],
      [{ cmd: 'Set-OabVirtualDirectory -InternalUrl http://x' }],
    );
  });

  it('keywords also match numbers as text and support wildcards inside', () => {
    const r = compile(`
keywords:
    - 'failure;*rhost='
    - 4625
condition: keywords`);
    check(
      r,
      [{ m: 'pam_unix: authentication failure; logname= uid=0 rhost=1.2.3.4' }, { id: 4625 }, { t: 'event 4625 seen' }],
      [{ m: 'rhost= failure;' }, { id: 4624 }],
    );
  });

  it('a single scalar search identifier is one keyword', () => {
    const r = compile(`
kw: 'mimikatz'
condition: kw`);
    check(r, [{ a: 'Invoke-Mimikatz.ps1' }], [{ a: 'mimi katz' }]);
  });

  it('null means the field is absent or null; it does not match an empty string', () => {
    const r = compile(`
sel:
    EventID: 4738
filter:
    PasswordLastSet: null
condition: sel and not filter`);
    check(r, [{ EventID: 4738, PasswordLastSet: '2024-01-01' }, { EventID: 4738, PasswordLastSet: '' }], [
      { EventID: 4738 },
      { EventID: 4738, PasswordLastSet: null },
    ]);
  });

  it("'' matches only a present empty string", () => {
    const r = compile(`
sel:
    FieldB: ''
condition: sel`);
    check(r, [{ FieldB: '' }], [{}, { FieldB: null }, { FieldB: ' ' }, { FieldB: 'x' }]);
  });

  it('numbers compare as text case-insensitively and numerically; booleans as text', () => {
    const r = compile(`
sel:
    LogonType: 10
    Elevated: true
condition: sel`);
    check(
      r,
      [
        { LogonType: 10, Elevated: true },
        { LogonType: '10', Elevated: 'True' },
        { LogonType: '010', Elevated: 'TRUE' },
        { LogonType: 10.0, Elevated: 'true' },
      ],
      [{ LogonType: 100, Elevated: true }, { LogonType: '1', Elevated: true }, { LogonType: 10, Elevated: false }, { LogonType: '', Elevated: true }],
    );
    const s = compile(`
sel:
    Code: '0x17'
condition: sel`);
    check(s, [{ Code: '0X17' }], [{ Code: 23 }, { Code: '0x170' }]);
  });

  it('an event array matches when one element matches', () => {
    const r = compile(`
sel:
    tags|contains: 'admin'
condition: sel`);
    check(r, [{ tags: ['user', 'Domain Admins'] }], [{ tags: ['user', 'guest'] }, { tags: [] }]);
  });

  it('objects never equal a string value', () => {
    const r = compile(`
sel:
    a: '*'
condition: sel`);
    check(r, [{ a: '' }, { a: 'x' }, { a: 5 }], [{ a: { b: 1 } }, {}, { a: null }]);
  });
});

describe('sigma: wildcards and escapes', () => {
  const one = (value: string) =>
    compile(`
sel:
    f: '${value.replace(/'/g, "''")}'
condition: sel`);

  it('* and ? match case-insensitively over the whole value', () => {
    check(one('prog?.exe'), [{ f: 'PROGA.EXE' }, { f: 'prog1.exe' }], [{ f: 'prog.exe' }, { f: 'progAB.exe' }, { f: 'xprogA.exe' }]);
    check(one('antivirus_V*.exe'), [{ f: 'antivirus_V1.exe' }, { f: 'ANTIVIRUS_v21.2.1.exe' }, { f: 'antivirus_V.exe' }], [
      { f: 'antivirus_V1.exe.txt' },
    ]);
    check(one('*\\cmd.exe'), [{ f: 'C:\\Windows\\cmd.exe' }], [{ f: 'C:\\Windows\\xcmd.exe' }]);
    check(one('adm*'), [{ f: 'Administrator' }], [{ f: 'sysadm' }]);
    check(one('*mimikatz*'), [{ f: 'x MIMIKATZ y' }], [{ f: 'mimi' }]);
    check(one('a*b*c'), [{ f: 'abc' }, { f: 'aXXbYYc' }, { f: 'A\nB\nC' }], [{ f: 'acb' }, { f: 'abcd' }]);
    check(one('*'), [{ f: '' }, { f: 'anything' }], [{}]);
  });

  it('regex metacharacters in values are literal', () => {
    check(one('a.b(c)[d]+$'), [{ f: 'A.B(C)[D]+$' }], [{ f: 'aXb(c)[d]+$' }]);
    check(one('*.b(c)?'), [{ f: 'xx.b(c)!' }], [{ f: 'xxXb(c)!' }]);
  });

  it('\\* and \\? are literal wildcard characters', () => {
    check(one('what\\?'), [{ f: 'what?' }], [{ f: 'whatX' }]);
    check(one('5 \\* 3'), [{ f: '5 * 3' }], [{ f: '5 x 3' }, { f: '5  3' }]);
  });

  it('\\\\ is one backslash; \\\\* is a backslash then a wildcard; \\\\\\* a backslash and a literal star', () => {
    check(one('C:\\\\Temp\\\\*'), [{ f: 'C:\\Temp\\file.exe' }], [{ f: 'C:\\\\Temp\\\\file.exe' }]);
    check(one('dir\\\\\\*'), [{ f: 'dir\\*' }], [{ f: 'dir\\x' }]);
    check(one('a\\\\\\\\b'), [{ f: 'a\\\\b' }], [{ f: 'a\\b' }]);
  });

  it('a lone backslash before another character is literal', () => {
    check(one('C:\\Windows\\System32\\cmd.exe'), [{ f: 'c:\\windows\\system32\\cmd.exe' }], [{ f: 'C:/Windows/System32/cmd.exe' }]);
    check(one('trailing\\'), [{ f: 'trailing\\' }], [{ f: 'trailing' }]);
  });
});

describe('sigma: field paths', () => {
  it('dotted names reach into nested objects', () => {
    const r = compile(`
sel:
    process.parent.name: 'winword.exe'
condition: sel`);
    check(r, [{ process: { parent: { name: 'WINWORD.EXE' } } }], [{ process: { parent: {} } }, { process: 'x' }, { process: null }]);
  });

  it('a literal dotted key is tried first', () => {
    const r = compile(`
sel:
    user.name: 'alice'
condition: sel`);
    check(r, [{ 'user.name': 'alice', user: { name: 'bob' } }, { user: { name: 'alice' } }], [{ 'user.name': 'bob', user: { name: 'bob' } }]);
  });

  it('inherited object members are not fields', () => {
    const r = compile(`
sel:
    constructor|exists: true
condition: sel`);
    check(r, [{ constructor: 'x' }], [{}, { toString: undefined }]);
  });
});

describe('sigma: conditions', () => {
  const det = `
a:
    fa: 'x'
b:
    fb: 'x'
c:
    fc: 'x'
`;
  const rule = (cond: string, more = '') => compile(`${det}${more}\ncondition: ${cond}`);
  const F = (s: string) => Object.fromEntries([...s].map((k) => [`f${k}`, 'x']));

  it('and binds tighter than or', () => {
    const r = rule('a or b and c');
    check(r, [F('a'), F('bc'), F('abc')], [F('b'), F('c'), F('')]);
  });

  it('not binds tighter than and', () => {
    const r = rule('not a and b');
    check(r, [F('b'), F('bc')], [F('ab'), F(''), F('a')]);
  });

  it('parentheses override precedence', () => {
    const r = rule('(a or b) and c');
    check(r, [F('ac'), F('bc')], [F('a'), F('b'), F('ab')]);
    const n = rule('not (a or b)');
    check(n, [F(''), F('c')], [F('a'), F('b')]);
  });

  it('keywords are case-insensitive and nested parentheses work', () => {
    const r = rule('A AND NOT ((b) OR c)'.replace('A', 'a'));
    check(r, [F('a')], [F('ab'), F('ac'), F('b')]);
  });

  it('1 of / any of / all of a pattern', () => {
    const d = `
selection_1:
    f1: 'x'
selection_2:
    f2: 'x'
filter:
    f3: 'x'
`;
    check(compile(`${d}condition: 1 of selection_*`), [F('1'), F('2')], [F('3'), F('')]);
    check(compile(`${d}condition: any of selection*`), [F('2')], [F('3')]);
    check(compile(`${d}condition: all of selection_*`), [F('12'), F('123')], [F('1'), F('2')]);
    check(compile(`${d}condition: 1 of selection_* and not 1 of filter*`), [F('1'), F('12')], [F('13'), F('3')]);
    check(compile(`${d}condition: 2 of them`), [F('12'), F('13')], [F('1'), F('3')]);
  });

  it('them excludes identifiers starting with _', () => {
    const d = `
sel1:
    f1: 'x'
sel2:
    f2: 'x'
_hidden:
    f3: 'x'
`;
    check(compile(`${d}condition: 1 of them`), [F('1'), F('2')], [F('3'), F('')]);
    check(compile(`${d}condition: all of them`), [F('12')], [F('13'), F('1')]);
    check(compile(`${d}condition: all of them and _hidden`), [F('123')], [F('12')]);
  });

  it('a list of conditions is their OR', () => {
    const r = compile(`${det}condition:\n    - a and b\n    - c`);
    check(r, [F('ab'), F('c')], [F('a'), F('b')]);
  });
});

describe('sigma: rule metadata', () => {
  it('carries the rule attributes, vigil.group_by and the ENISA category', () => {
    const r = compile(
      `
sel:
    f: x
condition: sel`,
      `status: test\nlevel: HIGH\nauthor: Vigil\ndescription: desc\nreferences:\n    - https://example.org/a\nfalsepositives: Admins\ntags:\n    - attack.credential-access\n    - attack.t1110\nvigil:\n    group_by:\n        - c-ip\n        - cs-host\n    suppression: 2h\n`,
    );
    assert.equal(r.suppressionMs, 2 * 3_600_000);
    assert.equal(r.id, '0b7f4a57-8a1c-4c8e-9a3e-1d2f3a4b5c6d');
    assert.equal(r.title, 'Test rule');
    assert.equal(r.level, 'high');
    assert.equal(r.status, 'test');
    assert.equal(r.author, 'Vigil');
    assert.equal(r.description, 'desc');
    assert.deepEqual(r.references, ['https://example.org/a']);
    assert.deepEqual(r.falsepositives, ['Admins']);
    assert.deepEqual(r.tags, ['attack.credential-access', 'attack.t1110']);
    assert.deepEqual(r.groupBy, ['c-ip', 'cs-host']);
    assert.deepEqual(r.logsource, { product: 'test' });
    assert.equal(r.file, 'rules/sigma/test.yml');
    assert.equal(r.category, 'intrusion-attempts');
  });

  it('defaults: level medium, no status, groupBy empty, category other, id from the file', () => {
    const res = compileRuleSource('title: T\nlogsource:\n    category: dns\ndetection:\n    s:\n        query: x\n    condition: s\n', 'r/a.yml');
    assert.deepEqual(res.errors, []);
    const r = res.rules[0]!.rule;
    assert.equal(r.level, 'medium');
    assert.equal(r.status, null);
    assert.deepEqual(r.groupBy, []);
    assert.equal(r.category, 'other');
    assert.equal(r.suppressionMs, undefined);
    assert.equal(r.id, 'r/a.yml');
    assert.deepEqual(r.references, []);
  });

  it('an explicit taxonomy wins over tags', () => {
    const r = compile('sel:\n    f: x\ncondition: sel', 'taxonomy: information-content-security\ntags:\n    - attack.impact\n');
    assert.equal(r.category, 'information-content-security');
  });

  it('matches() also checks the logsource, case-insensitively', () => {
    const r = compile('sel:\n    f: x\ncondition: sel');
    assert.equal(r.matches({ logsource: { product: 'TEST', category: 'any' }, fields: { f: 'x' } }), true);
    assert.equal(r.matches({ logsource: { product: 'other' }, fields: { f: 'x' } }), false);
    assert.equal(r.matches({ logsource: {}, fields: { f: 'x' } }), false);
  });
});
