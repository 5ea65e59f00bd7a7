/**
 * Loading a rules directory into compiled rules, and routing events to the rules that can apply to them.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logsource } from '../domain/event.js';
import type { CompiledRule, MatchableEvent, RuleLoadError, Ruleset } from './rule.js';
import { INACTIVE_STATUSES } from './sigma/compile.js';
import { compileRuleSource } from './sigma/source.js';

export interface LoadRulesetOptions {
  /** Paths on rules and errors are relative to this directory (default: the working directory). */
  baseDir?: string;
  /** Values for `%name%` placeholders used with the `expand` modifier. */
  placeholders?: Readonly<Record<string, readonly string[]>>;
}

/** Folders under the rules directory that never hold Sigma rules. */
const SKIPPED_DIRS = new Set(['yara', 'node_modules']);

async function listRuleFiles(root: string, errors: RuleLoadError[], rel: (p: string) => string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string): Promise<void> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      errors.push({ file: rel(dir), line: null, message: `cannot read rules directory: ${(err as Error).message}` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name)) await walk(full);
      } else if ((e.isFile() || e.isSymbolicLink()) && /\.ya?ml$/i.test(e.name)) {
        out.push(full);
      }
    }
  }
  await walk(root);
  return out;
}

/**
 * Loads every `*.yml` / `*.yaml` Sigma rule under `dir`. When `dir` has a `sigma/` folder (the repository's
 * `rules/` layout) only that folder is read; otherwise `dir` itself is (e.g. `rules/sigma`). Broken files and
 * documents are reported in `errors` and never stop the good ones from loading. Of two rules with the same id the
 * second (in path order) is rejected.
 */
export async function loadRuleset(dir: string, opts: LoadRulesetOptions = {}): Promise<Ruleset> {
  const baseDir = path.resolve(opts.baseDir ?? process.cwd());
  const rel = (p: string) => path.relative(baseDir, p).split(path.sep).join('/') || '.';
  const rules: CompiledRule[] = [];
  const errors: RuleLoadError[] = [];

  const absDir = path.resolve(dir);
  let root = absDir;
  try {
    const st = await fs.stat(path.join(absDir, 'sigma'));
    if (st.isDirectory()) root = path.join(absDir, 'sigma');
  } catch {
    // no sigma/ folder: read dir itself
  }

  const seen = new Map<string, string>();
  for (const file of await listRuleFiles(root, errors, rel)) {
    const relFile = rel(file);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      errors.push({ file: relFile, line: null, message: `cannot read file: ${(err as Error).message}` });
      continue;
    }
    const res = compileRuleSource(text, relFile, { placeholders: opts.placeholders });
    errors.push(...res.errors);
    for (const { rule, idLine } of res.rules) {
      const first = seen.get(rule.id);
      if (first !== undefined) {
        errors.push({ file: relFile, line: idLine, message: `duplicate rule id '${rule.id}': already defined in ${first}` });
        continue;
      }
      seen.set(rule.id, relFile);
      rules.push(rule);
    }
  }
  return { rules, errors };
}

const EMPTY: readonly CompiledRule[] = Object.freeze([]);
const MAX_CACHED_ROUTES = 4096;

function norm(v: string | undefined): string {
  return v === undefined ? '' : v.toLowerCase();
}

/**
 * Matches events against the active rules. Rules are bucketed by their (product, category, service) so an event
 * only tries the rules whose set logsource keys all equal (case-insensitively) its own. Rules with status
 * `deprecated` or `unsupported` are kept out.
 */
export class RuleEngine {
  /** The rules that are matched (inactive statuses removed), in the order given. */
  readonly rules: readonly CompiledRule[];
  private readonly buckets = new Map<string, CompiledRule[]>();
  private readonly order = new Map<CompiledRule, number>();
  private readonly routes = new Map<string, readonly CompiledRule[]>();

  constructor(rules: CompiledRule[]) {
    this.rules = rules.filter((r) => !(r.status !== null && INACTIVE_STATUSES.includes(r.status)));
    this.rules.forEach((r, i) => {
      this.order.set(r, i);
      const key = `${norm(r.logsource.product)}\u0000${norm(r.logsource.category)}\u0000${norm(r.logsource.service)}`;
      let bucket = this.buckets.get(key);
      if (bucket === undefined) this.buckets.set(key, (bucket = []));
      bucket.push(r);
    });
  }

  /** The rules that can apply to events of this logsource (computed once per distinct logsource). */
  candidates(logsource: Logsource): readonly CompiledRule[] {
    const p = logsource.product ?? '';
    const c = logsource.category ?? '';
    const s = logsource.service ?? '';
    const routeKey = `${p}\u0000${c}\u0000${s}`;
    const cached = this.routes.get(routeKey);
    if (cached !== undefined) return cached;

    const lp = p.toLowerCase();
    const lc = c.toLowerCase();
    const ls = s.toLowerCase();
    const found: CompiledRule[] = [];
    // Every combination of the event's keys, each either required equal or left unset by the rule.
    for (const bp of lp === '' ? [''] : ['', lp]) {
      for (const bc of lc === '' ? [''] : ['', lc]) {
        for (const bs of ls === '' ? [''] : ['', ls]) {
          const bucket = this.buckets.get(`${bp}\u0000${bc}\u0000${bs}`);
          if (bucket !== undefined) found.push(...bucket);
        }
      }
    }
    found.sort((a, b) => this.order.get(a)! - this.order.get(b)!);
    const result = found.length === 0 ? EMPTY : found;
    if (this.routes.size >= MAX_CACHED_ROUTES) this.routes.clear();
    this.routes.set(routeKey, result);
    return result;
  }

  /** Every active rule that matches the event. */
  match(event: MatchableEvent): CompiledRule[] {
    const candidates = this.candidates(event.logsource ?? {});
    const hits: CompiledRule[] = [];
    for (let i = 0; i < candidates.length; i++) {
      const rule = candidates[i]!;
      if (rule.matches(event)) hits.push(rule);
    }
    return hits;
  }
}

export { compileRuleSource, type RuleSourceResult } from './sigma/source.js';
