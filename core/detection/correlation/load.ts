/**
 * Loading Sigma correlation rules (Sigma correlation specification v2.1) from the rule files.
 *
 * Correlation documents live in the same `*.yml` files as detection rules (multi-document files that mix both are
 * normal). `loadRuleset` compiles the detection rules and skips these documents; this loader picks them out,
 * checks them and resolves their references (by id or `name`) against the detection rules that loaded and the
 * other correlations. A broken correlation is reported with its file and line and skipped; the others load.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { SEVERITIES, type Severity } from '../../domain/types.js';
import type { CompiledRule } from '../rule.js';
import { INACTIVE_STATUSES, RULE_STATUSES } from '../sigma/compile.js';
import { SigmaRuleError, type YamlPath } from '../sigma/errors.js';
import { lineOfPath } from '../sigma/source.js';
import { categoryForRule, ENISA_CLASSES, isEnisaClass } from '../taxonomy.js';
import {
  CONDITION_OPERATORS,
  CORRELATION_TYPES,
  type CorrelationCondition,
  type CorrelationLoadError,
  type CorrelationRule,
  type CorrelationType,
} from './types.js';

/**
 * Count thresholds (event_count, value_count, temporal) above this are rejected: the engine keeps at most this many
 * events (or distinct values) per group and window, so a larger threshold could never be reached.
 */
export const MAX_COUNT_THRESHOLD = 100_000;

const TIMESPAN_UNITS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const CORRELATION_KEYS = new Set(['type', 'rules', 'group-by', 'timespan', 'condition', 'aliases', 'generate']);
const COUNT_TYPES: readonly CorrelationType[] = ['event_count', 'value_count', 'temporal', 'temporal_ordered'];
const FIELD_TYPES: readonly CorrelationType[] = ['value_count', 'value_sum', 'value_avg', 'value_percentile'];

export interface CorrelationSource {
  /** Repository-relative path, reported on rules and errors. */
  file: string;
  text: string;
  /**
   * Report YAML syntax errors of this file (default false: `loadRuleset` reads the same files and reports them,
   * so reporting them here too would list each twice).
   */
  reportSyntaxErrors?: boolean;
}

export interface CorrelationRuleset {
  rules: CorrelationRule[];
  errors: CorrelationLoadError[];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function fail(message: string, p: YamlPath = []): never {
  throw new SigmaRuleError(message, p);
}

function optString(doc: Record<string, unknown>, key: string): string | null {
  const v = doc[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return fail(`'${key}' must be a string`, [key]);
}

function stringList(v: unknown, p: YamlPath, what: string): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v)) return fail(`'${what}' must be a list of strings`, p);
  return v.map((item, i) => {
    if (typeof item === 'string') return item;
    if (typeof item === 'number' || typeof item === 'boolean') return String(item);
    return fail(`'${what}' must be a list of strings`, [...p, i]);
  });
}

/** `5m` → 300000. Throws with the spec's format when it is not `<number><s|m|h|d>`. */
export function parseTimespan(v: unknown): number {
  const m = typeof v === 'string' ? /^(\d+)([smhd])$/.exec(v.trim()) : null;
  if (!m) {
    return fail(
      `invalid timespan '${String(v)}': expected a number followed by s, m, h or d in lowercase (e.g. 5m; 1h30 is written 90m)`,
      ['correlation', 'timespan'],
    );
  }
  const n = Number(m[1]);
  if (!Number.isSafeInteger(n) || n <= 0) return fail(`invalid timespan '${String(v)}': must be greater than zero`, ['correlation', 'timespan']);
  return n * TIMESPAN_UNITS[m[2] as keyof typeof TIMESPAN_UNITS];
}

/** What a correlation document says, before its references are resolved. */
interface ParsedCorrelation {
  rule: Omit<CorrelationRule, 'rules' | 'aliases' | 'depth' | 'category'> & { taxonomy: string | null };
  /** alias → reference as written → field. */
  rawAliases: Record<string, Record<string, string>>;
  lineOf: (p: YamlPath) => number | null;
  idLine: number | null;
  /** Set once rejected (resolution phase). */
  rejected?: boolean;
}

