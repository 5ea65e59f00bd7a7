/**
 * `npm run rules:check [-- --dir <rules dir>] [-- --strict]`: validates every Sigma rule, Sigma filter, field
 * mapping and the placeholders file under the rules directory (`--dir`, else `RULES_DIR`, else `./rules`).
 * Prints `file:line: reason` for each problem and exits 1 when a file is broken; on success prints a one-line
 * summary. Warnings (e.g. a filter naming a rule that is not loaded) are printed as `file:line: warning: ...` and
 * only fail with `--strict`.
 *
 * `yara/` is not read here: other checks plug in through `checkRulesDir(dir, { checkers })` (see RulesChecker),
 * e.g. the YARA compiler.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createEventNormalizer } from '../core/detection/mappings/index.js';
import { loadYaraRules } from '../core/detection/yara/index.js';
import { loadAbsenceRules } from '../core/detection/absence.js';
import { checkCorrelationRules } from '../core/detection/correlation/check.js';
import type { RuleLoadError } from '../core/detection/rule.js';
import { loadRuleset, PLACEHOLDERS_FILE } from '../core/detection/ruleset.js';

/** An extra check over the rules directory (for example YARA); it returns its problems. */
export type RulesChecker = (rulesDir: string, rel: (p: string) => string) => Promise<{ errors: RuleLoadError[]; warnings?: RuleLoadError[]; checked?: string }>;

/** YARA files under `<rules>/yara`, compiled file by file with YARA-X exactly as the workers load them. */
const yaraChecker: RulesChecker = async (rulesDir, rel) => {
  const yaraDir = path.join(rulesDir, 'yara');
  if (!fs.existsSync(yaraDir)) return { errors: [], checked: '0 YARA rules' };
  const r = await loadYaraRules(yaraDir);
  const relocate = (e: { file: string; line: number | null; message: string }) => ({ ...e, file: rel(path.resolve(e.file)) });
  return { errors: r.errors.map(relocate), warnings: r.warnings.map(relocate), checked: `${r.rules.length} YARA rules` };
};

/** Absence rules under `<rules>/absence`, resolved against the detection rules they expect. */
const absenceChecker: RulesChecker = async (rulesDir, rel) => {
  const detection = await loadRuleset(rulesDir);
  const r = loadAbsenceRules(rulesDir, detection.rules);
  const relocate = (e: { file: string; line: number | null; message: string }) => ({ ...e, file: rel(path.resolve(e.file)) });
  return { errors: r.errors.map(relocate), checked: `${r.rules.length} absence rules` };
};

/** Checks run besides the Sigma / filter / mapping ones. */
export const DEFAULT_CHECKERS: RulesChecker[] = [yaraChecker, checkCorrelationRules, absenceChecker];

export interface RulesCheckResult {
  errors: RuleLoadError[];
  warnings: RuleLoadError[];
  counts: { rules: number; filters: number; mappings: number; placeholders: number };
  /** What the extra checkers reported checking (e.g. "12 YARA files"). */
  extra: string[];
}

const KNOWN_TOP_LEVEL = new Set(['sigma', 'filters', 'mappings', 'yara', PLACEHOLDERS_FILE, 'README.md']);

export async function checkRulesDir(
  dir: string,
  opts: { baseDir?: string; checkers?: readonly RulesChecker[] } = {},
): Promise<RulesCheckResult> {
  const baseDir = path.resolve(opts.baseDir ?? process.cwd());
  const rel = (p: string) => path.relative(baseDir, p).split(path.sep).join('/') || '.';
  const abs = path.resolve(dir);
  const errors: RuleLoadError[] = [];
  const warnings: RuleLoadError[] = [];
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) {
    return {
      errors: [{ file: rel(abs), line: null, message: 'no such rules directory' }],
      warnings,
      counts: { rules: 0, filters: 0, mappings: 0, placeholders: 0 },
      extra: [],
    };
  }

  const rs = await loadRuleset(abs, { baseDir });
  errors.push(...rs.errors);
  warnings.push(...(rs.warnings ?? []));

  const normalizer = createEventNormalizer(path.join(abs, 'mappings'), { baseDir });
  errors.push(...normalizer.errors);

  // YAML files the loaders never read are probably misplaced.
  if (fs.existsSync(path.join(abs, 'sigma'))) {
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      if (e.isFile() && /\.ya?ml$/i.test(e.name) && !KNOWN_TOP_LEVEL.has(e.name)) {
        warnings.push({
          file: rel(path.join(abs, e.name)),
          line: null,
          message: 'not read: Sigma rules go under sigma/, filters under filters/, mappings under mappings/',
        });
      }
    }
  }

  const extra: string[] = [];
  for (const check of opts.checkers ?? DEFAULT_CHECKERS) {
    const r = await check(abs, rel);
    errors.push(...r.errors);
    warnings.push(...(r.warnings ?? []));
    if (r.checked !== undefined) extra.push(r.checked);
  }

  const order = (a: RuleLoadError, b: RuleLoadError) => (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? 0) - (b.line ?? 0));
  return {
    errors: errors.sort(order),
    warnings: warnings.sort(order),
    counts: {
      rules: rs.rules.length,
      filters: rs.filters?.length ?? 0,
      mappings: normalizer.mappings.length,
      placeholders: Object.keys(rs.placeholders ?? {}).length,
    },
    extra,
  };
}

/** `file:line: reason` (or `file: reason` when the line is unknown). */
export function formatProblem(e: RuleLoadError, prefix = ''): string {
  return `${e.file}${e.line !== null ? `:${e.line}` : ''}: ${prefix}${e.message}`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let dir = process.env.RULES_DIR ?? 'rules';
  let strict = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--dir') {
      const v = argv[++i];
      if (v === undefined) {
        console.error('rules-check: --dir needs a value');
        process.exit(2);
      }
      dir = v;
    } else if (a === '--strict') strict = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run rules:check [-- --dir <rules dir>] [-- --strict]   (default: $RULES_DIR or ./rules)');
      return;
    } else {
      console.error(`rules-check: unknown argument '${a}'`);
      process.exit(2);
    }
  }
  const r = await checkRulesDir(dir);
  for (const e of r.errors) console.log(formatProblem(e));
  for (const w of r.warnings) console.log(formatProblem(w, 'warning: '));
  const what =
    `${r.counts.rules} Sigma rules, ${r.counts.filters} filters, ${r.counts.mappings} field mappings, ` +
    `${r.counts.placeholders} placeholders${r.extra.map((x) => `, ${x}`).join('')}`;
  if (r.errors.length > 0 || (strict && r.warnings.length > 0)) {
    const files = new Set([...r.errors, ...(strict ? r.warnings : [])].map((e) => e.file)).size;
    console.log(`rules-check: ${r.errors.length} error(s)${strict ? ` and ${r.warnings.length} warning(s)` : ''} in ${files} file(s) under ${dir} (${what} loaded)`);
    process.exitCode = 1;
    return;
  }
  console.log(`rules-check: ${dir} OK: ${what}${r.warnings.length > 0 ? ` (${r.warnings.length} warning(s))` : ''}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(2);
  });
}
