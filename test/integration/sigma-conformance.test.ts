import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConcatenatedJson, reasonKey, runConformance, type ConformanceReport } from '../../scripts/sigma-conformance.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sigmaRoot = path.resolve(root, '..', 'shared', 'sigma');
const SIGMA_DIRS = ['rules', 'rules-emerging-threats', 'rules-threat-hunting'];
const haveSigma = SIGMA_DIRS.every((d) => fs.existsSync(path.join(sigmaRoot, d))) && fs.existsSync(path.join(sigmaRoot, 'regression'));
/** tsx by absolute URL: the command runs in a temporary folder. */
const TSX = import.meta.resolve('tsx');
const withSigma = (title: string) => (haveSigma ? title : `${title} (skipped: ../shared/sigma not present)`);

describe('Sigma conformance on the SigmaHQ rule set', function () {
  this.timeout(120_000);
  let report: ConformanceReport;
  let ms: number;

  before(async function () {
    if (!haveSigma) return;
    const t0 = performance.now();
    report = await runConformance({
      rules: SIGMA_DIRS.map((d) => path.join(sigmaRoot, d)),
      regression: path.join(sigmaRoot, 'regression'),
      baseDir: sigmaRoot,
    });
    ms = performance.now() - t0;
  });

  it(withSigma('compiles at least 99.5% of the ~3,754 rules'), function () {
    if (!haveSigma) this.skip();
    assert.ok(report.total >= 3700, `only ${report.total} rules found`);
    assert.equal(report.total, report.compiled + report.rejected);
    const ratio = report.compiled / report.total;
    assert.ok(ratio >= 0.995, `compiled ${report.compiled}/${report.total} (${(ratio * 100).toFixed(2)}%)`);
  });

  it(withSigma('gives every rejection a precise reason with its file and line'), function () {
    if (!haveSigma) this.skip();
    for (const e of report.errors) {
      assert.ok(e.line !== null && e.line > 0, `${e.file}: no line for "${e.message}"`);
      assert.doesNotMatch(e.message, /^(internal error|YAML error)/, `${e.file}: ${e.message}`);
      // Precise: it names the offending key or value.
      assert.match(e.message, /'[^']+'/, `${e.file}: ${e.message}`);
    }
    assert.equal(
      report.rejections.reduce((n, g) => n + g.count, 0),
      report.rejected,
    );
  });

  it(withSigma('passes all 202 active SigmaHQ regression tests, with no record firing a rule of another logsource'), function () {
    if (!haveSigma) this.skip();
    const reg = report.regression!;
    assert.deepEqual(reg.failures, []);
    assert.deepEqual(reg.crossLogsource, []);
    assert.equal(reg.total, 202);
    assert.equal(reg.passed, 202);
  });

  it(withSigma('takes well under a minute'), function () {
    if (!haveSigma) this.skip();
    assert.ok(ms < 45_000, `${Math.round(ms)} ms`);
  });
});

describe('sigma:conformance command', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-conformance-'));
    const rule = (id: string, body: string) =>
      `title: Rule ${id}\nid: ${id}\nlogsource:\n    product: windows\n    category: process_creation\ndetection:\n${body}\n`;
    fs.mkdirSync(path.join(dir, 'rules', 'a'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'rules', 'a', 'good.yml'), rule('11111111-1111-4111-8111-111111111111', "    sel:\n        Image|endswith: '\\whoami.exe'\n    condition: sel"));
    fs.writeFileSync(path.join(dir, 'rules', 'a', 'bad1.yml'), rule('22222222-2222-4222-8222-222222222222', "    sel:\n        Image|nope: 'x'\n    condition: sel"));
    fs.writeFileSync(path.join(dir, 'rules', 'a', 'bad2.yml'), rule('33333333-3333-4333-8333-333333333333', "    sel:\n        Image|whatever: 'x'\n    condition: sel"));
    // A regression folder in the SigmaHQ layout: info.yml + the records as (concatenated) evtx JSON.
    const t = path.join(dir, 'regression', 'rules', 'windows', 'good');
    fs.mkdirSync(t, { recursive: true });
    fs.writeFileSync(
      path.join(t, 'info.yml'),
      'id: x\nrule_metadata:\n    - id: 11111111-1111-4111-8111-111111111111\n      title: Rule\nregression_tests_info:\n    - name: Positive Detection Test\n      type: evtx\n      match_count: 2\n      path: regression_data/rules/windows/good/11111111-1111-4111-8111-111111111111.evtx\n',
    );
    const rec = (image: string) =>
      JSON.stringify(
        { Event: { System: { EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: 'pc' }, EventData: { Image: image } } },
        null,
        2,
      );
    fs.writeFileSync(path.join(t, '11111111-1111-4111-8111-111111111111.json'), `${rec('C:\\x\\whoami.exe')}\n${rec('C:\\y\\WHOAMI.EXE')}\n${rec('C:\\z\\cmd.exe')}\n`);
    const off = path.join(dir, 'regression', 'rules', 'windows', 'off');
    fs.mkdirSync(off, { recursive: true });
    fs.writeFileSync(path.join(off, 'info.yml'), 'id: y\nrule_metadata:\n    - id: 22222222-2222-4222-8222-222222222222\n# regression_tests_info:\n');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints the counts, rejections by reason and the regression result; with --json the last line is the summary', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', TSX, path.join(root, 'scripts', 'sigma-conformance.ts'), '--rules', path.join(dir, 'rules'), '--regression', path.join(dir, 'regression'), '--json'],
      { cwd: dir, encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.deepEqual(JSON.parse(lines[lines.length - 1]!), { total: 3, compiled: 1, rejected: 2, regression: { passed: 1, total: 1 } });
    assert.match(r.stdout, /3 total, 1 compiled/);
    assert.match(r.stdout, /2 {2}unknown value modifier '…' in '…'/);
    assert.match(r.stdout, /rules\/a\/bad1\.yml:8: unknown value modifier 'nope'/);
    assert.match(r.stdout, /Regression: 1\/1 tests passed \(3 records\)/);
    assert.match(r.stdout, /no regression_tests_info/);
  });

  it('fails (exit 1) when a regression test fails, and rejects bad arguments (exit 2)', () => {
    const info = path.join(dir, 'regression', 'rules', 'windows', 'good', 'info.yml');
    const saved = fs.readFileSync(info, 'utf8');
    fs.writeFileSync(info, saved.replace('match_count: 2', 'match_count: 3'));
    try {
      const r = spawnSync(
        process.execPath,
        ['--import', TSX, path.join(root, 'scripts', 'sigma-conformance.ts'), '--rules', path.join(dir, 'rules'), '--regression', path.join(dir, 'regression')],
        { cwd: dir, encoding: 'utf8', timeout: 60_000 },
      );
      assert.equal(r.status, 1);
      assert.match(r.stdout, /matched 2 of 3 record\(s\), expected at least 3/);
    } finally {
      fs.writeFileSync(info, saved);
    }
    const bad = spawnSync(process.execPath, ['--import', TSX, path.join(root, 'scripts', 'sigma-conformance.ts'), '--nope'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown argument '--nope'/);
  });

  it('helpers: concatenated JSON records, reason grouping', () => {
    assert.deepEqual(parseConcatenatedJson('{"a":1}\n{"b":"}{"}\n  [1,2]'), [{ a: 1 }, { b: '}{' }, [1, 2]]);
    assert.deepEqual(parseConcatenatedJson('{"a":"\\"}"}'), [{ a: '"}' }]);
    assert.equal(reasonKey("placeholder '%x%' in 'A|expand' has 3 values"), "placeholder '…' in '…' has N values");
  });
});