/** Checks one correlation document (a plain object). Throws SigmaRuleError with the path of the offending key. */
function parseCorrelationDocument(doc: Record<string, unknown>, file: string, fallbackId: string): ParsedCorrelation['rule'] & { rawAliases: ParsedCorrelation['rawAliases'] } {
  if (Object.hasOwn(doc, 'detection')) {
    fail("a document cannot have both 'detection' and 'correlation': write the correlation as a document of its own", ['correlation']);
  }
  const titleRaw = doc.title;
  if (titleRaw === undefined || titleRaw === null) fail("missing 'title'");
  if (typeof titleRaw !== 'string' || titleRaw.trim() === '') fail("'title' must be a non-empty string", ['title']);
  if (titleRaw.length > 256) fail("'title' is longer than 256 characters", ['title']);

  let id = fallbackId;
  if (doc.id !== undefined && doc.id !== null) {
    if (typeof doc.id !== 'string' || doc.id.trim() === '') fail("'id' must be a non-empty string", ['id']);
    if (doc.id.length > 128) fail("'id' is longer than 128 characters", ['id']);
    id = doc.id.trim();
  }
  let name: string | undefined;
  if (doc.name !== undefined && doc.name !== null) {
    if (typeof doc.name !== 'string' || doc.name.trim() === '') fail("'name' must be a non-empty string", ['name']);
    name = doc.name.trim();
  }

  const status = optString(doc, 'status');
  if (status !== null && !(RULE_STATUSES as readonly string[]).includes(status)) {
    fail(`invalid status '${status}' (one of: ${RULE_STATUSES.join(', ')})`, ['status']);
  }
  let level: Severity = 'medium';
  if (doc.level !== undefined && doc.level !== null) {
    const l = typeof doc.level === 'string' ? doc.level.trim().toLowerCase() : '';
    if (!(SEVERITIES as readonly string[]).includes(l)) fail(`invalid level '${String(doc.level)}' (one of: ${SEVERITIES.join(', ')})`, ['level']);
    level = l as Severity;
  }
  let taxonomy: string | null = null;
  if (doc.taxonomy !== undefined && doc.taxonomy !== null) {
    const t = typeof doc.taxonomy === 'string' ? doc.taxonomy.trim().toLowerCase() : '';
    if (t !== 'sigma') {
      if (!isEnisaClass(t)) {
        fail(`invalid taxonomy '${String(doc.taxonomy)}': expected an ENISA RSIT class (${ENISA_CLASSES.join(', ')})`, ['taxonomy']);
      }
      taxonomy = t;
    }
  }
  const tags = stringList(doc.tags, ['tags'], 'tags');
  const references = stringList(doc.references, ['references'], 'references');
  const falsepositives = stringList(doc.falsepositives, ['falsepositives'], 'falsepositives');
  const description = optString(doc, 'description');
  const author = optString(doc, 'author');

  let suppressionMs: number | undefined;
  if (doc.vigil !== undefined && doc.vigil !== null) {
    if (!isPlainObject(doc.vigil)) fail("'vigil' must be a map", ['vigil']);
    const s = doc.vigil.suppression;
    if (s !== undefined && s !== null) {
      const m = /^(\d+)\s*(s|m|h|d)$/.exec(String(s).trim());
      if (!m || Number(m[1]) <= 0) fail("'vigil.suppression' must be a duration such as 30m, 2h or 1d", ['vigil', 'suppression']);
      suppressionMs = Number(m[1]) * TIMESPAN_UNITS[m[2] as keyof typeof TIMESPAN_UNITS];
    }
  }

  const c = doc.correlation;
  if (!isPlainObject(c)) fail("'correlation' must be a map (type, rules, group-by, timespan, condition)", ['correlation']);
  for (const key of Object.keys(c)) {
    if (!CORRELATION_KEYS.has(key)) {
      fail(`unknown key 'correlation.${key}' (allowed: ${[...CORRELATION_KEYS].join(', ')})`, ['correlation', key]);
    }
  }

  if (c.type === undefined || c.type === null) fail("missing 'correlation.type'", ['correlation']);
  if (typeof c.type !== 'string' || !(CORRELATION_TYPES as readonly string[]).includes(c.type)) {
    fail(`invalid correlation type '${String(c.type)}' (one of: ${CORRELATION_TYPES.join(', ')})`, ['correlation', 'type']);
  }
  const type = c.type as CorrelationType;

  if (c.rules === undefined || c.rules === null) fail("missing 'correlation.rules'", ['correlation']);
  const ruleRefs = stringList(c.rules, ['correlation', 'rules'], 'correlation.rules').map((r) => r.trim());
  if (ruleRefs.length === 0) fail("'correlation.rules' must name at least one rule", ['correlation', 'rules']);
  ruleRefs.forEach((r, i) => {
    if (r === '') fail("'correlation.rules' entries must be non-empty", ['correlation', 'rules', i]);
    if (ruleRefs.indexOf(r) !== i) fail(`rule '${r}' is listed twice in 'correlation.rules'`, ['correlation', 'rules', i]);
  });

  if (c['group-by'] === undefined || c['group-by'] === null) fail("missing 'correlation.group-by'", ['correlation']);
  const groupBy = stringList(c['group-by'], ['correlation', 'group-by'], 'correlation.group-by').map((g) => g.trim());
  groupBy.forEach((g, i) => {
    if (g === '') fail("'correlation.group-by' entries must be non-empty field names", ['correlation', 'group-by', i]);
    if (groupBy.indexOf(g) !== i) fail(`field '${g}' is listed twice in 'correlation.group-by'`, ['correlation', 'group-by', i]);
  });

  if (c.timespan === undefined || c.timespan === null) fail("missing 'correlation.timespan'", ['correlation']);
  const timespanMs = parseTimespan(c.timespan);
  const timespan = String(c.timespan).trim();

  // Condition: a map of comparisons (ANDed: a range), plus `field` for the value_* types.
  const condition: CorrelationCondition = {};
  let field: string[] | null = null;
  let percentile: number | null = null;
  const temporal = type === 'temporal' || type === 'temporal_ordered';
  if (c.condition === undefined || c.condition === null) {
    if (!temporal) fail(`missing 'correlation.condition' (required for ${type})`, ['correlation']);
  } else {
    if (typeof c.condition === 'string') {
      fail('extended correlation conditions (a boolean expression over rules) are not part of Sigma v2.1: use a map such as {gte: 10}', ['correlation', 'condition']);
    }
    if (!isPlainObject(c.condition)) fail("'correlation.condition' must be a map such as {gte: 10}", ['correlation', 'condition']);
    for (const [key, value] of Object.entries(c.condition)) {
      const p = ['correlation', 'condition', key];
      if ((CONDITION_OPERATORS as readonly string[]).includes(key)) {
        if (typeof value !== 'number' || !Number.isFinite(value)) fail(`'condition.${key}' must be a number`, p);
        condition[key as keyof CorrelationCondition] = value;
      } else if (key === 'field') {
        if (!FIELD_TYPES.includes(type)) fail(`'condition.field' has no meaning for ${type} (only for ${FIELD_TYPES.join(', ')})`, p);
        const list = stringList(value, p, 'condition.field').map((f) => f.trim());
        if (list.length === 0 || list.some((f) => f === '')) fail("'condition.field' must name a field", p);
        if (type !== 'value_count' && list.length > 1) fail(`'condition.field' of ${type} must be a single numeric field`, p);
        field = list;
      } else if (key === 'percentile') {
        if (type !== 'value_percentile') fail("'condition.percentile' only applies to value_percentile", p);
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 100) fail("'condition.percentile' must be an integer from 0 to 100", p);
        percentile = value;
      } else {
        fail(`unknown key 'condition.${key}' (allowed: ${CONDITION_OPERATORS.join(', ')}, field)`, p);
      }
    }
    if (!temporal && !CONDITION_OPERATORS.some((op) => condition[op] !== undefined)) {
      fail(`'correlation.condition' needs a comparison (${CONDITION_OPERATORS.join(', ')})`, ['correlation', 'condition']);
    }
  }
  if (FIELD_TYPES.includes(type) && field === null) fail(`${type} needs 'condition.field' (the field whose values it aggregates)`, ['correlation', 'condition']);
  if (temporal && !CONDITION_OPERATORS.some((op) => condition[op] !== undefined)) condition.gte = ruleRefs.length;
  checkSatisfiable(condition, type, ruleRefs.length);

  // Aliases: alias → { rule reference → field name }.
  const rawAliases: Record<string, Record<string, string>> = {};
  if (c.aliases !== undefined && c.aliases !== null) {
    if (!isPlainObject(c.aliases)) fail("'correlation.aliases' must be a map of alias → { rule → field }", ['correlation', 'aliases']);
    for (const [alias, mapping] of Object.entries(c.aliases)) {
      const p = ['correlation', 'aliases', alias];
      if (!isPlainObject(mapping)) fail(`alias '${alias}' must map rule names to field names`, p);
      const m: Record<string, string> = {};
      for (const [ref, f] of Object.entries(mapping)) {
        if (typeof f !== 'string' || f.trim() === '') fail(`alias '${alias}': the field for rule '${ref}' must be a field name`, [...p, ref]);
        m[ref] = f.trim();
      }
      rawAliases[alias] = m;
    }
  }

  // `generate` is a top-level attribute in the v2.1 schema; pySigma reads it inside `correlation`. Both accepted.
  let generate = false;
  const top = doc.generate;
  const inner = c.generate;
  for (const [v, p] of [[top, ['generate']], [inner, ['correlation', 'generate']]] as const) {
    if (v !== undefined && v !== null && typeof v !== 'boolean') fail("'generate' must be true or false", p);
  }
  if (typeof top === 'boolean' && typeof inner === 'boolean' && top !== inner) {
    fail("'generate' and 'correlation.generate' disagree", ['correlation', 'generate']);
  }
  if (typeof top === 'boolean') generate = top;
  else if (typeof inner === 'boolean') generate = inner;

  return {
    id,
    ...(name !== undefined ? { name } : {}),
    title: titleRaw.trim(),
    level,
    status,
    description,
    author,
    references,
    falsepositives,
    tags,
    taxonomy,
    file,
    line: null,
    ...(suppressionMs !== undefined ? { suppressionMs } : {}),
    type,
    ruleRefs,
    groupBy,
    timespan,
    timespanMs,
    condition,
    field,
    percentile,
    generate,
    rawAliases,
  };
}

