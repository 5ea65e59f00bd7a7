/**
 * Sigma filters (Sigma filters specification v2.1): tuning applied to many rules at once without editing them.
 *
 * ```yaml
 * title: Domain controllers are noisy for these rules
 * id: 6a0c2e8e-...            # optional
 * logsource:                  # the filter applies to rules whose logsource it covers
 *     product: windows
 * filter:
 *     rules:                  # rule ids or names (or 'any' for every rule the logsource covers)
 *         - 5d8fd9da-6916-45ef-8d4d-3fa9d19d1a64
 *     selection:
 *         ComputerName|startswith: 'DC-'
 *     condition: not selection
 * ```
 *
 * Semantics (as pySigma applies filters): the filter's condition is ANDed to the rule's, so a rule fires only when
 * the event also satisfies the filter's condition. `condition: not selection` therefore drops the events the
 * selection describes.
 */
import type { Logsource } from '../../domain/event.js';
import type { CompiledRule } from '../rule.js';
import { compileDetection } from '../sigma/detection.js';
import { SigmaRuleError } from '../sigma/errors.js';
import type { Fields } from '../sigma/fields.js';
import type { ValueContext } from '../sigma/values.js';

export interface CompiledFilter {
  id: string;
  title: string;
  description: string | null;
  /** Repository-relative path of the file the filter came from. */
  file: string;
  /** The rules the filter may apply to: every key set here must equal the rule's (case-insensitively). */
  logsource: Logsource;
  /** Rule ids or names the filter applies to (lowercased ids compare case-insensitively), or 'any'. */
  rules: 'any' | readonly string[];
  /** The filter's condition over the event's fields: the rule still fires only when it is true. */
  condition(fields: Fields): boolean;
}

