import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import type { CompiledRule } from '../../core/detection/rule.js';
import { compileRuleSource } from '../../core/detection/sigma/index.js';

/** A rule with one selection `sel` made of the given map lines (written without indentation). */
function sel(lines: string, placeholders?: Record<string, string[]>): CompiledRule {
  const body = lines
    .trim()
    .split('\n')
    .map((l) => `        ${l}`)
    .join('\n');
  const text = `title: Modifier test\nid: 5d1e9c0a-7b2f-4e3d-8c4b-2a1f0e9d8c7b\nlogsource:\n    product: test\ndetection:\n    sel:\n${body}\n    condition: sel\n`;
  const res = compileRuleSource(text, 'm.yml', { placeholders });
  assert.deepEqual(res.errors, [], 'rule should compile');
  return res.rules[0]!.rule;
}

function check(rule: CompiledRule, yes: Record<string, unknown>[], no: Record<string, unknown>[]): void {
  for (const f of yes) assert.equal(rule.matches({ logsource: { product: 'test' }, fields: f }), true, `should match ${JSON.stringify(f)}`);
  for (const f of no) assert.equal(rule.matches({ logsource: { product: 'test' }, fields: f }), false, `should not match ${JSON.stringify(f)}`);
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const b64w = (s: string) => Buffer.from(s, 'utf16le').toString('base64');

describe('sigma modifiers: position and all', () => {
  it('contains / startswith / endswith', () => {
    check(sel("c|contains: 'WhoAmI'"), [{ c: 'cmd /c whoami /all' }, { c: 'WHOAMI' }], [{ c: 'who am i' }, {}]);
    check(sel("c|startswith: 'adm'"), [{ c: 'Administrator' }], [{ c: 'sysadm' }]);
    check(sel("c|endswith: '\\cmd.exe'"), [{ c: 'C:\\Windows\\CMD.exe' }], [{ c: 'C:\\Windows\\cmd.exe.lnk' }, { c: 'xcmd.exe' }]);
  });

  it('contains keeps inner wildcards working', () => {
    check(sel("c|contains: 'net*user'"), [{ c: 'x NET.exe  USER y' }], [{ c: 'user net' }]);
    check(sel("c|contains: 'a?c'"), [{ c: 'xxabcxx' }], [{ c: 'xxacxx' }]);
  });

  it('a value list ORs; |all ANDs', () => {
    check(sel("c|contains:\n    - 'foo'\n    - 'bar'"), [{ c: 'foo' }, { c: 'bar' }], [{ c: 'baz' }]);
    check(sel("c|contains|all:\n    - 'foo'\n    - 'bar'"), [{ c: 'bar foo' }], [{ c: 'foo' }, { c: 'bar' }]);
  });

  it('many plain values use one combined test', () => {
    const values = Array.from({ length: 50 }, (_, i) => `    - 'value${i}'`).join('\n');
    check(sel(`c:\n${values}`), [{ c: 'VALUE7' }, { c: 'value49' }], [{ c: 'value50' }, { c: 'value' }]);
    check(sel(`c|endswith:\n${values}`), [{ c: 'xVALUE7' }], [{ c: 'value7x' }]);
  });

  it('cased matches case-sensitively', () => {
    check(sel("c|cased: 'Evil'"), [{ c: 'Evil' }], [{ c: 'evil' }, { c: 'EVIL' }]);
    check(sel("c|contains|cased: 'Evil'"), [{ c: 'an Evil one' }], [{ c: 'an evil one' }]);
    check(sel("c|cased: 'E*l?'"), [{ c: 'Evil!' }], [{ c: 'evil!' }]);
  });
});

describe('sigma modifiers: re', () => {
  it('is case-sensitive by default and unanchored (JS RegExp)', () => {
    check(sel("c|re: 'Invoke-[A-Z]\\w+'"), [{ c: 'x Invoke-Mimikatz' }], [{ c: 'invoke-mimikatz' }, { c: 'Invoke-' }]);
    check(sel("c|re: '^a.c$'"), [{ c: 'abc' }], [{ c: 'xabc' }, { c: 'ABC' }]);
  });

  it('re|i, re|m, re|s', () => {
    check(sel("c|re|i: '^invoke-'"), [{ c: 'INVOKE-x' }], [{ c: 'x invoke-' }]);
    check(sel("c|re|m: '^second$'"), [{ c: 'first\nsecond\nthird' }], [{ c: 'first second' }]);
    check(sel("c|re: '^second$'"), [], [{ c: 'first\nsecond\nthird' }]);
    check(sel("c|re|s: 'a.b'"), [{ c: 'a\nb' }], [{ c: 'ab' }]);
    check(sel("c|re: 'a.b'"), [], [{ c: 'a\nb' }]);
  });

  it('a leading PCRE inline flag group (?i) is honoured', () => {
    check(sel("c|re: '(?i)^mimikatz'"), [{ c: 'MimiKatz.exe' }], [{ c: 'x mimikatz' }]);
  });

  it('matches numbers as text; lists OR, |all ANDs', () => {
    check(sel("c|re: '^46\\d\\d$'"), [{ c: 4625 }, { c: '4624' }], [{ c: 4720 }]);
    check(sel("c|re|all:\n    - 'a'\n    - 'b'"), [{ c: 'ab' }], [{ c: 'a' }]);
  });
});

describe('sigma modifiers: exists, neq, comparisons', () => {
  it('exists true / false checks presence only', () => {
    check(sel('f|exists: true'), [{ f: 'x' }, { f: '' }, { f: null }, { f: 0 }], [{}, { g: 1 }]);
    check(sel('f|exists: false'), [{}, { g: 1 }], [{ f: null }, { f: 'x' }]);
  });

  it('neq: present and different from every value', () => {
    check(sel("LogonType|neq: 3"), [{ LogonType: 10 }, { LogonType: '2' }], [{ LogonType: 3 }, { LogonType: '3' }, {}]);
    check(sel("u|neq:\n    - 'SYSTEM'\n    - 'LOCAL SERVICE'"), [{ u: 'bob' }], [{ u: 'system' }, { u: 'Local Service' }]);
  });

  it('gt / gte / lt / lte compare numerically (numbers and numeric strings)', () => {
    check(sel('n|gt: 10'), [{ n: 11 }, { n: '10.5' }], [{ n: 10 }, { n: '9' }, { n: 'abc' }, { n: '' }, {}]);
    check(sel('n|gte: 10'), [{ n: 10 }, { n: '10' }], [{ n: 9.99 }]);
    check(sel('n|lt: 0'), [{ n: -1 }], [{ n: 0 }]);
    check(sel('n|lte: 1024'), [{ n: '1024' }, { n: 80 }], [{ n: 1025 }]);
    check(sel('n|gte: 100\nm|lt: 5'), [{ n: 100, m: 4 }], [{ n: 100, m: 5 }]);
  });

  it('time modifiers extract UTC parts of a date (optionally with a comparison)', () => {
    check(sel('t|hour: 3'), [{ t: '2025-01-02T03:59:00Z' }], [{ t: '2025-01-02T04:00:00Z' }, { t: 'not a date' }]);
    check(sel('t|hour|gte: 22'), [{ t: '2025-01-02T23:10:00Z' }], [{ t: '2025-01-02T21:10:00Z' }]);
    check(sel('t|month: 12'), [{ t: '2024-12-31T10:00:00+00:00' }], [{ t: '2024-11-30T10:00:00Z' }]);
    check(sel('t|week: 1'), [{ t: '2025-01-01T10:00:00Z' }], [{ t: '2025-01-08T10:00:00Z' }]);
    check(sel('t|year: 2025'), [{ t: '2025-06-01T00:00:00Z' }], [{ t: '2024-06-01T00:00:00Z' }]);
  });
});

describe('sigma modifiers: cidr', () => {
  it('IPv4 ranges', () => {
    const r = sel("ip|cidr:\n    - '10.0.0.0/8'\n    - '192.168.1.0/24'");
    check(r, [{ ip: '10.255.0.1' }, { ip: '192.168.1.200' }], [{ ip: '11.0.0.1' }, { ip: '192.168.2.1' }, { ip: 'nonsense' }, { ip: 10 }]);
    check(sel("ip|cidr: '0.0.0.0/0'"), [{ ip: '8.8.8.8' }], [{ ip: '::1' }]);
    check(sel("ip|cidr: '203.0.113.7/32'"), [{ ip: '203.0.113.7' }], [{ ip: '203.0.113.8' }]);
  });

  it('IPv6 ranges, including compressed forms and mapped IPv4', () => {
    const r = sel("ip|cidr: '2001:db8::/32'");
    check(r, [{ ip: '2001:db8::1' }, { ip: '2001:0DB8:ffff::' }], [{ ip: '2001:db9::1' }, { ip: '10.0.0.1' }]);
    check(sel("ip|cidr: 'fe80::/10'"), [{ ip: 'fe80::1%eth0' }, { ip: 'febf::1' }], [{ ip: 'fec0::1' }]);
    check(sel("ip|cidr: '10.0.0.0/8'"), [{ ip: '::ffff:10.1.2.3' }], [{ ip: '::ffff:11.1.2.3' }]);
    check(sel("ip|cidr: '::ffff:0:0/96'"), [{ ip: '1.2.3.4' }], [{ ip: '2001:db8::1' }]);
  });
});

describe('sigma modifiers: encodings', () => {
  it('base64 matches the encoded value', () => {
    check(sel("c|base64: 'http://'"), [{ c: b64('http://') }], [{ c: b64('https://') }]);
    check(sel("c|base64|contains: 'http://'"), [{ c: `x ${b64('http://')} y` }], [{ c: `x ${b64('ftp://')} y` }]);
  });

  it('base64offset finds the value at any offset in an encoded text', () => {
    const r = sel("c|base64offset|contains: 'DownloadString'");
    const yes = [0, 1, 2, 3, 4, 5].map((n) => ({ c: `-enc ${b64(`${'x'.repeat(n)}IEX DownloadString('u')`)}` }));
    check(r, yes, [{ c: b64('IEX DownloadFile(u)') }, { c: 'DownloadString' }]);
  });

  it('utf16le|base64offset (PowerShell -EncodedCommand), wide as an alias', () => {
    for (const mod of ['utf16le', 'wide']) {
      const r = sel(`c|${mod}|base64offset|contains: 'Net.WebClient'`);
      const yes = [0, 1, 2].map((n) => ({ c: b64w(`${'a'.repeat(n)}(New-Object Net.WebClient).DownloadString($u)`) }));
      check(r, yes, [{ c: b64w('(New-Object Net.Sockets.TcpClient)') }, { c: b64('(New-Object Net.WebClient)') }]);
    }
  });

  it('utf16be and utf16 (with byte order mark) with base64', () => {
    const be = Buffer.from('cmd', 'utf16le').swap16().toString('base64');
    check(sel("c|utf16be|base64: 'cmd'"), [{ c: be }], [{ c: b64w('cmd') }]);
    const bom = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('cmd', 'utf16le')]).toString('base64');
    check(sel("c|utf16|base64: 'cmd'"), [{ c: bom }], [{ c: b64w('cmd') }]);
  });

  it('windash accepts -, /, en dash, em dash and horizontal bar for flags', () => {
    const r = sel("c|windash|contains: ' -urlcache '");
    check(
      r,
      [{ c: 'certutil -urlcache -f' }, { c: 'certutil /urlcache /f' }, { c: 'certutil \u2013urlcache x' }, { c: 'certutil \u2014urlcache x' }, { c: 'certutil \u2015urlcache x' }],
      [{ c: 'certutil urlcache' }, { c: 'certutil +urlcache x' }],
    );
    // Dashes inside words are not flags.
    check(sel("c|windash: 'Get-Process'"), [{ c: 'get-process' }], [{ c: 'Get/Process' }]);
    check(sel("c|windash|contains|all:\n    - ' -nop'\n    - ' -w hidden'"), [{ c: 'powershell /nop /w hidden' }, { c: 'powershell -w hidden -nop' }], [{ c: 'powershell /nop' }]);
  });
});

