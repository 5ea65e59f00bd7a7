import assert from 'node:assert/strict';
import { describeDiagnostic } from '../../core/detection/yara/binding.js';
import { createYaraEngine, type YaraEngine, type YaraHit } from '../../core/detection/yara/engine.js';
import { attackTagsOf, severityFromMeta } from '../../core/detection/yara/load.js';
import { parseYaraSource, prefilterPatterns, regexHasAnchor, ruleScanMode } from '../../core/detection/yara/source.js';
import { DEFAULT_YARA_FIELDS, scanEvents, scanTargets } from '../../core/detection/yara/targets.js';

const modeOf = (src: string) => {
  const parsed = parseYaraSource(src);
  assert.equal(parsed.rules.length, 1, src);
  return ruleScanMode(parsed.rules[0]!, parsed.opaque);
};

describe('YARA source reader', () => {
  it('reads names, modifiers, tags, typed meta, patterns and spans', () => {
    const src = [
      'import "pe"',
      '/* block { comment } */',
      'private global rule one : tagA tagB {',
      '  meta:',
      '    s = "quote \\" brace } \\x41"',
      '    n = -12',
      '    h = 0x1F',
      '    b = false',
      '    reference = "https://a"',
      '    reference = "https://b"',
      '  strings:',
      '    $hex = { 4D 5A [2-4] ( 90 | 00 ) ?? } // trailing { comment',
      '    $re = /a\\/b{2,3}[}]/is',
      '    $txt = "x}y" xor(1-255) base64("!@#$%^&*(){}[].,|ABCDEFGHIJ\\x09LMNOPQRSTUVWXYZabcdefghijklmnopqrstu") private',
      '  condition:',
      '    any of them and pe.is_pe',
      '}',
      'rule two { condition: one }',
    ].join('\n');
    const parsed = parseYaraSource(src);
    assert.equal(parsed.opaque, false);
    assert.deepEqual(parsed.imports, ['pe']);
    assert.deepEqual(parsed.rules.map((r) => r.name), ['one', 'two']);
    const one = parsed.rules[0]!;
    assert.equal(one.line, 3);
    assert.equal(one.isPrivate, true);
    assert.equal(one.isGlobal, true);
    assert.deepEqual(one.tags, ['tagA', 'tagB']);
    assert.deepEqual(one.meta, { s: 'quote " brace } A', n: -12, h: 31, b: false, reference: 'https://a' });
    assert.deepEqual(one.metaEntries.filter(([k]) => k === 'reference').map(([, v]) => v), ['https://a', 'https://b']);
    assert.deepEqual(one.patterns.map((p) => [p.id, p.kind, p.modifiers]), [
      ['$hex', 'hex', []],
      ['$re', 'regex', []],
      ['$txt', 'text', ['xor', 'base64', 'private']],
    ]);
    assert.ok(src.slice(one.start, one.end).startsWith('private global rule one'));
    assert.ok(src.slice(one.start, one.end).endsWith('pe.is_pe\n}'));
    assert.equal(src.slice(parsed.rules[1]!.start, parsed.rules[1]!.end), 'rule two { condition: one }');
  });

  it('marks text it cannot read as opaque instead of failing', () => {
    assert.equal(parseYaraSource('rule a { condition: true }\nwhat is this').opaque, true);
    assert.equal(parseYaraSource('rule a { strings: oops condition: true }').opaque, true);
    assert.equal(parseYaraSource('rule a { condition: true').opaque, true);
    assert.equal(modeOf('rule a { strings: oops condition: true }'), 'per-buffer');
  });

  it('classifies conditions: presence-only rules are joined, anything positional or negated is per buffer', () => {
    const p = (strings: string, condition: string) => modeOf(`rule r { strings: ${strings} condition: ${condition} }`);
    const ab = '$a = "a1" $b = "b2"';
    assert.equal(p(ab, 'any of them'), 'any');
    assert.equal(p(ab, '1 of them'), 'any');
    assert.equal(p(ab, '$a or $b'), 'any');
    assert.equal(p(ab, 'any of ($a, $b)'), 'any');
    assert.equal(p(ab, 'any of ($*)'), 'any');
    assert.equal(p('$x1 = "a" $x2 = "b"', 'any of ($x*)'), 'any');
    assert.equal(p(ab, '$a or ($a and $b)'), 'verify');
    assert.equal(p(ab, 'all of them'), 'verify');
    assert.equal(p(ab, '2 of them'), 'verify');
    assert.equal(p(ab, '50% of them'), 'verify');
    assert.equal(p('$a = "a" $b = "b" $c = "c"', 'any of ($a, $b) or ($c and $a)'), 'verify');
    for (const cond of [
      '$a and filesize < 100 and $b',
      '$a at 0 and $b',
      '$a in (0..10) and $b',
      '#a > 2 and $b',
      '@a[1] > 2 and $b',
      '!a[1] > 2 and $b',
      'uint16(0) == 0x5A4D and $a and $b',
      '$a and not $b',
      'none of them',
      '0 of them',
      'for any of them : ( $ at 0 )',
      '$a and $b and true',
      '$a and $b and other_rule',
    ]) {
      assert.equal(p(ab, cond), 'per-buffer', cond);
    }
    assert.equal(p('$a = /^GET / $b = "x"', 'any of them'), 'per-buffer');
    assert.equal(p('$a = /done$/ $b = "x"', 'any of them'), 'per-buffer');
    assert.equal(p('$a = /[^a-z$]+x\\$/ $b = "x"', 'any of them'), 'any');
    assert.equal(p('$a = "a" private $b = "x"', 'any of them'), 'per-buffer');
    assert.equal(modeOf('rule r { condition: filesize > 0 }'), 'per-buffer');
    assert.equal(modeOf('global rule r { strings: $a = "a" condition: $a }'), 'per-buffer');
  });

  it('finds the patterns a per-buffer rule cannot match without', () => {
    const pf = (strings: string, condition: string) => {
      const parsed = parseYaraSource(`rule r { strings: ${strings} condition: ${condition} }`);
      return prefilterPatterns(parsed.rules[0]!, parsed.opaque)?.map((p) => p.id) ?? null;
    };
    const abc = '$a = "a1" $b1 = "b1" $b2 = "b2"';
    assert.deepEqual(pf(abc, 'uint16(0) == 0x5A4D and 2 of ($b*) and $a'), ['$a']);
    assert.deepEqual(pf(abc, '(filesize < 10 and any of ($b*))'), ['$b1', '$b2']);
    assert.deepEqual(pf(abc, '$a at 0'), ['$a']);
    assert.deepEqual(pf(abc, 'any of them in (0..100)'), ['$a', '$b1', '$b2']);
    assert.deepEqual(pf('$ = "x" $b = "y"', 'any of them and filesize < 30'), ['$', '$b']);
    assert.deepEqual(pf('$ = "x" $b = "y"', 'any of ($*) and filesize < 30'), ['$', '$b']);
    assert.equal(pf(abc, '$a and filesize < 10 or filesize == 3'), null);
    assert.equal(pf(abc, '#a > 2 and #b1 > 1 and $b2 or $a'), null);
    assert.equal(pf(abc, 'not $a and filesize < 3 and all of ($b*) or true'), null);
    assert.equal(pf(abc, 'filesize < 10 and ($a or $b1 or $b2)'), null);
    assert.equal(pf(abc, 'none of them'), null);
    assert.equal(pf('$a = /^x/', '$a and filesize < 9'), null);
    assert.equal(pf('$a = "x" private', '$a and filesize < 9'), null);
    assert.equal(pf(abc, 'uint16(0) == 0x5A4D'), null);
  });

  it('knows regex anchors from literal carets and dollars', () => {
    assert.equal(regexHasAnchor('/^abc/'), true);
    assert.equal(regexHasAnchor('/abc$/i'), true);
    assert.equal(regexHasAnchor('/a(^|x)/'), true);
    assert.equal(regexHasAnchor('/[^abc]/'), false);
    assert.equal(regexHasAnchor('/[]^$]x/'), false);
    assert.equal(regexHasAnchor('/\\^\\$/'), false);
  });
});