/** Rejects conditions that no value can satisfy, and counts the engine cannot reach. */
function checkSatisfiable(cond: CorrelationCondition, type: CorrelationType, nRules: number): void {
  const p = ['correlation', 'condition'];
  let lo = -Infinity;
  let loStrict = false;
  let hi = Infinity;
  let hiStrict = false;
  if (cond.gte !== undefined && cond.gte > lo) [lo, loStrict] = [cond.gte, false];
  if (cond.gt !== undefined && cond.gt >= lo) [lo, loStrict] = [cond.gt, true];
  if (cond.lte !== undefined && cond.lte < hi) [hi, hiStrict] = [cond.lte, false];
  if (cond.lt !== undefined && cond.lt <= hi) [hi, hiStrict] = [cond.lt, true];
  const inRange = (v: number) => (loStrict ? v > lo : v >= lo) && (hiStrict ? v < hi : v <= hi);
  if (lo > hi || (lo === hi && (loStrict || hiStrict))) fail('the condition can never be true: its lower bound is above its upper bound', p);
  if (cond.eq !== undefined && (!inRange(cond.eq) || cond.neq === cond.eq)) fail('the condition can never be true: eq contradicts the other comparisons', p);
  if (!COUNT_TYPES.includes(type)) return;
  // Counts are whole numbers >= 0 (and, for temporal types, at most the number of rules).
  const max = type === 'temporal' || type === 'temporal_ordered' ? nRules : Infinity;
  if (hi < 0 || (hi === 0 && hiStrict) || (cond.eq !== undefined && cond.eq < 0)) fail('the condition can never be true: a count is never negative', p);
  if (lo > max || (lo === max && loStrict) || (cond.eq !== undefined && cond.eq > max)) {
    fail(`the condition can never be true: ${type} counts the referenced rules seen, at most ${nRules}`, p);
  }
  for (const op of CONDITION_OPERATORS) {
    const v = cond[op];
    if (v !== undefined && v > MAX_COUNT_THRESHOLD) {
      fail(`count thresholds above ${MAX_COUNT_THRESHOLD} are not supported (the engine tracks at most that many events per group)`, [...p, op]);
    }
  }
}

