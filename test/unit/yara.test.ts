import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SEVERITIES } from '../../core/domain/types.js';
import { createYaraEngine, type YaraEngine, type YaraHit } from '../../core/detection/yara/engine.js';
import { loadYaraRules, type YaraRuleset } from '../../core/detection/yara/load.js';
import { loadYaraXBinding, type YaraXBinding } from '../../core/detection/yara/binding.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const yaraDir = path.join(root, 'rules/yara');
const fixturesDir = path.join(root, 'test/fixtures/yara');

/** A fixture's bytes: plain text, or base64 below a first line `base64:`. */
function readFixture(name: string): Buffer | null {
  const file = path.join(fixturesDir, name);
  if (!fs.existsSync(file)) return null;
  const text = fs.readFileSync(file, 'utf8');
  if (text.startsWith('base64:')) return Buffer.from(text.slice('base64:'.length).replace(/\s+/g, ''), 'base64');
  return Buffer.from(text, 'utf8');
}

const names = (hits: YaraHit[]) => hits.map((h) => h.rule);

describe('YARA starter rules', () => {
  let ruleset: YaraRuleset;
  let engine: YaraEngine;

  before(async () => {
    ruleset = await loadYaraRules(yaraDir, { baseDir: root });
    assert.ok(ruleset.engine, JSON.stringify(ruleset.errors));
    engine = ruleset.engine;
  });

  it('all compile without errors or warnings', () => {
    assert.deepEqual(ruleset.errors, []);
    assert.deepEqual(ruleset.warnings, []);
    assert.ok(ruleset.rules.length >= 9, `only ${ruleset.rules.length} rules`);
    assert.equal(engine.ruleCount, ruleset.rules.length);
    assert.deepEqual([...engine.ruleNames].sort(), ruleset.rules.map((r) => r.name).sort());
  });

  it('carry Vigil metadata: author, description, severity, ATT&CK techniques, a category', () => {
    for (const r of ruleset.rules) {
      assert.equal(r.id, `yara:${r.name}`);
      assert.match(r.file, /^rules\/yara\/[a-z0-9_]+\.yar$/);
      assert.ok(r.line >= 1);
      assert.equal(r.author, 'Vigil', r.name);
      assert.ok(r.description && r.description.length > 20, r.name);
      assert.ok(typeof r.meta['severity'] === 'string' && (SEVERITIES as readonly string[]).includes(r.meta['severity']), r.name);
      assert.equal(r.level, r.meta['severity']);
      assert.ok(r.attack.some((t) => /^attack\.t\d{4}(\.\d{3})?$/.test(t)), `${r.name}: ${r.attack.join(',')}`);
      assert.ok(r.references.length >= 1, r.name);
      assert.notEqual(r.category, 'other', r.name);
    }
  });

  it('each fires on its match sample and not on its near-miss sample', () => {
    for (const r of ruleset.rules) {
      const match = readFixture(`${r.name}.match.txt`);
      const nomatch = readFixture(`${r.name}.nomatch.txt`);
      assert.ok(match, `missing test/fixtures/yara/${r.name}.match.txt`);
      assert.ok(nomatch, `missing test/fixtures/yara/${r.name}.nomatch.txt`);
      const [hitsMatch, hitsNomatch] = engine.scan([match, nomatch]);
      assert.ok(names(hitsMatch!).includes(r.name), `${r.name} should fire on its match sample, got ${names(hitsMatch!)}`);
      assert.ok(!names(hitsNomatch!).includes(r.name), `${r.name} fired on its nomatch sample`);
      // alone, too
      assert.ok(names(engine.scan([match])[0]!).includes(r.name));
      assert.ok(!names(engine.scan([nomatch])[0]!).includes(r.name));
    }
  });

  it('hits carry the rule tags and meta with their types', () => {
    const hits = engine.scan([readFixture('vigil_cred_mimikatz_commands.match.txt')!])[0]!;
    const hit = hits.find((h) => h.rule === 'vigil_cred_mimikatz_commands');
    assert.ok(hit);
    assert.deepEqual(hit.tags, ['credential_access', 'mimikatz']);
    assert.equal(hit.meta['author'], 'Vigil');
    assert.equal(hit.meta['severity'], 'critical');
  });

  it('every fixture scanned in one batch gives the same hits as one scan per fixture', async () => {
    const files = fs.readdirSync(fixturesDir).filter((f) => f.endsWith('.txt')).sort();
    const buffers = files.map((f) => readFixture(f)!);
    const perBuffer = (await loadYaraRules(yaraDir, { baseDir: root, engine: { strategy: 'per-buffer' } })).engine!;
    const batch = engine.scan(buffers);
    assert.deepEqual(batch, perBuffer.scan(buffers));
    assert.deepEqual(batch, buffers.map((b) => engine.scan([b])[0]));
    // and interleaved with clean buffers, in several joined chunks
    const mixed = buffers.flatMap((b, i) => [b, Buffer.from(`GET /index.php?page=${i} HTTP/1.1`)]);
    const small = (await loadYaraRules(yaraDir, { baseDir: root, engine: { maxJoinedBytes: 2048, maxJoinedItem: 1024 } })).engine!;
    assert.deepEqual(small.scan(mixed), perBuffer.scan(mixed));
  });
});