describe('YARA engine: files the reader cannot read through', () => {
  it('scans them whole, per buffer, and names their rules from what the binding reports', () => {
    // A stand-in binding: the reader gives up on this text, the "compiler" accepts it and reports `ghost`.
    const compiled: string[] = [];
    const binding = {
      validate: () => ({ errors: [], warnings: [] }),
      compile: (src: string) => {
        compiled.push(src);
        return {
          getWarnings: () => [],
          scan: (data: Buffer) =>
            src.includes('ghost') && data.includes('ghost')
              ? [{ ruleIdentifier: 'ghost', namespace: 'default', tags: ['spooky'], meta: { author: 'x', n: 2 }, matches: [] }]
              : [],
        };
      },
    };
    const source = 'rule known { condition: filesize > 0 }\n%%% something new %%%\nrule ghost { condition: true }';
    const e = createYaraEngine([{ file: 'odd.yar', source }], { binding });
    assert.deepEqual(e.ruleNames, ['known']);
    assert.equal(e.scanModeOf('known'), 'per-buffer');
    assert.deepEqual(compiled, [source], 'one per-buffer set holding the whole file');
    const hits = e.scan([Buffer.from('nothing'), Buffer.from('a ghost')]);
    assert.deepEqual(hits, [[], [{ rule: 'ghost', tags: ['spooky'], meta: { author: 'x', n: 2 } }]]);
    assert.deepEqual(e.ruleNames, ['known', 'ghost']);
    assert.equal(e.ruleCount, 2);
    assert.equal(e.scanModeOf('ghost'), 'per-buffer');
  });
});

