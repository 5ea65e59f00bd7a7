/**
 * `npm run sigma:conformance -- --rules <dir> [--rules <dir2> ...] [--regression <dir>] [--mappings <dir>] [--json]`
 *
 * Compiles every Sigma rule under the given folders and prints how many there are, how many compiled, and the
 * rejections grouped by reason (with a few example files each). With `--regression` (a SigmaHQ `regression_data`
 * folder: one folder per rule with an `info.yml` and the records of its `.evtx` rendered as JSON), every test's
 * records go through the field mappings (`rules/mappings`, or `--mappings`) and the engine with all rules loaded:
 * a test passes when its rule fires on at least the expected number of records and no record fires a rule of
 * another logsource (those are listed separately). With `--json` the last line printed is
 * `{ "total", "compiled", "rejected", "regression": { "passed", "total" } }`.
 *
 * Exit code: 0, or 1 when a regression test fails, 2 on bad arguments.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { Logsource } from '../core/domain/event.js';
import { createEventNormalizer, type EventNormalizer } from '../core/detection/mappings/index.js';
import type { CompiledRule, RuleLoadError } from '../core/detection/rule.js';
import { loadRuleset, RuleEngine } from '../core/detection/ruleset.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface RejectionGroup {
  /** The reason with the rule-specific parts (quoted names, values) elided. */
  reason: string;
  count: number;
  /** A few `file:line: message` examples. */
  examples: string[];
}

export interface RegressionFailure {
  ruleId: string;
  rule: string;
  test: string;
  expected: number;
  matched: number;
  reason: string;
}

export interface CrossLogsourceHit {
  ruleId: string;
  test: string;
  event: number;
  expectedLogsource: Logsource;
  firedRuleId: string;
  firedRule: string;
  firedLogsource: Logsource;
}

export interface RegressionReport {
  passed: number;
  total: number;
  failures: RegressionFailure[];
  crossLogsource: CrossLogsourceHit[];
  /** Tests present but not run (commented out in info.yml, or of a type other than evtx). */
  inactive: { folder: string; reason: string }[];
  events: number;
}

export interface ConformanceReport {
  total: number;
  compiled: number;
  rejected: number;
  rejections: RejectionGroup[];
  errors: RuleLoadError[];
  regression?: RegressionReport;
  timings: { compileMs: number; regressionMs?: number };
}

export interface ConformanceOptions {
  rules: string[];
  regression?: string;
  /** Field mapping documents (default: the repository's rules/mappings). */
  mappings?: string;
  /** Paths in the report are relative to this directory (default: the working directory). */
  baseDir?: string;
}

/** A message with its rule-specific parts (quoted text, numbers after "line") elided, for grouping. */
export function reasonKey(message: string): string {
  return message
    .replace(/'(?:[^'\\]|\\.)*'/g, "'…'")
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/\b\d+\b/g, 'N');
}

function groupRejections(errors: readonly RuleLoadError[]): RejectionGroup[] {
  const groups = new Map<string, RejectionGroup>();
  for (const e of errors) {
    const key = reasonKey(e.message);
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { reason: key, count: 0, examples: [] }));
    g.count++;
    if (g.examples.length < 3) g.examples.push(`${e.file}${e.line !== null ? `:${e.line}` : ''}: ${e.message}`);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1));
}

/** Splits text holding one JSON value or several concatenated ones (not an array) into the values. */
export function parseConcatenatedJson(text: string): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i]!)) i++;
    if (i >= n) break;
    const start = i;
    const open = text[i];
    if (open !== '{' && open !== '[') {
      // A bare scalar: the rest of the text.
      out.push(JSON.parse(text.slice(start)));
      break;
    }
    let depth = 0;
    let inString = false;
    for (; i < n; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      }
    }
    if (depth !== 0) throw new Error('unterminated JSON value');
    out.push(JSON.parse(text.slice(start, i)));
  }
  return out;
}

interface RegressionTest {
  folder: string;
  ruleId: string;
  ruleTitle: string;
  name: string;
  eventsFile: string;
  expected: number;
}

function findFiles(dir: string, name: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    const entries = fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name === name) out.push(full);
    }
  };
  walk(dir);
  return out;
}

/**
 * The tests of a SigmaHQ regression folder: each `info.yml` names its rule (`rule_metadata[0].id`) and lists its
 * tests (`regression_tests_info`: `type`, `match_count` — a minimum, null meaning 1 — and the `.evtx` path, whose
 * JSON rendering sits beside `info.yml` under the same name).
 */
