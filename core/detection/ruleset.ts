/**
 * Loading a rules directory into compiled rules, and routing events to the rules that can apply to them.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Logsource } from '../domain/event.js';
import { bindFilters, filterAppliesTo, passesFilters, type CompiledFilter } from './filters/sigma-filter.js';
import type { NormalizedEvent } from './mappings/types.js';
import type { CompiledRule, MatchableEvent, RuleLoadError, Ruleset } from './rule.js';
import { INACTIVE_STATUSES, requiredLiterals } from './sigma/compile.js';
import { LiteralPrefilter } from './sigma/prefilter.js';
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
    const top = dir === root;
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
      if (top && TOP_LEVEL_SKIPPED.has(e.name)) continue;
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

/** Rule files read concurrently ahead of the one being compiled. */
const READ_AHEAD = 64;
const RELEASED: Promise<string | Error> = Promise.resolve('');

/** Top-level entries of a rules directory that are not Sigma documents (read by other loaders). */
const TOP_LEVEL_SKIPPED = new Set(['mappings', 'placeholders.yml', 'placeholders.yaml']);

/** The file holding `%name%` placeholder values for the `expand` modifier, at the top of the rules directory. */
export const PLACEHOLDERS_FILE = 'placeholders.yml';

/**
 * Reads `placeholders.yml`: a map of placeholder name to a value or a list of values, e.g.
 * `Admins: [root, 'adm_*']`. A missing file is no error.
 */
export async function loadPlaceholders(
  file: string,
  relFile: string,
): Promise<{ placeholders: Record<string, string[]>; errors: RuleLoadError[] }> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { placeholders: {}, errors: [] };
    return { placeholders: {}, errors: [{ file: relFile, line: null, message: `cannot read file: ${(err as Error).message}` }] };
  }
  return parsePlaceholders(text, relFile);
}

/** Parses the text of a placeholders file (see loadPlaceholders). */
export function parsePlaceholders(text: string, relFile: string): { placeholders: Record<string, string[]>; errors: RuleLoadError[] } {
  const placeholders: Record<string, string[]> = {};
  const errors: RuleLoadError[] = [];
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    errors.push({ file: relFile, line: lc.linePos(err.pos[0]).line, message: `YAML syntax error: ${err.message.split('\n')[0]}` });
    return { placeholders, errors };
  }
  if (doc.contents === null) return { placeholders, errors };
  if (!isMap(doc.contents)) {
    errors.push({ file: relFile, line: 1, message: 'placeholders file must be a map of placeholder name to a list of values' });
    return { placeholders, errors };
  }
  for (const pair of doc.contents.items) {
    const keyNode = pair.key;
    const name = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
    const line = isScalar(keyNode) && keyNode.range ? lc.linePos(keyNode.range[0]).line : null;
    if (!/^[^%\s]+$/.test(name)) {
      errors.push({ file: relFile, line, message: `placeholder name '${name}' must be non-empty without spaces or '%'` });
      continue;
    }
    const value: unknown = isScalar(pair.value) || isSeq(pair.value) ? (pair.value as { toJSON(): unknown }).toJSON() : undefined;
    const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
    const strings = list.filter((v): v is string | number => typeof v === 'string' || typeof v === 'number').map(String);
    if (strings.length === 0 || strings.length !== list.length) {
      errors.push({ file: relFile, line, message: `placeholder '${name}' needs a string or a non-empty list of strings` });
      continue;
    }
    placeholders[name] = strings;
  }
  return { placeholders, errors };
}

/**
 * Loads every `*.yml` / `*.yaml` Sigma rule under `dir`. When `dir` has a `sigma/` folder (the repository's
 * `rules/` layout) only that folder is read for rules, plus `filters/` for Sigma filter documents; otherwise `dir`
 * itself is (e.g. `rules/sigma`). Filter documents are also accepted among the rules. `placeholders.yml` at the top
 * of `dir` gives `%name%` values for the `expand` modifier (`opts.placeholders` take precedence). Broken files and
 * documents are reported in `errors` and never stop the good ones from loading. Of two rules (or two filters) with
 * the same id the second (in path order) is rejected. Filters are attached to the rules they apply to
 * (`rule.filters`), which `RuleEngine.match` honours.
 */