describe('YARA rule metadata', () => {
  it('maps severity / level meta to Vigil severities, high by default', () => {
    assert.deepEqual(severityFromMeta({}), { level: 'high', understood: true });
    assert.equal(severityFromMeta({ severity: 'Critical' }).level, 'critical');
    assert.equal(severityFromMeta({ level: 'info' }).level, 'informational');
    assert.equal(severityFromMeta({ severity: 'moderate' }).level, 'medium');
    assert.equal(severityFromMeta({ severity: 'low', level: 'critical' }).level, 'low');
    assert.equal(severityFromMeta({ severity: 95 }).level, 'critical');
    assert.equal(severityFromMeta({ severity: 75 }).level, 'high');
    assert.equal(severityFromMeta({ severity: '50' }).level, 'medium');
    assert.equal(severityFromMeta({ severity: 25 }).level, 'low');
    assert.equal(severityFromMeta({ severity: 5 }).level, 'informational');
    assert.deepEqual(severityFromMeta({ severity: 'urgent' }), { level: 'high', understood: false });
    assert.deepEqual(severityFromMeta({ severity: true }), { level: 'high', understood: false });
  });

  it('maps mitre_attack / attack meta and ATT&CK-looking tags to attack.* tags', () => {
    assert.deepEqual(
      attackTagsOf({
        tags: ['T1003_001', 'attack_t1059', 'credential_access', 'webshell', 'TA0011'],
        metaEntries: [
          ['mitre_attack', 'T1505.003, T1190;t1105 | attack.t1071.001'],
          ['attack', 'Lateral Movement'],
          ['mitre', 'T1021.002 T1570'],
          ['description', 'T9999 is not read from here'],
        ],
      }),
      [
        'attack.credential-access',
        'attack.lateral-movement',
        'attack.t1003.001',
        'attack.t1021.002',
        'attack.t1059',
        'attack.t1071.001',
        'attack.t1105',
        'attack.t1190',
        'attack.t1505.003',
        'attack.t1570',
        'attack.ta0011',
      ],
    );
  });

  it('turns compiler messages into one line with a line number', () => {
    const d = describeDiagnostic({
      code: 'E025',
      message: 'Compilation error (E025): error[E025]: unknown pattern `$zz`\n --> line:7:23\n  |\n7 | rule bad { condition: $zz }\n  |                       ^^^ this pattern is not declared in the `strings` section',
    });
    assert.deepEqual(d, { line: 7, message: 'E025: unknown pattern `$zz`: this pattern is not declared in the `strings` section' });
    assert.deepEqual(describeDiagnostic({ message: 'something odd' }), { line: null, message: 'something odd' });
  });
});

