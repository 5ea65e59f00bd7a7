import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { createEventNormalizer } from '../../core/detection/mappings/index.js';
import type { CompiledRule, MatchableEvent } from '../../core/detection/rule.js';
import { loadRuleset, RuleEngine } from '../../core/detection/ruleset.js';
import { AhoCorasick } from '../../core/detection/sigma/aho-corasick.js';
import { requiredLiterals } from '../../core/detection/sigma/compile.js';
import { compileRuleSource } from '../../core/detection/sigma/index.js';
import { LiteralPrefilter } from '../../core/detection/sigma/prefilter.js';
import { parseConcatenatedJson, readRegressionTests } from '../../scripts/sigma-conformance.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sigmaRoot = path.resolve(root, '..', 'shared', 'sigma');
const SIGMA_DIRS = ['rules', 'rules-emerging-threats', 'rules-threat-hunting'];
const haveSigma = SIGMA_DIRS.every((d) => fs.existsSync(path.join(sigmaRoot, d)));
/** Tests that read the SigmaHQ rule set say so in their title when it is absent (and skip). */
const withSigma = (title: string) => (haveSigma ? title : `${title} (skipped: ../shared/sigma not present)`);

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function rule(detection: string, logsource = 'product: test'): CompiledRule {
  const body = detection
    .trim()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
  const res = compileRuleSource(`title: T\nid: r-${Math.random()}\nlogsource:\n    ${logsource}\ndetection:\n${body}\n`, 't.yml');
  assert.deepEqual(res.errors, []);
  return res.rules[0]!.rule;
}

const lits = (r: CompiledRule) => requiredLiterals(r)?.map((l) => (l.field === null ? l.lit : `${l.field}:${l.lit}`)) ?? null;

const ids = (rs: readonly CompiledRule[]) => rs.map((r) => r.id);

/** Asserts that both engines give the same answers for every event; returns the number of hits. */
function assertSame(withPf: RuleEngine, without: RuleEngine, events: readonly MatchableEvent[]): number {
  let hits = 0;
  for (const e of events) {
    const a = ids(withPf.match(e));
    const b = ids(without.match(e));
    assert.deepEqual(a, b, `prefilter changed the result for ${JSON.stringify(e).slice(0, 400)}`);
    hits += a.length;
  }
  return hits;
}

describe('sigma prefilter: Aho-Corasick', () => {
  it('finds every pattern occurring in the text, once', () => {
    const ac = new AhoCorasick(['he', 'she', 'his', 'hers', 'x']);
    assert.deepEqual(ac.findAll('ushers'), [0, 1, 3]);
    assert.deepEqual(ac.findAll('hishe hishe'), [0, 1, 2]);
    assert.deepEqual(ac.findAll('nothing here'), [0]);
    assert.deepEqual(ac.findAll('HERS'), []);
    assert.deepEqual(ac.findAll(''), []);
  });

  it('agrees with naive search on random texts and patterns (ASCII and single non-ASCII code units)', () => {
    const r = rng(7);
    const alphabet = 'abc\\.-_ ';
    const wides = ['é', '\u0410', '\udd86'];
    for (let round = 0; round < 200; round++) {
      const pats = new Set<string>();
      const n = 1 + Math.floor(r() * 12);
      while (pats.size < n) {
        if (r() < 0.1) pats.add(wides[Math.floor(r() * wides.length)]!);
        else {
          let p = '';
          const len = 1 + Math.floor(r() * 5);
          for (let i = 0; i < len; i++) p += alphabet[Math.floor(r() * alphabet.length)];
          pats.add(p);
        }
      }
      const list = [...pats];
      const ac = new AhoCorasick(list);
      for (let k = 0; k < 5; k++) {
        let text = '';
        const len = Math.floor(r() * 60);
        for (let i = 0; i < len; i++) text += r() < 0.05 ? wides[Math.floor(r() * wides.length)]! : alphabet[Math.floor(r() * alphabet.length)];
        const want = list.map((p, i) => (text.includes(p) ? i : -1)).filter((i) => i >= 0);
        assert.deepEqual(ac.findAll(text), want, `patterns ${JSON.stringify(list)} in ${JSON.stringify(text)}`);
      }
    }
  });

  it('rejects patterns it cannot hold', () => {
    assert.throws(() => new AhoCorasick(['']), /empty/);
    assert.throws(() => new AhoCorasick(['aé']), /ASCII/);
    assert.throws(() => new AhoCorasick(['a', 'a']), /duplicate/);
  });
});

