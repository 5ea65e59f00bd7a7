/** The `detection` section: search identifiers (maps, lists, keyword lists) and the condition(s). */
import { compileCondition } from './condition.js';
import { SigmaRuleError, type YamlPath } from './errors.js';
import type { Fields } from './fields.js';
import { reqAnd, reqOf, reqOr, withReq } from './literals.js';
import { compileFieldItem, compileKeywords, type Matcher, type ValueContext } from './values.js';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function compileMap(map: Record<string, unknown>, path: YamlPath, ctx: ValueContext): Matcher {
  const keys = Object.keys(map);
  if (keys.length === 0) throw new SigmaRuleError('a detection map cannot be empty', path);
  const items = keys.map((k) => compileFieldItem(k, map[k], [...path, k], ctx));
  if (items.length === 1) return items[0]!;
  const req = reqAnd(items.map(reqOf));
  if (items.length === 2) {
    const [a, b] = items as [Matcher, Matcher];
    return withReq((f: Fields) => a(f) && b(f), req);
  }
  return withReq((f: Fields) => {
    for (let i = 0; i < items.length; i++) if (!items[i]!(f)) return false;
    return true;
  }, req);
}

/** Compiles one search identifier: a map (AND), a list of maps and/or keywords (OR), or a single keyword. */
export function compileSearchIdentifier(name: string, def: unknown, path: YamlPath, ctx: ValueContext): Matcher {
  if (isPlainObject(def)) return compileMap(def, path, ctx);
  if (typeof def === 'string' || typeof def === 'number') return compileKeywords([def], path, ctx);
  if (!Array.isArray(def)) {
    throw new SigmaRuleError(`search identifier '${name}' must be a map or a list, not ${def === null ? 'null' : typeof def}`, path);
  }
  if (def.length === 0) throw new SigmaRuleError(`search identifier '${name}' is an empty list`, path);
  const keywords: (string | number | boolean)[] = [];
  const alternatives: Matcher[] = [];
  def.forEach((item, i) => {
    if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') keywords.push(item);
    else if (isPlainObject(item)) alternatives.push(compileMap(item, [...path, i], ctx));
    else {
      throw new SigmaRuleError(
        `items of search identifier '${name}' must be keywords or maps, not ${item === null ? 'null' : 'a list'}`,
        [...path, i],
      );
    }
  });
  if (keywords.length > 0) alternatives.unshift(compileKeywords(keywords, path, ctx));
  if (alternatives.length === 1) return alternatives[0]!;
  return withReq((f: Fields) => {
    for (let i = 0; i < alternatives.length; i++) if (alternatives[i]!(f)) return true;
    return false;
  }, reqOr(alternatives.map(reqOf)));
}

/**
 * Compiles the whole detection section into one matcher over event fields. `path` is where the section sits in
 * the document (`['detection']` for rules, `['filter']` for filter documents); `ignore` lists keys of the section
 * that are not search identifiers (a filter's `rules`).
 */
export function compileDetection(
  detection: unknown,
  ctx: ValueContext,
  path: YamlPath = ['detection'],
  ignore: readonly string[] = [],
): Matcher {
  const section = String(path[path.length - 1]);
  if (!isPlainObject(detection)) {
    throw new SigmaRuleError(`'${section}' must be a map of search identifiers and a condition`, path);
  }
  if (!Object.hasOwn(detection, 'condition')) throw new SigmaRuleError(`'${section}' has no 'condition'`, path);
  if (Object.hasOwn(detection, 'timeframe')) {
    throw new SigmaRuleError(
      `'timeframe' inside '${section}' belongs to legacy aggregations; use a Sigma correlation rule with 'timespan' instead`,
      [...path, 'timeframe'],
    );
  }
  const selections = new Map<string, Matcher>();
  for (const [name, def] of Object.entries(detection)) {
    if (name === 'condition' || ignore.includes(name)) continue;
    selections.set(name, compileSearchIdentifier(name, def, [...path, name], ctx));
  }
  if (selections.size === 0) throw new SigmaRuleError(`'${section}' defines no search identifier`, path);

  const cond = detection.condition;
  const condPath: YamlPath = [...path, 'condition'];
  if (typeof cond === 'string') return compileCondition(cond, selections, condPath);
  if (Array.isArray(cond)) {
    if (cond.length === 0) throw new SigmaRuleError('condition list is empty', condPath);
    const parts = cond.map((c, i) => {
      if (typeof c !== 'string') throw new SigmaRuleError('each condition must be a string', [...condPath, i]);
      return compileCondition(c, selections, [...condPath, i]);
    });
    if (parts.length === 1) return parts[0]!;
    return withReq((f: Fields) => {
      for (let i = 0; i < parts.length; i++) if (parts[i]!(f)) return true;
      return false;
    }, reqOr(parts.map(reqOf)));
  }
  throw new SigmaRuleError('condition must be a string or a list of strings', condPath);
}