export async function loadRuleset(dir: string, opts: LoadRulesetOptions = {}): Promise<Ruleset> {
  const baseDir = path.resolve(opts.baseDir ?? process.cwd());
  const rel = (p: string) => path.relative(baseDir, p).split(path.sep).join('/') || '.';
  let rules: CompiledRule[] = [];
  const errors: RuleLoadError[] = [];
  const warnings: RuleLoadError[] = [];
  const filters: CompiledFilter[] = [];

  const absDir = path.resolve(dir);
  let root = absDir;
  try {
    const st = await fs.stat(path.join(absDir, 'sigma'));
    if (st.isDirectory()) root = path.join(absDir, 'sigma');
  } catch {
    // no sigma/ folder: read dir itself
  }

  const placeholderFile = path.join(absDir, PLACEHOLDERS_FILE);
  const ph = await loadPlaceholders(placeholderFile, rel(placeholderFile));
  errors.push(...ph.errors);
  const placeholders: Record<string, readonly string[]> = { ...ph.placeholders, ...(opts.placeholders ?? {}) };

  const files = (await listRuleFiles(root, errors, rel)).map((f) => ({ file: f, filtersOnly: false }));
  if (root !== absDir) {
    const filtersDir = path.join(absDir, 'filters');
    let hasFilters = false;
    try {
      hasFilters = (await fs.stat(filtersDir)).isDirectory();
    } catch {
      // no filters/ folder
    }
    if (hasFilters) for (const f of await listRuleFiles(filtersDir, errors, rel)) files.push({ file: f, filtersOnly: true });
  }

  const seen = new Map<string, string>();
  const seenFilters = new Map<string, string>();
  // Files are read ahead concurrently (one at a time leaves the process idle between reads) and compiled in order.
  const reads: Promise<string | Error>[] = [];
  const readAhead = (upTo: number) => {
    for (let k = reads.length; k < Math.min(upTo, files.length); k++) {
      reads.push(fs.readFile(files[k]!.file, 'utf8').catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))));
    }
  };
  for (let i = 0; i < files.length; i++) {
    const { file, filtersOnly } = files[i]!;
    const relFile = rel(file);
    readAhead(i + READ_AHEAD);
    const text = await reads[i]!;
    reads[i] = RELEASED; // let the text go once compiled
    if (text instanceof Error) {
      errors.push({ file: relFile, line: null, message: `cannot read file: ${text.message}` });
      continue;
    }
    const res = compileRuleSource(text, relFile, { placeholders });
    errors.push(...res.errors);
    for (const { rule, idLine } of res.rules) {
      if (filtersOnly) {
        errors.push({ file: relFile, line: idLine, message: 'a detection rule in filters/: rules belong under sigma/, filters/ holds only Sigma filter documents' });
        continue;
      }
      const first = seen.get(rule.id);
      if (first !== undefined) {
        errors.push({ file: relFile, line: idLine, message: `duplicate rule id '${rule.id}': already defined in ${first}` });
        continue;
      }
      seen.set(rule.id, relFile);
      rules.push(rule);
    }
    for (const { filter, idLine } of res.filters ?? []) {
      const first = seenFilters.get(filter.id);
      if (first !== undefined) {
        errors.push({ file: relFile, line: idLine, message: `duplicate filter id '${filter.id}': already defined in ${first}` });
        continue;
      }
      seenFilters.set(filter.id, relFile);
      filters.push(filter);
    }
  }

  if (filters.length > 0) {
    const bound = bindFilters(rules, filters);
    rules = bound.rules;
    for (const p of bound.problems) warnings.push({ file: p.filter.file, line: null, message: p.message });
  }
  return { rules, errors, filters, warnings, placeholders };
}

const EMPTY: readonly CompiledRule[] = Object.freeze([]);
const MAX_CACHED_ROUTES = 4096;
/** Routes with fewer candidates are evaluated directly: scanning the event would cost more than it saves. */
const PREFILTER_MIN_CANDIDATES = 24;