export function readRegressionTests(regressionDir: string): { tests: RegressionTest[]; inactive: { folder: string; reason: string }[] } {
  const tests: RegressionTest[] = [];
  const inactive: { folder: string; reason: string }[] = [];
  for (const info of findFiles(regressionDir, 'info.yml')) {
    const folder = path.relative(regressionDir, path.dirname(info)).split(path.sep).join('/');
    const doc = parseYaml(fs.readFileSync(info, 'utf8')) as Record<string, unknown> | null;
    const meta = Array.isArray(doc?.rule_metadata) ? (doc!.rule_metadata[0] as Record<string, unknown> | undefined) : undefined;
    const ruleId = typeof meta?.id === 'string' ? meta.id : null;
    if (ruleId === null) {
      inactive.push({ folder, reason: 'info.yml names no rule (rule_metadata[0].id)' });
      continue;
    }
    const list = doc?.regression_tests_info;
    if (!Array.isArray(list) || list.length === 0) {
      inactive.push({ folder, reason: 'no regression_tests_info (commented out or absent)' });
      continue;
    }
    for (const t of list as Record<string, unknown>[]) {
      const name = typeof t.name === 'string' ? t.name : 'test';
      if (t.type !== 'evtx') {
        inactive.push({ folder, reason: `test '${name}' has type '${String(t.type)}' (only evtx records are run)` });
        continue;
      }
      const evtx = typeof t.path === 'string' ? path.basename(t.path) : `${ruleId}.evtx`;
      const eventsFile = path.join(path.dirname(info), evtx.replace(/\.evtx$/i, '.json'));
      const mc = t.match_count;
      tests.push({
        folder,
        ruleId,
        ruleTitle: typeof meta?.title === 'string' ? meta.title : ruleId,
        name,
        eventsFile,
        expected: typeof mc === 'number' && mc > 0 ? mc : 1,
      });
    }
  }
  return { tests, inactive };
}

function lsValue(ls: Logsource, k: keyof Logsource): string | undefined {
  return ls[k]?.toLowerCase();
}

/**
 * Whether a rule that fired on a record of a test is "of another logsource": it sets a logsource key to a value
 * other than the tested rule's. A differing category is accepted when the record belongs to both categories
 * (the mappings gave it both, e.g. registry_set and registry_event).
 */
function otherLogsource(fired: Logsource, expected: Logsource, eventLogsources: readonly Logsource[]): boolean {
  for (const k of ['product', 'category', 'service'] as const) {
    const f = lsValue(fired, k);
    const e = lsValue(expected, k);
    if (f === undefined || e === undefined || f === e) continue;
    const values = new Set(eventLogsources.map((l) => lsValue(l, k)));
    if (values.has(f) && values.has(e)) continue;
    return true;
  }
  return false;
}

export function runRegression(
  regressionDir: string,
  rules: readonly CompiledRule[],
  normalizer: EventNormalizer,
  rel: (p: string) => string,
): RegressionReport {
  const engine = new RuleEngine([...rules]);
  const byId = new Map(rules.map((r) => [r.id, r]));
  const { tests, inactive } = readRegressionTests(regressionDir);
  const report: RegressionReport = { passed: 0, total: tests.length, failures: [], crossLogsource: [], inactive, events: 0 };
  for (const t of tests) {
    const rule = byId.get(t.ruleId);
    const fail = (matched: number, reason: string) =>
      report.failures.push({ ruleId: t.ruleId, rule: rule?.file ?? t.ruleTitle, test: t.folder, expected: t.expected, matched, reason });
    if (rule === undefined) {
      fail(0, 'the rule is not loaded (not found in the rule folders, or rejected)');
      continue;
    }
    let records: unknown[];
    try {
      records = parseConcatenatedJson(fs.readFileSync(t.eventsFile, 'utf8'));
    } catch (err) {
      fail(0, `cannot read ${rel(t.eventsFile)}: ${(err as Error).message}`);
      continue;
    }
    let matched = 0;
    let cross = 0;
    records.forEach((record, index) => {
      report.events++;
      const event = normalizer.normalize({ logsource: {}, fields: record as Record<string, unknown> });
      const eventLogsources = [event.logsource, ...(event.alsoLogsources ?? [])];
      for (const hit of engine.match(event)) {
        if (hit.id === rule.id) {
          matched++;
          continue;
        }
        if (otherLogsource(hit.logsource, rule.logsource, eventLogsources)) {
          cross++;
          report.crossLogsource.push({
            ruleId: rule.id,
            test: t.folder,
            event: index,
            expectedLogsource: rule.logsource,
            firedRuleId: hit.id,
            firedRule: hit.file,
            firedLogsource: hit.logsource,
          });
        }
      }
    });
    if (matched < t.expected) {
      fail(matched, `matched ${matched} of ${records.length} record(s), expected at least ${t.expected}`);
    } else if (cross > 0) {
      fail(matched, `${cross} record(s) fired rules of another logsource`);
    } else {
      report.passed++;
    }
  }
  return report;
}