describe('sigma modifiers: fieldref and expand', () => {
  it('fieldref compares with another field of the same event', () => {
    check(sel('TargetUserName|fieldref: SubjectUserName'), [{ TargetUserName: 'Bob', SubjectUserName: 'bob' }], [
      { TargetUserName: 'bob', SubjectUserName: 'alice' },
      { TargetUserName: 'bob' },
    ]);
    check(sel('a|fieldref|neq: b'), [{ a: 'x', b: 'y' }], [{ a: 'x', b: 'X' }]);
    check(sel('cmd|fieldref|contains: image'), [{ cmd: 'C:\\x\\evil.exe -a', image: 'evil.exe' }], [{ cmd: 'good.exe', image: 'evil.exe' }]);
  });

  it('expand replaces %placeholders% with the configured values', () => {
    const r = sel("User|expand: '%Administrators%'", { Administrators: ['admin*', 'root'] });
    check(r, [{ User: 'Administrator' }, { User: 'ROOT' }], [{ User: 'bob' }, { User: '%Administrators%' }]);
    const esc = sel("x|expand: '\\%plain%name%'", { name: ['1', '2'] });
    check(esc, [{ x: '%plain1' }, { x: '%plain2' }], [{ x: '%plain%name%' }]);
  });

  it('without expand a placeholder is literal text', () => {
    check(sel("User: '%Administrators%'"), [{ User: '%administrators%' }], [{ User: 'admin' }]);
  });
});