/** Rules exercising every scan mode; compared between batch (joined) and per-buffer scanning. */
const MODE_RULES = `
rule any_hello { strings: $a = "hello" condition: $a }
rule any_pair : t1 { meta: sev = "low" flag = true n = 3 strings: $a = "alpha" $b = { 62 65 74 61 } condition: any of them }
rule verify_and { strings: $a = "foo" $b = "bar" condition: $a and $b }
rule verify_two_of { strings: $a = "red" $b = "green" $c = "blue" condition: 2 of them }
rule verify_subset { strings: $a = "cat" $b = "dog" condition: $a or ($a and $b) }
rule span_hex { strings: $a = { 68 65 6C [0-8] 6C 6F 21 } condition: $a }
rule span_regex { strings: $a = /xq.{0,8}qx/s condition: $a }
rule word_full { strings: $a = "word" fullword condition: $a }
rule wide_text { strings: $a = "widestr" wide condition: $a }
rule b64_text { strings: $a = "eval(" base64 condition: $a }
rule pb_filesize { strings: $a = "small" condition: $a and filesize < 20 }
rule pb_at0 { strings: $a = "MAGIC" condition: $a at 0 }
rule pb_mz { condition: uint16(0) == 0x5A4D }
rule pb_count { strings: $a = "tick" condition: #a >= 2 }
rule pb_offset { strings: $a = "late" condition: @a[1] > 10 }
rule pb_not { strings: $a = "foo" $b = "bar" condition: $a and not $b }
rule pb_anchor { strings: $a = /^GET / condition: $a }
rule pb_anchor_end { strings: $a = /end!$/ condition: $a }
rule pb_empty { condition: filesize == 0 }
private rule priv_token { strings: $a = "secret" condition: $a }
rule pb_ref { strings: $a = "hello" condition: priv_token and $a }
`;