describe('sigma prefilter: required literals', () => {
  it('takes one literal per value of the field, lowercased, tied to the field', () => {
    assert.deepEqual(lits(rule("sel:\n    Image|endswith:\n        - '\\CMD.exe'\n        - '\\pwsh.exe'\ncondition: sel")), [
      'Image:\\cmd.exe',
      'Image:\\pwsh.exe',
    ]);
  });

  it('an AND keeps the strongest part; an OR needs every part', () => {
    assert.deepEqual(lits(rule("sel:\n    EventID: 1\n    CommandLine|contains: ' -encodedcommand '\ncondition: sel")), [
      'CommandLine: -encodedcommand ',
    ]);
    assert.deepEqual(lits(rule("a:\n    f: 'alpha'\nb:\n    g: 'beta'\ncondition: a or b")), ['f:alpha', 'g:beta']);
    assert.deepEqual(lits(rule("a:\n    f: 'alpha'\nb:\n    g|re: 'be.a'\ncondition: a or b")), null);
    assert.deepEqual(lits(rule("a:\n    f: 'alpha'\nb:\n    g|re: 'be.a'\ncondition: a and b")), ['f:alpha']);
  });

  it('gives nothing where a match guarantees no text: not, null, numbers, regex, cidr, comparisons, exists, fieldref', () => {
    for (const det of [
      "a:\n    f: 'x'\ncondition: not a",
      'a:\n    f: null\ncondition: a',
      'a:\n    EventID: 4688\ncondition: a',
      "a:\n    f|re: 'abc'\ncondition: a",
      "a:\n    ip|cidr: '10.0.0.0/8'\ncondition: a",
      'a:\n    n|gt: 5\ncondition: a',
      'a:\n    f|exists: true\ncondition: a',
      'a:\n    f|fieldref: g\ncondition: a',
      "a:\n    f|neq: 'abc'\ncondition: a",
      "a:\n    f: '*'\ncondition: a",
      "a:\n    f: ''\ncondition: a",
    ]) {
      assert.equal(lits(rule(det)), null, det);
    }
  });

  it('keywords may be in any field; dotted fields count as any field', () => {
    assert.deepEqual(lits(rule("keywords:\n    - 'Failed password'\ncondition: keywords")), ['failed password']);
    assert.deepEqual(lits(rule("a:\n    process.name: 'sshd'\ncondition: a")), ['sshd']);
  });

  it('uses ASCII runs of wildcard patterns, and a non-ASCII code unit for plain case-insensitive ones', () => {
    assert.deepEqual(lits(rule("a:\n    f: 'ab*cdef?g'\ncondition: a")), ['f:cdef']);
    assert.deepEqual(lits(rule("a:\n    f|contains: 'ΑΣ'\ncondition: a")), ['f:α']);
    // Cased non-ASCII text: lowercasing both sides is not safe for it, so no literal.
    assert.deepEqual(lits(rule("a:\n    f|contains|cased: 'ΑΣ'\ncondition: a")), null);
    assert.deepEqual(lits(rule("a:\n    f|contains|cased: 'Mimi'\ncondition: a")), ['f:mimi']);
  });

  it('windash, base64offset and utf16 variants each give a literal', () => {
    const w = lits(rule("a:\n    CommandLine|windash|contains: ' -enc '\ncondition: a"))!;
    assert.ok(w.includes('CommandLine: -enc ') && w.includes('CommandLine: /enc '), w.join(','));
    assert.equal(lits(rule("a:\n    CommandLine|base64offset|contains: 'http'\ncondition: a"))!.length, 3);
    assert.deepEqual(lits(rule("a:\n    f|wide|base64: 'ab'\ncondition: a")), ['f:yqbiaa==']);
  });
});