/** Ids and names of the non-correlation documents of a file, to explain references to rules that did not load. */
function ruleIdentity(doc: Document): { id: string | null; name: string | null } {
  if (!isMap(doc.contents)) return { id: null, name: null };
  const get = (k: string) => {
    const v = doc.get(k);
    return typeof v === 'string' || typeof v === 'number' ? String(v).trim() : null;
  };
  return { id: get('id'), name: get('name') };
}

/**
 * Picks the correlation documents out of rule files and loads them. `detectionRules` are the rules they may
 * reference (normally `loadRuleset(...).rules`, plus YARA rules if those should be referable by id).
 */
export function compileCorrelationSources(sources: readonly CorrelationSource[], detectionRules: readonly CompiledRule[]): CorrelationRuleset {
  const errors: CorrelationLoadError[] = [];
  const parsed: ParsedCorrelation[] = [];
  /** Identities of detection documents seen in these files (loaded or not): reference → file. */
  const declared = new Map<string, string>();

  for (const src of sources) {
    const lc = new LineCounter();
    const docs = parseAllDocuments(src.text, { lineCounter: lc, prettyErrors: true, uniqueKeys: true });
    const list = (Array.isArray(docs) ? docs : []).filter((d) => d.contents !== null || d.errors.length > 0);
    list.forEach((doc, index) => {
      const isCorrelation = isMap(doc.contents) && doc.contents.items.some((p) => isScalar(p.key) && p.key.value === 'correlation');
      if (doc.errors.length > 0) {
        // Files loadRuleset also reads have their syntax errors reported there.
        if (src.reportSyntaxErrors) {
          const err = doc.errors[0]!;
          const line = err.linePos?.[0]?.line ?? lc.linePos(err.pos[0]).line;
          errors.push({ file: src.file, line, message: `YAML syntax error: ${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}` });
        }
        return;
      }
      if (!isCorrelation) {
        const who = ruleIdentity(doc);
        if (who.id) declared.set(who.id.toLowerCase(), src.file);
        if (who.name) declared.set(who.name, src.file);
        return;
      }
      const lineOf = (p: YamlPath) => lineOfPath(doc, p, lc);
      let js: unknown;
      try {
        js = doc.toJS({ maxAliasCount: 100 });
      } catch (err) {
        errors.push({ file: src.file, line: lineOf(['correlation']), message: `YAML error: ${err instanceof Error ? err.message : String(err)}` });
        return;
      }
      const fallbackId = list.length > 1 ? `${src.file}#${index + 1}` : src.file;
      try {
        const r = parseCorrelationDocument(js as Record<string, unknown>, src.file, fallbackId);
        const { rawAliases, ...rule } = r;
        rule.line = lineOf(['correlation']);
        parsed.push({ rule, rawAliases, lineOf, idLine: lineOf(['id']) ?? rule.line });
      } catch (err) {
        // References to it then say it did not load, rather than that it does not exist.
        const who = ruleIdentity(doc);
        if (who.id) declared.set(who.id.toLowerCase(), src.file);
        if (who.name) declared.set(who.name, src.file);
        if (err instanceof SigmaRuleError) errors.push({ file: src.file, line: lineOf(err.path) ?? lineOf(['correlation']), message: err.message });
        else errors.push({ file: src.file, line: lineOf(['correlation']), message: `internal error: ${err instanceof Error ? err.message : String(err)}` });
      }
    });
  }

  const { rules } = resolve(parsed, detectionRules, declared, errors);
  // Reported in file order, then by line.
  const order = new Map(sources.map((s, i) => [s.file, i]));
  errors.sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || (a.line ?? 0) - (b.line ?? 0));
  return { rules, errors };
}