const EXPECTED_MODES: Record<string, string> = {
  any_hello: 'any',
  any_pair: 'any',
  verify_and: 'verify',
  verify_two_of: 'verify',
  verify_subset: 'verify',
  span_hex: 'any',
  span_regex: 'any',
  word_full: 'any',
  wide_text: 'any',
  b64_text: 'any',
  pb_filesize: 'per-buffer',
  pb_at0: 'per-buffer',
  pb_mz: 'per-buffer',
  pb_count: 'per-buffer',
  pb_offset: 'per-buffer',
  pb_not: 'per-buffer',
  pb_anchor: 'per-buffer',
  pb_anchor_end: 'per-buffer',
  pb_empty: 'per-buffer',
  pb_ref: 'per-buffer',
};

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeded batches of 1-25 buffers made of the given words. */
function* randomBatches(seed: number, rounds: number, words: string[]): Generator<{ round: number; batch: Buffer[] }> {
  const rand = mulberry32(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  for (let round = 0; round < rounds; round++) {
    const batch: Buffer[] = [];
    const count = 1 + Math.floor(rand() * 25);
    for (let i = 0; i < count; i++) {
      const parts: string[] = [];
      const len = Math.floor(rand() * (rand() < 0.1 ? 30 : 6));
      for (let k = 0; k < len; k++) parts.push(pick(words));
      batch.push(Buffer.from(parts.join(rand() < 0.5 ? '' : ' '), 'latin1'));
    }
    yield { round, batch };
  }
}

/** The real binding, counting the scans of each compiled rule set. */
function countingBinding(): { binding: YaraXBinding; scans: number[] } {
  const loaded = loadYaraXBinding();
  if ('error' in loaded) throw new Error(loaded.error);
  const real = loaded.binding;
  const scans: number[] = [];
  return {
    scans,
    binding: {
      validate: (src, o) => real.validate(src, o),
      compile: (src, o) => {
        const rules = real.compile(src, o);
        const k = scans.push(0) - 1;
        return {
          getWarnings: () => rules.getWarnings(),
          scan: (data) => {
            scans[k]!++;
            return rules.scan(data);
          },
        };
      },
    },
  };
}

describe('YARA engine: batch scanning equals per-buffer scanning', () => {
  const files = [{ file: 'modes.yar', source: MODE_RULES }];
  let auto: YaraEngine;
  let tight: YaraEngine;
  let reference: YaraEngine;
  const scanEach = (buffers: Buffer[]) => buffers.map((b) => reference.scan([b])[0]!);

  before(() => {
    auto = createYaraEngine(files);
    tight = createYaraEngine(files, { maxJoinedBytes: 200, maxJoinedItem: 40 });
    reference = createYaraEngine(files, { strategy: 'per-buffer' });
  });

  it('classifies each rule by what its condition needs', () => {
    assert.equal(auto.ruleCount, Object.keys(EXPECTED_MODES).length, 'private rules are not counted');
    for (const [rule, mode] of Object.entries(EXPECTED_MODES)) assert.equal(auto.scanModeOf(rule), mode, rule);
    assert.equal(auto.scanModeOf('priv_token'), undefined);
    for (const rule of Object.keys(EXPECTED_MODES)) assert.equal(reference.scanModeOf(rule), 'per-buffer');
  });

  it('finds the expected rules in crafted buffers', () => {
    const cases: [string | Buffer, string[]][] = [
      ['hello', ['any_hello']],
      ['xx alpha', ['any_pair']],
      ['beta', ['any_pair']],
      ['foo bar', ['verify_and']],
      ['red and blue', ['verify_two_of']],
      ['dog only', []],
      ['a cat', ['verify_subset']],
      ['hel.lo!', ['span_hex']],
      ['xq\nqx', ['span_regex']],
      ['a word.', ['word_full']],
      ['swordfish', []],
      [Buffer.from('widestr', 'utf16le'), ['wide_text']],
      [Buffer.from('x=1;eval(payload)').toString('base64'), ['b64_text']],
      ['small', ['pb_filesize']],
      ['small but long enough to fail', []],
      ['MAGIC header', ['pb_at0']],
      ['no MAGIC at 0', []],
      [Buffer.from('MZ\x90\x00', 'latin1'), ['pb_mz']],
      ['tick tick', ['pb_count']],
      ['tick', []],
      ['0123456789 late', ['pb_offset']],
      ['late', []],
      ['foo', ['pb_not']],
      ['GET / HTTP/1.1', ['pb_anchor']],
      ['the end!', ['pb_anchor_end']],
      ['', ['pb_empty']],
      ['hello secret', ['any_hello', 'pb_ref']],
    ];
    for (const [input, expected] of cases) {
      const buf = typeof input === 'string' ? Buffer.from(input) : input;
      assert.deepEqual(names(auto.scan([buf])[0]!), expected, JSON.stringify(input));
      assert.deepEqual(names(reference.scan([buf])[0]!), expected, JSON.stringify(input));
    }
  });

  it('maps hits back to the right buffer at buffer boundaries', () => {
    const buffers = [
      'hello', // pattern is the whole first buffer
      'x hello', // at the very end
      'hel', // a pattern split over two buffers must not fire
      'lo!',
      'hel.', // span_hex: only across the boundary
      'lo! not', // ...but this buffer alone holds no span_hex either
      'xq', // span_regex with /s crosses the separator in the joined buffer
      'qx',
      'foo', // verify_and split over two buffers
      'bar',
      'foo bar', // ...and whole in one
      'word', // fullword: the neighbouring bytes are the separator
      'words',
      'red', // 2 of them: one per buffer is not enough
      'green',
      'small', // filesize rule: true on this buffer only, false on the joined buffer
      'MAGIC', // `at 0` rule: the joined buffer has it at a later offset
      'tick', // #a >= 2 with one in each buffer: no
      'tick',
      '', // empty buffer
      'GET /', // anchored regex on a later buffer
      'end!', // end anchor
      'MZ',
      'cat', // verify_subset: $b of the rule in another buffer
      'dog',
      'hello', // last buffer
    ].map((s) => Buffer.from(s));
    const expected = scanEach(buffers);
    assert.deepEqual(auto.scan(buffers), expected);
    assert.deepEqual(tight.scan(buffers), expected);
    assert.deepEqual(reference.scan(buffers), expected);
    // spot checks of the reference itself
    assert.deepEqual(names(expected[2]!), []);
    assert.deepEqual(names(expected[3]!), []);
    assert.deepEqual(names(expected[8]!), ['pb_not']);
    assert.deepEqual(names(expected[9]!), []);
    assert.deepEqual(names(expected[10]!), ['verify_and']);
    assert.deepEqual(names(expected[15]!), ['pb_filesize']);
    assert.deepEqual(names(expected[16]!), ['pb_at0']);
    assert.deepEqual(names(expected[19]!), ['pb_empty']);
    assert.deepEqual(names(expected[20]!), ['pb_anchor']);
    assert.deepEqual(names(expected[22]!), ['pb_mz']);
  });

  it('agrees with per-buffer scanning on random batches', () => {
    const words = ['hello', 'hel', 'lo!', 'alpha', 'beta', 'foo', 'bar', 'red', 'green', 'blue', 'cat', 'dog', 'xq', 'qx',
      'word', 'sword', 'small', 'MAGIC', 'MZ', 'tick', 'late', 'GET ', 'end!', 'secret', ' ', '\n', '.', 'Zm9v', 'ZXZhbCg='];
    for (const { round, batch } of randomBatches(20250115, 150, words)) {
      const expected = scanEach(batch);
      assert.deepEqual(auto.scan(batch), expected, `round ${round}: ${JSON.stringify(batch.map(String))}`);
      assert.deepEqual(tight.scan(batch), expected, `round ${round} (small chunks): ${JSON.stringify(batch.map(String))}`);
    }
  });

  it('returns one empty list per buffer without hits, and nothing for no buffers', () => {
    assert.deepEqual(auto.scan([]), []);
    const clean = Array.from({ length: 50 }, (_, i) => Buffer.from(`10.1.2.3 - - "POST /static/app.${i}.js HTTP/1.1" 200 user-agent: Mozilla/5.0`));
    assert.deepEqual(auto.scan(clean), clean.map(() => []));
  });

  it('a global rule makes every rule scan per buffer, with the same results', () => {
    const src = `global rule only_text { condition: uint8(0) != 0x00 }\nrule g_hello { strings: $a = "hello" condition: $a }\n`;
    const e = createYaraEngine([{ file: 'g.yar', source: src }]);
    assert.equal(e.scanModeOf('g_hello'), 'per-buffer');
    const buffers = [Buffer.from('hello'), Buffer.from('\0hello'), Buffer.from('bye')];
    assert.deepEqual(e.scan(buffers).map(names), [['only_text', 'g_hello'], [], ['only_text']]);
  });

  it('rules over several files keep their file order and references within a file', () => {
    const e = createYaraEngine([
      { file: 'a.yar', source: 'import "math"\nprivate rule a_base { strings: $a = "base" condition: $a }\nrule a_uses { condition: a_base and math.entropy(0, filesize) >= 0 }\n' },
      { file: 'b.yar', source: 'rule b_any { strings: $a = "base" condition: $a }\n' },
    ]);
    assert.deepEqual(e.ruleNames, ['a_uses', 'b_any']);
    assert.equal(e.scanModeOf('a_uses'), 'per-buffer');
    assert.equal(e.scanModeOf('b_any'), 'any');
    assert.deepEqual(e.scan([Buffer.from('base'), Buffer.from('none')]).map(names), [['a_uses', 'b_any'], []]);
  });
});

describe('loadYaraRules', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-yara-'));
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(tmp, rel)), { recursive: true });
    fs.writeFileSync(path.join(tmp, rel), text);
  };

  it('reports a broken file with its file and line, and still loads the good ones', async () => {
    write('good.yar', 'rule good_one {\n  meta:\n    severity = "low"\n  strings:\n    $a = "good"\n  condition:\n    $a\n}\n');
    write('sub/more.yara', 'rule good_two { strings: $a = "two" condition: $a }\n');
    write('broken.yar', '// a comment\nrule broken_one {\n  strings:\n    $a = "unterminated\n  condition:\n    $a\n}\n');
    write('unknown.yar', 'rule fine_first { strings: $a = "x1" condition: $a }\n\nrule bad_ref {\n  condition:\n    $zz\n}\n');
    write('zdup.yar', '\n\nrule good_one { strings: $a = "other" condition: $a }\n');
    write('inc.yar', '\ninclude "other.yar"\nrule inc_rule { condition: true }\n');
    write('notes.txt', 'not a rule');
    write('.hidden.yar', 'garbage');

    const res = await loadYaraRules(tmp, { baseDir: tmp });
    const errors = [...res.errors].sort((a, b) => a.file.localeCompare(b.file));
    assert.deepEqual(
      errors.map((e) => [e.file, e.line]),
      [
        ['broken.yar', 4],
        ['inc.yar', 2],
        ['unknown.yar', 5],
        ['zdup.yar', 3],
      ],
    );
    assert.match(errors[0]!.message, /syntax error/);
    assert.match(errors[1]!.message, /include/);
    assert.match(errors[2]!.message, /unknown pattern `\$zz`/);
    assert.match(errors[3]!.message, /duplicate rule 'good_one': already defined in good\.yar/);
    for (const e of errors) assert.doesNotMatch(e.message, /\n/);

    assert.ok(res.engine);
    assert.deepEqual(res.rules.map((r) => [r.name, r.file, r.line, r.level]), [
      ['good_one', 'good.yar', 1, 'low'],
      ['good_two', 'sub/more.yara', 1, 'high'],
    ]);
    assert.deepEqual(res.engine.scan([Buffer.from('good two other x1')]).map(names), [['good_one', 'good_two']]);
  });

  it('a file that compiles alone but not with the others is reported at its own line, the rest still load', async () => {
    const loaded = loadYaraXBinding();
    if ('error' in loaded) throw new Error(loaded.error);
    const real = loaded.binding;
    // Pretend the compiler rejects the files together because of b.yar's rule (as with a clash the reader missed).
    const binding: YaraXBinding = {
      validate: (src, o) => {
        if (src.includes('POISON') && src.includes('rule good_one')) {
          const line = src.split('\n').findIndex((l) => l.includes('POISON')) + 1;
          return { errors: [{ code: 'E012', message: `error[E012]: duplicate rule \`x\`\n --> line:${line}:6\n  |\n  |      ^ duplicate declaration` }], warnings: [] };
        }
        return real.validate(src, o);
      },
      compile: (src, o) => {
        if (src.includes('POISON') && src.includes('rule good_one')) throw new Error('Compilation error (E012): error[E012]: clash\n --> line:1:1');
        return real.compile(src, o);
      },
    };
    write('a.yar', 'rule good_one { strings: $a = "good" condition: $a }\n');
    write('b.yar', '// one\n// two\n\nrule poison_rule { strings: $a = "POISON" condition: $a }\n');
    write('c.yar', 'rule good_three { strings: $a = "three" condition: $a }\n');
    const res = await loadYaraRules(tmp, { baseDir: tmp, binding });
    assert.deepEqual(res.errors, [{ file: 'b.yar', line: 4, message: 'E012: duplicate rule `x`: duplicate declaration' }]);
    assert.deepEqual(res.rules.map((r) => r.name), ['good_one', 'good_three']);
    assert.deepEqual(res.engine?.scan([Buffer.from('good three POISON')]).map(names), [['good_one', 'good_three']]);
  });

  it('an empty or missing folder gives no engine and no error', async () => {
    const empty = await loadYaraRules(tmp);
    assert.deepEqual(empty, { engine: null, rules: [], errors: [], warnings: [] });
    write('README.md', '# nothing');
    assert.equal((await loadYaraRules(tmp)).engine, null);
    const missing = await loadYaraRules(path.join(tmp, 'nope'));
    assert.equal(missing.engine, null);
    assert.deepEqual(missing.errors, []);
  });

  it('a folder whose only file is broken gives no engine and one error', async () => {
    write('bad.yar', 'rule x { condition: }\n');
    const res = await loadYaraRules(tmp, { baseDir: tmp });
    assert.equal(res.engine, null);
    assert.equal(res.errors.length, 1);
    assert.equal(res.errors[0]!.file, 'bad.yar');
    assert.equal(res.errors[0]!.line, 1);
  });

  it('without a YARA-X binding the rules are reported as not loaded', async () => {
    write('good.yar', 'rule good_one { strings: $a = "good" condition: $a }\n');
    const res = await loadYaraRules(tmp, { baseDir: tmp, binding: null });
    assert.equal(res.engine, null);
    assert.deepEqual(res.rules, []);
    assert.equal(res.errors.length, 1);
    assert.match(res.errors[0]!.message, /binding unavailable/);
  });

  it('reports compiler warnings and meta it does not understand, without rejecting the rule', async () => {
    write('w.yar', 'rule warn_me {\n meta:\n  severity = "urgent"\n condition:\n  true\n}\n');
    const res = await loadYaraRules(tmp, { baseDir: tmp });
    assert.deepEqual(res.errors, []);
    assert.ok(res.engine);
    assert.equal(res.rules[0]!.level, 'high');
    assert.ok(res.warnings.some((w) => w.file === 'w.yar' && w.line === 5 && /invariant/.test(w.message)), JSON.stringify(res.warnings));
    assert.ok(res.warnings.some((w) => w.line === 1 && /severity "urgent" not understood/.test(w.message)));
  });
});