function norm(v: string | undefined): string {
  return v === undefined ? '' : v.toLowerCase();
}

export interface RuleEngineOptions {
  /**
   * Literal prefilter (default on): rules whose required literals occur nowhere in the event are not evaluated.
   * It never changes results; turning it off is for tests and benchmarks.
   */
  prefilter?: boolean;
  /** Sigma filters to apply besides those `loadRuleset` attached to the rules (`rule.filters`). */
  filters?: readonly CompiledFilter[];
}

interface Route {
  rules: readonly CompiledRule[];
  /** For events with several logsources: per candidate, 0 = the event's own logsource, k = alsoLogsources[k-1]. */
  source: Uint8Array | null;
  /** The buckets the candidates come from (sorted keys): routes with the same buckets share a prefilter. */
  buckets: string;
  /** undefined until first needed; null when the route is evaluated without a prefilter. */
  prefilter: LiteralPrefilter | null | undefined;
}

/**
 * Matches events against the active rules. Rules are bucketed by their (product, category, service) so an event
 * only tries the rules whose set logsource keys all equal (case-insensitively) its own (or, for normalized events,
 * one of its `alsoLogsources`). Within the candidates a literal prefilter (one Aho-Corasick scan of the event's
 * values) skips the rules none of whose required literals occur. Sigma filters attached to a rule must also be
 * satisfied. Rules with status `deprecated` or `unsupported` are kept out.
 */
export class RuleEngine {
  /** The rules that are matched (inactive statuses removed), in the order given. */
  readonly rules: readonly CompiledRule[];
  private readonly buckets = new Map<string, CompiledRule[]>();
  private readonly order = new Map<CompiledRule, number>();
  private readonly routes = new Map<string, Route>();
  /**
   * Prefilters by bucket combination. Unlike routes (one per distinct event logsource, which agents choose) these
   * are bounded by the rules' own logsources, so odd logsources never cause automaton builds.
   */
  private readonly prefilters = new Map<string, LiteralPrefilter | null>();
  private readonly usePrefilter: boolean;
  /** Filters per rule, when options add filters to those on the rules. */
  private readonly extraFilters: Map<CompiledRule, readonly CompiledFilter[]> | null = null;

  constructor(rules: CompiledRule[], opts: RuleEngineOptions = {}) {
    this.usePrefilter = opts.prefilter !== false;
    this.rules = rules.filter((r) => !(r.status !== null && INACTIVE_STATUSES.includes(r.status)));
    if (opts.filters !== undefined && opts.filters.length > 0) {
      const map = new Map<CompiledRule, readonly CompiledFilter[]>();
      for (const r of this.rules) {
        const own = r.filters ?? [];
        const more = opts.filters.filter((f) => !own.includes(f) && filterAppliesTo(f, r));
        if (more.length > 0) map.set(r, [...own, ...more]);
      }
      this.extraFilters = map;
    }
    this.rules.forEach((r, i) => {
      this.order.set(r, i);
      const key = `${norm(r.logsource.product)}\u0000${norm(r.logsource.category)}\u0000${norm(r.logsource.service)}`;
      let bucket = this.buckets.get(key);
      if (bucket === undefined) this.buckets.set(key, (bucket = []));
      bucket.push(r);
    });
  }

  private routeKey(logsource: Logsource): string {
    return `${logsource.product ?? ''}\u0000${logsource.category ?? ''}\u0000${logsource.service ?? ''}`;
  }

  private collect(logsource: Logsource, into: CompiledRule[], keys: string[]): void {
    const lp = (logsource.product ?? '').toLowerCase();
    const lc = (logsource.category ?? '').toLowerCase();
    const ls = (logsource.service ?? '').toLowerCase();
    // Every combination of the event's keys, each either required equal or left unset by the rule.
    for (const bp of lp === '' ? [''] : ['', lp]) {
      for (const bc of lc === '' ? [''] : ['', lc]) {
        for (const bs of ls === '' ? [''] : ['', ls]) {
          const key = `${bp}\u0000${bc}\u0000${bs}`;
          const bucket = this.buckets.get(key);
          if (bucket === undefined) continue;
          if (!keys.includes(key)) keys.push(key);
          for (const r of bucket) into.push(r);
        }
      }
    }
  }