/** Resolves references, rejects duplicates, unknown references and cycles, and computes chain depths. */
function resolve(
  parsed: ParsedCorrelation[],
  detectionRules: readonly CompiledRule[],
  declared: ReadonlyMap<string, string>,
  errors: CorrelationLoadError[],
): { rules: CorrelationRule[] } {
  const reject = (p: ParsedCorrelation, at: YamlPath, message: string) => {
    p.rejected = true;
    errors.push({ file: p.rule.file, line: p.lineOf(at) ?? p.rule.line, message });
  };

  const detById = new Map<string, CompiledRule>();
  const detByName = new Map<string, CompiledRule>();
  for (const r of detectionRules) {
    if (!detById.has(r.id.toLowerCase())) detById.set(r.id.toLowerCase(), r);
    if (r.name !== undefined && !detByName.has(r.name)) detByName.set(r.name, r);
  }

  // Unique ids and names (first in path order wins, as for detection rules).
  const corrById = new Map<string, ParsedCorrelation>();
  const corrByName = new Map<string, ParsedCorrelation>();
  for (const p of parsed) {
    const key = p.rule.id.toLowerCase();
    const det = detById.get(key);
    if (det) {
      reject(p, ['id'], `duplicate rule id '${p.rule.id}': already used by the detection rule in ${det.file}`);
      continue;
    }
    const first = corrById.get(key);
    if (first) {
      reject(p, ['id'], `duplicate rule id '${p.rule.id}': already defined in ${first.rule.file}`);
      continue;
    }
    if (p.rule.name !== undefined) {
      const clash = detByName.get(p.rule.name)?.file ?? corrByName.get(p.rule.name)?.rule.file;
      if (clash !== undefined) {
        reject(p, ['name'], `duplicate rule name '${p.rule.name}': already used in ${clash}`);
        continue;
      }
      corrByName.set(p.rule.name, p);
    }
    corrById.set(key, p);
  }

  type Target = { kind: 'detection'; rule: CompiledRule } | { kind: 'correlation'; p: ParsedCorrelation };
  const lookup = (ref: string): Target | null => {
    const det = detById.get(ref.toLowerCase());
    if (det) return { kind: 'detection', rule: det };
    const c = corrById.get(ref.toLowerCase());
    if (c) return { kind: 'correlation', p: c };
    const dn = detByName.get(ref);
    if (dn) return { kind: 'detection', rule: dn };
    const cn = corrByName.get(ref);
    if (cn) return { kind: 'correlation', p: cn };
    return null;
  };

  const live = parsed.filter((p) => !p.rejected);
  const targets = new Map<ParsedCorrelation, Target[]>();
  for (const p of live) {
    const ts: Target[] = [];
    for (let i = 0; i < p.rule.ruleRefs.length && !p.rejected; i++) {
      const ref = p.rule.ruleRefs[i]!;
      const t = lookup(ref);
      if (t === null) {
        const file = declared.get(ref) ?? declared.get(ref.toLowerCase());
        reject(
          p,
          ['correlation', 'rules', i],
          file !== undefined
            ? `referenced rule '${ref}' (in ${file}) did not load: see the error reported for it`
            : `unknown rule '${ref}': no loaded detection or correlation rule has this id or name`,
        );
      } else if (t.kind === 'correlation' && t.p === p) {
        reject(p, ['correlation', 'rules', i], `correlation cycle: '${ref}' references itself`);
      } else {
        const same = ts.findIndex((o) => (o.kind === 'detection' ? o.rule : o.p) === (t.kind === 'detection' ? t.rule : t.p));
        if (same >= 0) reject(p, ['correlation', 'rules', i], `'${ref}' and '${p.rule.ruleRefs[same]}' are the same rule`);
        else ts.push(t);
      }
    }
    if (!p.rejected) targets.set(p, ts);
  }

  // Cycles among correlations (references to rejected ones are handled below).
  const state = new Map<ParsedCorrelation, 'visiting' | 'done'>();
  const stack: ParsedCorrelation[] = [];
  const inCycle = new Map<ParsedCorrelation, string>();
  const visit = (p: ParsedCorrelation) => {
    state.set(p, 'visiting');
    stack.push(p);
    for (const t of targets.get(p) ?? []) {
      if (t.kind !== 'correlation' || !targets.has(t.p)) continue;
      const s = state.get(t.p);
      if (s === 'visiting') {
        const cycle = stack.slice(stack.indexOf(t.p));
        const text = [...cycle, t.p].map((c) => c.rule.name ?? c.rule.id).join(' → ');
        for (const c of cycle) if (!inCycle.has(c)) inCycle.set(c, text);
      } else if (s === undefined) visit(t.p);
    }
    stack.pop();
    state.set(p, 'done');
  };
  for (const p of targets.keys()) if (!state.has(p)) visit(p);
  for (const [p, text] of inCycle) {
    reject(p, ['correlation', 'rules'], `correlation cycle: ${text} (a correlation cannot depend on itself)`);
    targets.delete(p);
  }

  // References to correlations that were rejected, until nothing changes.
  for (let changed = true; changed; ) {
    changed = false;
    for (const [p, ts] of targets) {
      const i = ts.findIndex((t) => t.kind === 'correlation' && t.p.rejected);
      if (i < 0) continue;
      const t = ts[i] as { kind: 'correlation'; p: ParsedCorrelation };
      reject(p, ['correlation', 'rules', i], `referenced correlation '${p.rule.ruleRefs[i]}' (in ${t.p.rule.file}) did not load`);
      targets.delete(p);
      changed = true;
    }
  }

  // Aliases and group-by against what the referenced rules provide.
  const out = new Map<ParsedCorrelation, CorrelationRule>();
  for (const [p, ts] of targets) {
    const ids = ts.map((t) => (t.kind === 'detection' ? t.rule.id : t.p.rule.id));
    const aliases: Record<string, Record<string, string>> = {};
    let ok = true;
    for (const [alias, mapping] of Object.entries(p.rawAliases)) {
      aliases[alias] = {};
      for (const [ref, f] of Object.entries(mapping)) {
        const t = lookup(ref);
        const rid = t === null ? null : t.kind === 'detection' ? t.rule.id : t.p.rule.id;
        if (rid === null || !ids.includes(rid)) {
          reject(p, ['correlation', 'aliases', alias, ref], `alias '${alias}' names rule '${ref}', which is not in 'correlation.rules'`);
          ok = false;
          break;
        }
        aliases[alias]![rid] = f;
      }
      if (!ok) break;
    }
    if (!ok) continue;
    // A referenced correlation's firings carry only its own group-by fields.
    for (let i = 0; i < ts.length && ok; i++) {
      const t = ts[i]!;
      if (t.kind !== 'correlation') continue;
      const provided = t.p.rule.groupBy;
      const needed = [...p.rule.groupBy, ...(p.rule.field ?? [])];
      for (const g of needed) {
        const f = aliases[g]?.[t.p.rule.id] ?? g;
        if (!provided.includes(f)) {
          const at: YamlPath = p.rule.groupBy.includes(g) ? ['correlation', 'group-by', p.rule.groupBy.indexOf(g)] : ['correlation', 'condition', 'field'];
          reject(
            p,
            at,
            `field '${f}' is not a group-by field of the referenced correlation '${p.rule.ruleRefs[i]}' (${provided.join(', ') || 'none'}), so its firings never carry it`,
          );
          ok = false;
          break;
        }
      }
    }
    if (!ok) continue;
    const { taxonomy, ...rest } = p.rule;
    let category = categoryForRule({ tags: p.rule.tags, taxonomy });
    if (category === 'other') {
      // Without its own class, a correlation takes the first class its referenced rules have.
      for (const t of ts) {
        const c = t.kind === 'detection' ? t.rule.category : categoryForRule({ tags: t.p.rule.tags, taxonomy: t.p.rule.taxonomy });
        if (c !== 'other') {
          category = c;
          break;
        }
      }
    }
    out.set(p, { ...rest, rules: ids, aliases, category, depth: 0 });
  }

  // Dependents of correlations rejected at the alias / group-by stage.
  for (let changed = true; changed; ) {
    changed = false;
    for (const [p] of out) {
      const ts = targets.get(p)!;
      const i = ts.findIndex((t) => t.kind === 'correlation' && !out.has(t.p));
      if (i < 0) continue;
      reject(p, ['correlation', 'rules', i], `referenced correlation '${p.rule.ruleRefs[i]}' did not load`);
      out.delete(p);
      changed = true;
    }
  }

  // Depth: 0 for correlations of detection rules only; chains go deeper. The graph is acyclic here.
  const depthOf = (p: ParsedCorrelation): number => {
    const r = out.get(p)!;
    if (r.depth > 0 || !targets.get(p)!.some((t) => t.kind === 'correlation')) return r.depth;
    let d = 0;
    for (const t of targets.get(p)!) if (t.kind === 'correlation') d = Math.max(d, depthOf(t.p) + 1);
    r.depth = d;
    return d;
  };
  const rules: CorrelationRule[] = [];
  for (const p of parsed) {
    if (!out.has(p)) continue;
    depthOf(p);
    rules.push(out.get(p)!);
  }
  return { rules };
}