describe('sigma prefilter: never changes results', () => {
  it('the prefilter selection is a superset of the matching rules (edge cases)', () => {
    const rules = [
      rule("a:\n    f|contains: 'ΑΣ'\ncondition: a"),
      rule("a:\n    f|contains: 'KELVIN'\ncondition: a"),
      rule("a:\n    f: 'a*b*c'\ncondition: a"),
      rule("keywords:\n    - 'needle'\ncondition: keywords"),
      rule("a:\n    deep.er.field: 'x1'\ncondition: a"),
      rule("a:\n    f|contains|cased: 'Mimi'\ncondition: a"),
      rule("a:\n    n: 'true'\ncondition: a"),
      rule("a:\n    list|contains|all:\n        - 'one'\n        - 'two'\ncondition: a"),
      ...Array.from({ length: 30 }, (_, i) => rule(`a:\n    f|endswith: '\\\\tool${i}.exe'\ncondition: a`)),
    ];
    const a = new RuleEngine(rules);
    const b = new RuleEngine(rules, { prefilter: false });
    const ev = (fields: Record<string, unknown>): MatchableEvent => ({ logsource: { product: 'test' }, fields });
    const hits = assertSame(a, b, [
      ev({ f: 'xxΑΣyy' }),
      ev({ f: 'xxασyy' }),
      ev({ f: 'xxΑΣ' }),
      ev({ f: 'a kelvin b' }),
      ev({ f: 'a \u212aELVIN b' }),
      ev({ f: 'AxxBxxC' }),
      ev({ other: ['nested', { needle: 'a NEEDLE here' }] }),
      ev({ deep: { er: { field: 'X1' } } }),
      ev({ 'deep.er.field': 'x1' }),
      ev({ f: 'Mimikatz' }),
      ev({ f: 'mimikatz' }),
      ev({ n: true }),
      ev({ list: ['one', 'and two'] }),
      ev({ f: 'C:\\x\\TOOL7.EXE' }),
      ev({ f: 12 }),
      ev({}),
    ]);
    assert.ok(hits >= 10, `only ${hits} hits`);
  });

  it('starter rules with their fixtures and generated events: same matches with and without the prefilter', async () => {
    const rs = await loadRuleset(path.join(root, 'rules'), { baseDir: root });
    // Enough candidates per logsource for the prefilter to be used.
    const copies: CompiledRule[] = [];
    for (let k = 0; k < 4; k++) for (const r of rs.rules) copies.push({ ...r, id: `${r.id}#${k}` });
    const rules = [...rs.rules, ...copies];
    const a = new RuleEngine(rules);
    const b = new RuleEngine(rules, { prefilter: false });
    const fixturesDir = path.join(root, 'test/fixtures/rules');
    const events: MatchableEvent[] = fs
      .readdirSync(fixturesDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(fs.readFileSync(path.join(fixturesDir, f), 'utf8')) as MatchableEvent);
    // Mutations of the fixtures: values swapped between events of one logsource, case changed, fields dropped.
    const r = rng(11);
    const base = events.slice();
    for (let i = 0; i < 3000; i++) {
      const e = base[Math.floor(r() * base.length)]!;
      const donor = base[Math.floor(r() * base.length)]!;
      const fields: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(e.fields)) {
        const x = r();
        if (x < 0.1) continue;
        if (x < 0.3 && typeof v === 'string') fields[k] = r() < 0.5 ? v.toUpperCase() : v.slice(0, Math.floor(r() * v.length));
        else if (x < 0.4) fields[k] = Object.values(donor.fields)[0];
        else fields[k] = v;
      }
      events.push({ logsource: e.logsource, fields });
    }
    const hits = assertSame(a, b, events);
    assert.ok(hits > 100, `only ${hits} hits`);
  });

  it(withSigma('all SigmaHQ rules × regression events and events built from the rules: same matches'), async function () {
    if (!haveSigma) this.skip();
    this.timeout(120_000);
    const rules: CompiledRule[] = [];
    for (const d of SIGMA_DIRS) rules.push(...(await loadRuleset(path.join(sigmaRoot, d), { baseDir: sigmaRoot })).rules);
    const a = new RuleEngine(rules);
    const b = new RuleEngine(rules, { prefilter: false });

    const events: MatchableEvent[] = [];
    const normalizer = createEventNormalizer(path.join(root, 'rules', 'mappings'));
    for (const t of readRegressionTests(path.join(sigmaRoot, 'regression')).tests) {
      for (const rec of parseConcatenatedJson(fs.readFileSync(t.eventsFile, 'utf8'))) {
        events.push(normalizer.normalize({ logsource: {}, fields: rec as Record<string, unknown> }));
      }
    }
    const regressionHits = assertSame(a, b, events);
    assert.ok(regressionHits >= 202, `only ${regressionHits} hits on regression events`);

    // One event per selection map of every rule, built from its first values, so that many rules fire.
    const built: MatchableEvent[] = [];
    const unsupported = new Set(['re', 'cidr', 'base64', 'base64offset', 'wide', 'utf16le', 'utf16be', 'utf16', 'fieldref', 'exists', 'gt', 'gte', 'lt', 'lte', 'expand', 'windash']);
    const text = (v: unknown, mods: string[]): unknown => {
      if (typeof v !== 'string') return v;
      const s = v.replace(/\\([*?\\])/g, '$1').replace(/[*?]/g, 'X');
      if (mods.includes('contains')) return `Pre ${s} post`;
      if (mods.includes('endswith')) return `C:\\Pre${s}`;
      if (mods.includes('startswith')) return `${s}Post`;
      return s;
    };
    for (const r of rules) {
      const doc = parseYaml(fs.readFileSync(path.join(sigmaRoot, r.file), 'utf8')) as { detection: Record<string, unknown> };
      for (const [name, sel] of Object.entries(doc.detection)) {
        if (name === 'condition') continue;
        const maps = (Array.isArray(sel) ? sel : [sel]).filter((m): m is Record<string, unknown> => m !== null && typeof m === 'object' && !Array.isArray(m));
        for (const m of maps) {
          const fields: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(m)) {
            const [f, ...mods] = k.split('|');
            if (!f || mods.some((x) => unsupported.has(x))) continue;
            const vs = Array.isArray(v) ? v : [v];
            fields[f] = mods.includes('all') ? vs.map((x) => text(x, mods)).join(' ') : text(vs[0], mods);
          }
          built.push({ logsource: r.logsource, fields });
        }
      }
    }
    const builtHits = assertSame(a, b, built);
    assert.ok(builtHits > 2000, `only ${builtHits} hits on built events`);
  });
});

describe('sigma prefilter: LiteralPrefilter', () => {
  it('selects rules by field, keeps rules without literals, and falls back to all for odd input', () => {
    const pf = new LiteralPrefilter([
      [{ lit: 'abc', field: 'f' }],
      null,
      [{ lit: 'abc', field: null }],
      [{ lit: 'zzz', field: 'g' }],
    ]);
    assert.deepEqual(pf.select({ f: 'xABCx' }), [0, 1, 2]);
    assert.deepEqual(pf.select({ g: 'xABCx' }), [1, 2]);
    assert.deepEqual(pf.select({ g: ['zzz'] }), [1, 3]);
    assert.deepEqual(pf.select({ h: 'nothing' }), [1]);
    assert.equal(pf.select(null), null);
    let deep: Record<string, unknown> = { v: 'abc' };
    for (let i = 0; i < 100; i++) deep = { d: deep };
    assert.equal(pf.select(deep), null);
  });
});