describe('YARA scan targets', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');

  it('scans the decoded payload and the configured string fields, each text once', () => {
    const event = {
      payload: { name: 'up.php', base64: b64('<?php eval($_POST[1]); ?>') },
      fields: {
        CommandLine: 'cmd /c whoami',
        ParentCommandLine: 'cmd /c whoami',
        'c-uri-query': 'a=eval%28base64_decode%28x%29%29&b=1+2',
        http: { request: { body: 'nested body' } },
        message: ['line one', 42, 'line two'],
        ScriptBlockText: 12,
        Image: 'C:\\not\\scanned.exe',
        url: '',
      },
    };
    assert.deepEqual(scanTargets(event).map(String), [
      '<?php eval($_POST[1]); ?>',
      'cmd /c whoami',
      'a=eval%28base64_decode%28x%29%29&b=1+2',
      'a=eval(base64_decode(x))&b=1 2',
      'nested body',
      'line one',
      'line two',
    ]);
    assert.deepEqual(scanTargets(event, ['Image']).map(String), ['<?php eval($_POST[1]); ?>', 'C:\\not\\scanned.exe']);
    assert.deepEqual(scanTargets({ fields: { 'http.request.body': 'flat key' } }).map(String), ['flat key']);
    assert.deepEqual(scanTargets({ fields: { url: '/a%ZZb%e9' } }).map(String), ['/a%ZZb%e9', '/a%ZZb\u00e9']);
    assert.deepEqual(scanTargets({ fields: {} }), []);
    assert.ok(DEFAULT_YARA_FIELDS.includes('CommandLine') && DEFAULT_YARA_FIELDS.includes('http.request.body'));
  });

  it('scans a whole batch of events in one engine call and groups hits per event', () => {
    const calls: number[] = [];
    const real = createYaraEngine([
      {
        file: 't.yar',
        source: [
          'rule t_eval { strings: $a = "eval(base64_decode(" condition: $a }',
          'rule t_whoami { strings: $a = "whoami" condition: $a }',
          'rule t_mz { condition: uint16(0) == 0x5A4D }',
        ].join('\n'),
      },
    ]);
    const spy: YaraEngine = {
      ruleCount: real.ruleCount,
      ruleNames: real.ruleNames,
      scanModeOf: (r) => real.scanModeOf(r),
      scan: (buffers) => {
        calls.push(buffers.length);
        return real.scan(buffers);
      },
    };
    const events = [
      { fields: { 'c-uri-query': 'x=eval%28base64_decode%28' } }, // only percent-decoded
      { fields: { CommandLine: 'whoami /all', ParentCommandLine: 'cmd /c whoami & eval(base64_decode(' } },
      { fields: { Image: 'x.exe' } }, // nothing to scan
      { payload: { base64: Buffer.from('MZ\x90\x00whoami', 'latin1').toString('base64') }, fields: {} },
      { fields: { message: 'nothing to see' } },
    ];
    const hits = scanEvents(spy, events);
    assert.deepEqual(calls, [6]);
    assert.deepEqual(hits.map((h: YaraHit[]) => h.map((x) => x.rule)), [['t_eval'], ['t_eval', 't_whoami'], [], ['t_whoami', 't_mz'], []]);
    assert.deepEqual(scanEvents(spy, []), []);
    assert.deepEqual(scanEvents(spy, [{ fields: {} }]), [[]]);
    assert.equal(calls.length, 1, 'no engine call without targets');
  });
});