/** Folders that never hold Sigma documents. */
const SKIPPED_DIRS = new Set(['yara', 'node_modules']);
const TOP_LEVEL_SKIPPED = new Set(['mappings', 'placeholders.yml', 'placeholders.yaml']);

async function listYaml(root: string, errors: CorrelationLoadError[], rel: (p: string) => string, skipTop: ReadonlySet<string>): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
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
      if (dir === root && skipTop.has(e.name)) continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name)) await walk(full);
      } else if ((e.isFile() || e.isSymbolicLink()) && /\.ya?ml$/i.test(e.name)) out.push(full);
    }
  };
  await walk(root);
  return out;
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Loads the correlation rules of a rules directory. Reads the same files as `loadRuleset(dir)`: `<dir>/sigma/**`
 * when `<dir>/sigma` exists (plus `<dir>/correlation/**` when present), else `dir` itself. Paths on rules and errors
 * are relative to `opts.baseDir` (default: the working directory), as with `loadRuleset`.
 *
 * YAML syntax errors are reported only for files under `<dir>/correlation/`: `loadRuleset` reports those of the
 * other files already. Rules with status deprecated / unsupported are loaded (and listed) but the engine does not
 * run them.
 */
export async function loadCorrelationRules(
  dir: string,
  detectionRules: readonly CompiledRule[],
  opts: { baseDir?: string } = {},
): Promise<CorrelationRuleset> {
  const baseDir = path.resolve(opts.baseDir ?? process.cwd());
  const rel = (p: string) => path.relative(baseDir, p).split(path.sep).join('/') || '.';
  const errors: CorrelationLoadError[] = [];
  const absDir = path.resolve(dir);
  const files: { file: string; reportSyntaxErrors: boolean }[] = [];
  if (await isDir(path.join(absDir, 'sigma'))) {
    for (const f of await listYaml(path.join(absDir, 'sigma'), errors, rel, new Set())) files.push({ file: f, reportSyntaxErrors: false });
    const corrDir = path.join(absDir, 'correlation');
    if (await isDir(corrDir)) for (const f of await listYaml(corrDir, errors, rel, new Set())) files.push({ file: f, reportSyntaxErrors: true });
  } else {
    for (const f of await listYaml(absDir, errors, rel, TOP_LEVEL_SKIPPED)) files.push({ file: f, reportSyntaxErrors: false });
  }
  const sources: CorrelationSource[] = [];
  for (const { file, reportSyntaxErrors } of files) {
    try {
      sources.push({ file: rel(file), text: await fs.readFile(file, 'utf8'), reportSyntaxErrors });
    } catch (err) {
      if (reportSyntaxErrors) errors.push({ file: rel(file), line: null, message: `cannot read file: ${(err as Error).message}` });
    }
  }
  const res = compileCorrelationSources(sources, detectionRules);
  return { rules: res.rules, errors: [...errors, ...res.errors] };
}