  private cache(key: string, route: Route): Route {
    if (this.routes.size >= MAX_CACHED_ROUTES) this.routes.clear();
    this.routes.set(key, route);
    return route;
  }

  private route(logsource: Logsource): Route {
    const key = this.routeKey(logsource);
    const cached = this.routes.get(key);
    if (cached !== undefined) return cached;
    const found: CompiledRule[] = [];
    const keys: string[] = [];
    this.collect(logsource, found, keys);
    found.sort((a, b) => this.order.get(a)! - this.order.get(b)!);
    return this.cache(key, { rules: found.length === 0 ? EMPTY : found, source: null, buckets: keys.sort().join('\u0001'), prefilter: undefined });
  }

  private multiRoute(logsource: Logsource, also: readonly Logsource[]): Route {
    const all = [logsource, ...also];
    const key = all.map((l) => this.routeKey(l)).join('\u0001');
    const cached = this.routes.get(key);
    if (cached !== undefined) return cached;
    const from = new Map<CompiledRule, number>();
    const keys: string[] = [];
    all.forEach((ls, k) => {
      const found: CompiledRule[] = [];
      this.collect(ls, found, keys);
      for (const r of found) if (!from.has(r)) from.set(r, k);
    });
    const found = [...from.keys()].sort((a, b) => this.order.get(a)! - this.order.get(b)!);
    const source = new Uint8Array(found.length);
    found.forEach((r, i) => (source[i] = Math.min(from.get(r)!, 255)));
    return this.cache(key, { rules: found.length === 0 ? EMPTY : found, source, buckets: keys.sort().join('\u0001'), prefilter: undefined });
  }

  /** The rules that can apply to events of this logsource (computed once per distinct logsource). */
  candidates(logsource: Logsource): readonly CompiledRule[] {
    return this.route(logsource).rules;
  }

  private prefilterOf(route: Route): LiteralPrefilter | null {
    if (route.prefilter !== undefined) return route.prefilter;
    let pf: LiteralPrefilter | null = null;
    if (this.usePrefilter && route.rules.length >= PREFILTER_MIN_CANDIDATES) {
      const shared = this.prefilters.get(route.buckets);
      if (shared !== undefined) pf = shared;
      else {
        // The candidate list is the same for every route with these buckets (same rules, same order).
        pf = new LiteralPrefilter(route.rules.map((r) => requiredLiterals(r)));
        // Not worth scanning when almost nothing can be skipped.
        if (pf.filterable < route.rules.length / 4) pf = null;
        this.prefilters.set(route.buckets, pf);
      }
    }
    route.prefilter = pf;
    return pf;
  }

  /** Every active rule that matches the event (and passes the Sigma filters attached to it). */
  match(event: MatchableEvent): CompiledRule[] {
    const also = (event as NormalizedEvent).alsoLogsources;
    const route = also !== undefined && also.length > 0 ? this.multiRoute(event.logsource ?? {}, also) : this.route(event.logsource ?? {});
    const candidates = route.rules;
    const hits: CompiledRule[] = [];
    if (candidates.length === 0) return hits;
    const pf = this.prefilterOf(route);
    const selected = pf === null ? null : pf.select(event.fields);
    const n = selected === null ? candidates.length : selected.length;
    let views: (MatchableEvent | undefined)[] | null = null;
    for (let j = 0; j < n; j++) {
      const i = selected === null ? j : selected[j]!;
      const rule = candidates[i]!;
      let ev = event;
      if (route.source !== null && route.source[i]! > 0) {
        // The rule was routed by one of the event's other logsources: show it that logsource.
        const k = route.source[i]!;
        views ??= [];
        ev = views[k] ??= { logsource: also![k - 1]!, fields: event.fields };
      }
      if (!rule.matches(ev)) continue;
      const filters = this.extraFilters?.get(rule) ?? rule.filters;
      if (filters !== undefined && !passesFilters(filters, event.fields)) continue;
      hits.push(rule);
    }
    return hits;
  }
}

export { compileRuleSource, type RuleSourceResult } from './sigma/source.js';