export interface CompileFilterOptions extends ValueContext {
  file: string;
  /** Id used when the filter has none. */
  fallbackId: string;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A Sigma filter document: it has a `filter` section and no `detection`. */
export function isFilterDocument(doc: unknown): boolean {
  return isPlainObject(doc) && Object.hasOwn(doc, 'filter') && !Object.hasOwn(doc, 'detection');
}

const LOGSOURCE_KEYS = ['product', 'category', 'service'] as const;

/** Compiles one filter document. Throws SigmaRuleError (with the path of the offending key) when it is invalid. */
export function compileFilter(doc: unknown, opts: CompileFilterOptions): CompiledFilter {
  if (!isPlainObject(doc)) throw new SigmaRuleError('a Sigma filter must be a YAML map');

  const titleRaw = doc.title;
  if (titleRaw === undefined || titleRaw === null) throw new SigmaRuleError("missing 'title'");
  if (typeof titleRaw !== 'string' || titleRaw.trim() === '') throw new SigmaRuleError("'title' must be a non-empty string", ['title']);
  if (titleRaw.length > 256) throw new SigmaRuleError("'title' is longer than 256 characters", ['title']);

  let id = opts.fallbackId;
  if (doc.id !== undefined && doc.id !== null) {
    if (typeof doc.id !== 'string' || doc.id.trim() === '') throw new SigmaRuleError("'id' must be a non-empty string", ['id']);
    if (doc.id.length > 128) throw new SigmaRuleError("'id' is longer than 128 characters", ['id']);
    id = doc.id.trim();
  }

  let description: string | null = null;
  if (doc.description !== undefined && doc.description !== null) {
    if (typeof doc.description !== 'string') throw new SigmaRuleError("'description' must be a string", ['description']);
    description = doc.description;
  }

  if (doc.logsource === undefined || doc.logsource === null) throw new SigmaRuleError("missing 'logsource'");
  const ls = doc.logsource;
  if (!isPlainObject(ls)) throw new SigmaRuleError("'logsource' must be a map (product / category / service)", ['logsource']);
  const logsource: Logsource = {};
  for (const key of LOGSOURCE_KEYS) {
    const v = ls[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' || v.trim() === '') {
      throw new SigmaRuleError(`'logsource.${key}' must be a non-empty string`, ['logsource', key]);
    }
    logsource[key] = v;
  }

  const filter = doc.filter;
  if (filter === undefined || filter === null) throw new SigmaRuleError("missing 'filter'");
  if (!isPlainObject(filter)) throw new SigmaRuleError("'filter' must be a map of 'rules', search identifiers and a 'condition'", ['filter']);

  const rulesRaw = filter.rules;
  let rules: 'any' | string[];
  if (rulesRaw === undefined || rulesRaw === null) {
    throw new SigmaRuleError("'filter' has no 'rules' (list the rule ids or names it applies to, or write 'any')", ['filter']);
  }
  if (typeof rulesRaw === 'string') {
    const t = rulesRaw.trim();
    if (t === '') throw new SigmaRuleError("'filter.rules' must not be empty", ['filter', 'rules']);
    rules = t.toLowerCase() === 'any' || t.toLowerCase() === 'all' ? 'any' : [t];
  } else if (Array.isArray(rulesRaw)) {
    if (rulesRaw.length === 0) {
      throw new SigmaRuleError("'filter.rules' is an empty list (list rule ids or names, or write 'any')", ['filter', 'rules']);
    }
    rules = rulesRaw.map((r, i) => {
      if (typeof r !== 'string' || r.trim() === '') {
        throw new SigmaRuleError("'filter.rules' must be a list of rule ids or names", ['filter', 'rules', i]);
      }
      return r.trim();
    });
  } else {
    throw new SigmaRuleError("'filter.rules' must be a list of rule ids or names, or 'any'", ['filter', 'rules']);
  }

  if (filter.condition !== undefined && typeof filter.condition !== 'string') {
    throw new SigmaRuleError('a filter has exactly one condition, a string', ['filter', 'condition']);
  }
  const condition = compileDetection(filter, { placeholders: opts.placeholders }, ['filter'], ['rules']);

  return {
    id,
    title: titleRaw.trim(),
    description,
    file: opts.file,
    logsource,
    rules: rules === 'any' ? 'any' : rules,
    condition,
  };
}

/** True when every logsource key the filter sets equals the rule's (case-insensitively). */
export function filterCoversLogsource(filter: Pick<CompiledFilter, 'logsource'>, ruleLogsource: Logsource): boolean {
  for (const key of LOGSOURCE_KEYS) {
    const want = filter.logsource[key];
    if (want === undefined) continue;
    const got = ruleLogsource[key];
    if (got === undefined || got.toLowerCase() !== want.toLowerCase()) return false;
  }
  return true;
}

/** True when the filter names the rule (by id, case-insensitively, or by its `name`) or says 'any'. */
export function filterNamesRule(filter: Pick<CompiledFilter, 'rules'>, rule: Pick<CompiledRule, 'id' | 'name'>): boolean {
  if (filter.rules === 'any') return true;
  const id = rule.id.toLowerCase();
  for (const ref of filter.rules) {
    if (ref.toLowerCase() === id || (rule.name !== undefined && ref === rule.name)) return true;
  }
  return false;
}

/** Whether the filter applies to the rule: it names the rule and covers the rule's logsource. */
export function filterAppliesTo(filter: CompiledFilter, rule: Pick<CompiledRule, 'id' | 'name' | 'logsource'>): boolean {
  return filterNamesRule(filter, rule) && filterCoversLogsource(filter, rule.logsource);
}

export interface FilterBindingProblem {
  filter: CompiledFilter;
  message: string;
}

/**
 * Returns the rules with the filters that apply to them attached (`rule.filters`; rules without any are returned
 * as they are, rules with some as copies), and the references that resolve to nothing or to a rule whose logsource
 * the filter does not cover.
 */
export function bindFilters(
  rules: readonly CompiledRule[],
  filters: readonly CompiledFilter[],
): { rules: CompiledRule[]; problems: FilterBindingProblem[] } {
  const problems: FilterBindingProblem[] = [];
  if (filters.length === 0) return { rules: rules.slice(), problems };
  const byRef = new Map<string, CompiledRule[]>();
  const add = (key: string, r: CompiledRule) => {
    const list = byRef.get(key);
    if (list === undefined) byRef.set(key, [r]);
    else list.push(r);
  };
  for (const r of rules) {
    add(`id:${r.id.toLowerCase()}`, r);
    if (r.name !== undefined) add(`name:${r.name}`, r);
  }
  const attached = new Map<CompiledRule, CompiledFilter[]>();
  const attach = (r: CompiledRule, f: CompiledFilter) => {
    const list = attached.get(r);
    if (list === undefined) attached.set(r, [f]);
    else if (!list.includes(f)) list.push(f);
  };
  for (const f of filters) {
    if (f.rules === 'any') {
      for (const r of rules) if (filterCoversLogsource(f, r.logsource)) attach(r, f);
      continue;
    }
    for (const ref of f.rules) {
      const found = [...(byRef.get(`id:${ref.toLowerCase()}`) ?? []), ...(byRef.get(`name:${ref}`) ?? [])];
      if (found.length === 0) {
        problems.push({ filter: f, message: `filter '${f.title}' names rule '${ref}', which is not loaded` });
        continue;
      }
      for (const r of found) {
        if (filterCoversLogsource(f, r.logsource)) attach(r, f);
        else {
          problems.push({
            filter: f,
            message:
              `filter '${f.title}' names rule '${ref}' but its logsource ${JSON.stringify(f.logsource)} does not cover ` +
              `the rule's ${JSON.stringify(r.logsource)}, so it does not apply`,
          });
        }
      }
    }
  }
  const out = rules.map((r) => {
    const fs = attached.get(r);
    if (fs === undefined) return r;
    return { ...r, filters: [...(r.filters ?? []), ...fs.filter((f) => !(r.filters ?? []).includes(f))] };
  });
  return { rules: out, problems };
}

/** True when every filter attached to the rule lets the event through. */
export function passesFilters(filters: readonly CompiledFilter[] | undefined, fields: Fields): boolean {
  if (filters === undefined) return true;
  for (let i = 0; i < filters.length; i++) if (!filters[i]!.condition(fields)) return false;
  return true;
}