/** Whether the engine runs this rule (deprecated / unsupported ones are loaded but not run). */
export function isActiveCorrelation(c: Pick<CorrelationRule, 'status'>): boolean {
  return !(c.status !== null && INACTIVE_STATUSES.includes(c.status));
}

/**
 * The ids of rules (detection or correlation) that must NOT raise alerts on their own: every rule referenced by
 * an active correlation, unless at least one active correlation referencing it says `generate: true` (Sigma's
 * default is that referenced rules only feed the correlation). Their hits still go to the correlation engine.
 * pySigma silences a rule as soon as one correlation without `generate` references it; here an explicit
 * `generate: true` on any referencing correlation wins.
 */
export function silencedRuleIds(correlations: readonly CorrelationRule[]): Set<string> {
  const referenced = new Set<string>();
  const generated = new Set<string>();
  for (const c of correlations) {
    if (!isActiveCorrelation(c)) continue;
    for (const id of c.rules) {
      referenced.add(id);
      if (c.generate) generated.add(id);
    }
  }
  return new Set([...referenced].filter((id) => !generated.has(id)));
}

/**
 * A correlation rule presented as a detection rule, so the pipeline records its firings like any alert. It never
 * matches events by itself; `groupBy` is the correlation's group-by (resolved to field names by the engine).
 */
export function asCompiledRule(c: CorrelationRule): CompiledRule {
  return {
    id: c.id,
    ...(c.name !== undefined ? { name: c.name } : {}),
    title: c.title,
    level: c.level,
    status: c.status,
    description: c.description,
    author: c.author,
    references: c.references,
    falsepositives: c.falsepositives,
    tags: c.tags,
    logsource: {},
    file: c.file,
    groupBy: c.groupBy,
    ...(c.suppressionMs !== undefined ? { suppressionMs: c.suppressionMs } : {}),
    category: c.category,
    matches: () => false,
  };
}