/** Compiles the rule folders and, with `regression`, runs the regression tests. */
export async function runConformance(opts: ConformanceOptions): Promise<ConformanceReport> {
  const baseDir = path.resolve(opts.baseDir ?? process.cwd());
  const rel = (p: string) => path.relative(baseDir, p).split(path.sep).join('/') || '.';
  const t0 = performance.now();
  const rules: CompiledRule[] = [];
  const errors: RuleLoadError[] = [];
  const seen = new Map<string, string>();
  for (const dir of opts.rules) {
    const rs = await loadRuleset(dir, { baseDir });
    errors.push(...rs.errors);
    for (const r of rs.rules) {
      const first = seen.get(r.id);
      if (first !== undefined) {
        errors.push({ file: r.file, line: null, message: `duplicate rule id '${r.id}': already defined in ${first}` });
        continue;
      }
      seen.set(r.id, r.file);
      rules.push(r);
    }
  }
  const compileMs = performance.now() - t0;
  const report: ConformanceReport = {
    total: rules.length + errors.length,
    compiled: rules.length,
    rejected: errors.length,
    rejections: groupRejections(errors),
    errors,
    timings: { compileMs },
  };
  if (opts.regression !== undefined) {
    const t1 = performance.now();
    const normalizer = createEventNormalizer(opts.mappings ?? path.join(repoRoot, 'rules', 'mappings'), { baseDir });
    if (normalizer.errors.length > 0) {
      throw new Error(`field mappings do not load: ${normalizer.errors.map((e) => `${e.file}:${e.line ?? '?'}: ${e.message}`).join('; ')}`);
    }
    report.regression = runRegression(opts.regression, rules, normalizer, rel);
    report.timings.regressionMs = performance.now() - t1;
  }
  return report;
}

function printReport(r: ConformanceReport): void {
  const pct = r.total === 0 ? 0 : (100 * r.compiled) / r.total;
  console.log(`Sigma rules: ${r.total} total, ${r.compiled} compiled (${pct.toFixed(2)}%), ${r.rejected} rejected  [${r.timings.compileMs.toFixed(0)} ms]`);
  if (r.rejections.length > 0) {
    console.log('\nRejected, by reason:');
    for (const g of r.rejections) {
      console.log(`  ${String(g.count).padStart(5)}  ${g.reason}`);
      for (const ex of g.examples) console.log(`           e.g. ${ex}`);
    }
  }
  const reg = r.regression;
  if (reg !== undefined) {
    console.log(
      `\nRegression: ${reg.passed}/${reg.total} tests passed (${reg.events} records)  [${(r.timings.regressionMs ?? 0).toFixed(0)} ms]`,
    );
    if (reg.inactive.length > 0) {
      console.log(`  not run: ${reg.inactive.length}`);
      for (const i of reg.inactive.slice(0, 10)) console.log(`    ${i.folder}: ${i.reason}`);
    }
    if (reg.failures.length > 0) {
      console.log('  failed:');
      for (const f of reg.failures) console.log(`    ${f.rule} (${f.ruleId}): ${f.reason}`);
    }
    console.log(`  records firing a rule of another logsource: ${reg.crossLogsource.length}`);
    for (const c of reg.crossLogsource.slice(0, 20)) {
      console.log(
        `    ${c.test} #${c.event}: fired ${c.firedRule} ${JSON.stringify(c.firedLogsource)}, expected ${JSON.stringify(c.expectedLogsource)}`,
      );
    }
  }
}

function parseArgs(argv: string[]): (ConformanceOptions & { json: boolean }) | string {
  const out: ConformanceOptions & { json: boolean } = { rules: [], json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${a} needs a value`);
      return v;
    };
    try {
      if (a === '--rules') out.rules.push(value());
      else if (a === '--regression') out.regression = value();
      else if (a === '--mappings') out.mappings = value();
      else if (a === '--json') out.json = true;
      else if (a === '--help' || a === '-h') return 'help';
      else return `unknown argument '${a}'`;
    } catch (err) {
      return (err as Error).message;
    }
  }
  if (out.rules.length === 0) return 'give at least one --rules <dir>';
  for (const d of [...out.rules, ...(out.regression !== undefined ? [out.regression] : [])]) {
    if (!fs.existsSync(d)) return `no such directory: ${d}`;
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    if (args !== 'help') console.error(`sigma-conformance: ${args}`);
    console.error('usage: npm run sigma:conformance -- --rules <dir> [--rules <dir> ...] [--regression <dir>] [--mappings <dir>] [--json]');
    process.exit(args === 'help' ? 0 : 2);
  }
  const report = await runConformance(args);
  printReport(report);
  if (args.json) {
    console.log(
      JSON.stringify({
        total: report.total,
        compiled: report.compiled,
        rejected: report.rejected,
        regression: report.regression ? { passed: report.regression.passed, total: report.regression.total } : null,
      }),
    );
  }
  if (report.regression !== undefined && report.regression.passed < report.regression.total) process.exitCode = 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(2);
  });
}