/** Per-buffer rules that all name patterns one of which must occur: scanned only where those occur. */
const PREFILTERED_RULES = `
rule j_hello { strings: $a = "hello" condition: $a }
rule pf_pe { strings: $a = "lsass" $b = "dump" $c = "priv" condition: uint16(0) == 0x5A4D and $a and any of ($b, $c) }
rule pf_small { strings: $a = "tiny" condition: filesize < 12 and $a }
rule pf_at { strings: $a = "HDR" condition: ($a at 0) }
rule pf_count { strings: $a = "tick" $b = "tock" condition: #a >= 2 and all of them }
rule pf_anon { strings: $ = "anon" $b = "named" condition: any of them and filesize < 30 }
rule pf_not { strings: $a = "foo" $b = "bar" condition: $a and not $b }
rule pf_range { strings: $a = "late" condition: $a in (5..filesize) }
`;

describe('YARA engine: prefiltered per-buffer rules', () => {
  const files = [{ file: 'pf.yar', source: PREFILTERED_RULES }];

  it('scans per-buffer rules only on buffers holding one of their patterns, with the same results', () => {
    const counting = countingBinding();
    const e = createYaraEngine(files, { binding: counting.binding });
    const reference = createYaraEngine(files, { strategy: 'per-buffer' });
    for (const r of ['pf_pe', 'pf_small', 'pf_at', 'pf_count', 'pf_anon', 'pf_not', 'pf_range']) assert.equal(e.scanModeOf(r), 'per-buffer', r);
    assert.equal(counting.scans.length, 2, 'a joined set and a per-buffer set');

    const clean = Array.from({ length: 40 }, (_, i) => Buffer.from(`event ${i}: nothing of interest here`));
    assert.deepEqual(e.scan(clean), clean.map(() => []));
    assert.deepEqual(counting.scans, [1, 0], 'one joined scan, no per-buffer scan');

    const buffers = ['MZ lsass dump', 'lsass dump', 'tiny', 'tiny but too long', 'HDR x', 'x HDR', 'tick tock tick', 'tick tock',
      'anon', 'named', 'foo', 'foo bar', 'late', '0123456 late', 'hello', '', 'clean'].map((b) => Buffer.from(b));
    const expected = buffers.map((b) => reference.scan([b])[0]!);
    counting.scans.fill(0);
    assert.deepEqual(e.scan(buffers), expected);
    assert.deepEqual(expected.map(names), [['pf_pe'], [], ['pf_small'], [], ['pf_at'], [], ['pf_count'], [], ['pf_anon'], ['pf_anon'],
      ['pf_not'], [], [], ['pf_range'], ['j_hello'], [], []]);
    assert.equal(counting.scans[0], 1);
    assert.equal(counting.scans[1], buffers.length - 3, 'every buffer but the empty one, "hello" and "clean"');

    const words = ['MZ', 'lsass', 'dump', 'priv', 'tiny', 'HDR', 'tick', 'tock', 'anon', 'named', 'foo', 'bar', 'late', 'hello', ' ', '\0', 'x'];
    const tight = createYaraEngine(files, { maxJoinedBytes: 120, maxJoinedItem: 30 });
    for (const { round, batch } of randomBatches(77, 150, words)) {
      const want = batch.map((b) => reference.scan([b])[0]!);
      assert.deepEqual(e.scan(batch), want, `round ${round}: ${JSON.stringify(batch.map(String))}`);
      assert.deepEqual(tight.scan(batch), want, `round ${round} (small chunks): ${JSON.stringify(batch.map(String))}`);
    }
  });

  it('scans every buffer when one per-buffer rule names no pattern it needs', () => {
    const counting = countingBinding();
    const e = createYaraEngine([{ file: 'x.yar', source: `${PREFILTERED_RULES}\nrule needs_all { condition: uint16(0) == 0x5A4D }\n` }], {
      binding: counting.binding,
    });
    const clean = Array.from({ length: 10 }, (_, i) => Buffer.from(`clean ${i}`));
    assert.deepEqual(e.scan([...clean, Buffer.from('MZ')]).map(names), [...clean.map(() => []), ['needs_all']]);
    assert.deepEqual(counting.scans, [1, 11]);
  });

  it('the starter rules need one binding call for a batch without matches', async () => {
    const counting = countingBinding();
    const files = fs.readdirSync(yaraDir).filter((f) => f.endsWith('.yar')).map((f) => ({ file: f, source: fs.readFileSync(path.join(yaraDir, f), 'utf8') }));
    const e = createYaraEngine(files, { binding: counting.binding });
    const clean = Array.from({ length: 200 }, (_, i) => Buffer.from(`"C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule" GET /index.php?id=${i} HTTP/1.1`));
    assert.deepEqual(e.scan(clean), clean.map(() => []));
    assert.equal(counting.scans.reduce((a, b) => a + b, 0), 1);
  });
});
