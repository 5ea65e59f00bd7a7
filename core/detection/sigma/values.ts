/**
 * One detection item (`Field|mod1|mod2: value(s)`, or a keyword list) compiled into a closure over event fields.
 * Everything that depends only on the rule (modifier checks, encodings, wildcard analysis, regexes, CIDRs) happens
 * here, once; the returned closures only read the event.
 */
import { SigmaRuleError, type YamlPath } from './errors.js';
import { base64, base64Offsets, utf16bom, utf16be, utf16le, windashPositions, WINDASH_CHARS } from './encoding.js';
import { compileGetter, numberOf, scalarString, someStringValue, type Fields, type Getter } from './fields.js';
import { ipInCidrs, parseCidr, type Cidr } from './ip.js';
import { patternsReq, reqAnd, reqOr, withReq, type Req } from './literals.js';
import {
  compileStringTest,
  hasWildcards,
  literalPattern,
  literalText,
  lower,
  parseSigmaString,
  withPosition,
  type Pattern,
  type Position,
  type StrTest,
} from './pattern.js';

export type Matcher = (fields: Fields) => boolean;
type ValueTest = (v: unknown) => boolean;

export interface ValueContext {
  /** Values for `%name%` placeholders of the `expand` modifier. */
  placeholders?: Readonly<Record<string, readonly string[]>>;
}

type Transform = 'base64' | 'base64offset' | 'utf16le' | 'utf16be' | 'utf16' | 'windash' | 'expand';
type ValueType = 'str' | 're' | 'cidr' | 'exists' | 'fieldref' | 'cmp';
type Cmp = 'gt' | 'gte' | 'lt' | 'lte';
type TimePart = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';

const TRANSFORMS: Record<string, Transform> = {
  base64: 'base64',
  base64offset: 'base64offset',
  utf16le: 'utf16le',
  wide: 'utf16le',
  utf16be: 'utf16be',
  utf16: 'utf16',
  windash: 'windash',
  expand: 'expand',
};
const TIME_PARTS: readonly string[] = ['minute', 'hour', 'day', 'week', 'month', 'year'];
const CMPS: readonly string[] = ['gt', 'gte', 'lt', 'lte'];

export const SUPPORTED_MODIFIERS: readonly string[] = [
  'contains', 'startswith', 'endswith', 'all', 'cased', 'exists', 'neq', 're', 'i', 'm', 's', 'cidr',
  'gt', 'gte', 'lt', 'lte', 'base64', 'base64offset', 'utf16le', 'utf16be', 'utf16', 'wide', 'windash',
  'fieldref', 'expand', ...TIME_PARTS,
];

interface Mods {
  key: string;
  field: string;
  names: string[];
  transforms: Transform[];
  position: Position | null;
  type: ValueType;
  cmp: Cmp | null;
  time: TimePart | null;
  all: boolean;
  cased: boolean;
  neq: boolean;
  reFlags: string;
}

function parseKey(key: string, path: YamlPath): Mods {
  const [field, ...names] = key.split('|');
  const m: Mods = {
    key,
    field: field!,
    names,
    transforms: [],
    position: null,
    type: 'str',
    cmp: null,
    time: null,
    all: false,
    cased: false,
    neq: false,
    reFlags: '',
  };
  const setType = (t: ValueType, name: string) => {
    if (m.type !== 'str' && m.type !== t) {
      throw new SigmaRuleError(`modifiers '${m.type}' and '${name}' cannot be combined in '${key}'`, path);
    }
    m.type = t;
  };
  for (const name of names) {
    if (name === '') throw new SigmaRuleError(`empty modifier in '${key}' (stray '|')`, path);
    if (name === 'contains' || name === 'startswith' || name === 'endswith') {
      if (m.position !== null && m.position !== name) {
        throw new SigmaRuleError(`modifiers '${m.position}' and '${name}' cannot be combined in '${key}'`, path);
      }
      m.position = name;
    } else if (name === 'all') m.all = true;
    else if (name === 'cased') m.cased = true;
    else if (name === 'neq') m.neq = true;
    else if (name === 're') setType('re', name);
    else if (name === 'i' || name === 'm' || name === 's') {
      if (!m.reFlags.includes(name)) m.reFlags += name;
    } else if (name === 'cidr' || name === 'exists' || name === 'fieldref') setType(name, name);
    else if (CMPS.includes(name)) {
      if (m.cmp !== null) {
        throw new SigmaRuleError(`modifiers '${m.cmp}' and '${name}' cannot be combined in '${key}'`, path);
      }
      m.cmp = name as Cmp;
    } else if (TIME_PARTS.includes(name)) {
      if (m.time !== null) {
        throw new SigmaRuleError(`modifiers '${m.time}' and '${name}' cannot be combined in '${key}'`, path);
      }
      m.time = name as TimePart;
    } else if (Object.hasOwn(TRANSFORMS, name)) m.transforms.push(TRANSFORMS[name]!);
    else {
      throw new SigmaRuleError(
        `unknown value modifier '${name}' in '${key}' (supported: ${SUPPORTED_MODIFIERS.join(', ')})`,
        path,
      );
    }
  }

  // Combinations that have no meaning.
  if (m.reFlags !== '' && m.type !== 're') {
    throw new SigmaRuleError(`'${m.reFlags[0]}' is a sub-modifier of 're' and needs 're' in '${key}'`, path);
  }
  if (m.cmp !== null || m.time !== null) {
    if (m.type !== 'str') {
      throw new SigmaRuleError(`'${m.cmp ?? m.time}' cannot be combined with '${m.type}' in '${key}'`, path);
    }
    m.type = 'cmp';
  }
  const nonString = m.type === 're' || m.type === 'cidr' || m.type === 'exists' || m.type === 'cmp';
  if (m.position !== null && nonString) {
    throw new SigmaRuleError(`'${m.position}' cannot be combined with '${m.time ?? m.cmp ?? m.type}' in '${key}'`, path);
  }
  if (m.transforms.length > 0 && m.type !== 'str') {
    throw new SigmaRuleError(
      `'${m.transforms[0]}' cannot be combined with '${m.time ?? m.cmp ?? m.type}' in '${key}'`,
      path,
    );
  }
  if (m.type === 'exists' && (names.length > 1 || m.neq)) {
    throw new SigmaRuleError(`'exists' takes no other modifier in '${key}'`, path);
  }
  if (m.cased && (m.type === 'cidr' || m.type === 'cmp' || m.type === 'exists')) {
    throw new SigmaRuleError(`'cased' has no meaning with '${m.time ?? m.cmp ?? m.type}' in '${key}'`, path);
  }
  return m;
}

// ---------------------------------------------------------------------------------------------------------------
// String values through the transformation modifiers.

type Val = { kind: 'pat'; p: Pattern } | { kind: 'bytes'; b: Buffer };

const MAX_VARIANTS = 4096;

function plainText(v: Val, t: string, key: string, path: YamlPath): string | Buffer {
  if (v.kind === 'bytes') return v.b;
  if (hasWildcards(v.p)) {
    throw new SigmaRuleError(
      `'${t}' cannot encode a value with wildcards in '${key}' (escape * and ? as \\* and \\?, or use contains)`,
      path,
    );
  }
  return literalText(v.p);
}

function applyTransform(t: Transform, v: Val, key: string, path: YamlPath): Val[] {
  switch (t) {
    case 'base64':
    case 'base64offset': {
      const src = plainText(v, t, key, path);
      const bytes = typeof src === 'string' ? Buffer.from(src, 'utf8') : src;
      const texts = t === 'base64' ? [base64(bytes)] : base64Offsets(bytes);
      return texts.map((s) => ({ kind: 'pat', p: literalPattern(s) }));
    }
    case 'utf16le':
    case 'utf16be':
    case 'utf16': {
      const src = plainText(v, t, key, path);
      if (typeof src !== 'string') throw new SigmaRuleError(`'${t}' applied twice in '${key}'`, path);
      const b = t === 'utf16le' ? utf16le(src) : t === 'utf16be' ? utf16be(src) : utf16bom(src);
      return [{ kind: 'bytes', b }];
    }
    case 'windash': {
      if (v.kind === 'bytes') throw new SigmaRuleError(`'windash' must come before encodings in '${key}'`, path);
      return windashVariants(v.p, key, path).map((p) => ({ kind: 'pat', p }));
    }
    case 'expand':
      return [v]; // handled on the raw text, before wildcard parsing
  }
}

/** Every permutation of the flag characters of a pattern's literal parts. */
function windashVariants(p: Pattern, key: string, path: YamlPath): Pattern[] {
  const slots: { part: number; index: number }[] = [];
  p.forEach((part, i) => {
    if (typeof part === 'string') for (const index of windashPositions(part)) slots.push({ part: i, index });
  });
  if (slots.length === 0) return [p];
  if (slots.length > 5) {
    throw new SigmaRuleError(`'windash' value has ${slots.length} flag characters (at most 5) in '${key}'`, path);
  }
  const out: Pattern[] = [];
  const total = WINDASH_CHARS.length ** slots.length;
  for (let n = 0; n < total; n++) {
    const parts = p.slice();
    let rest = n;
    for (const slot of slots) {
      const ch = WINDASH_CHARS[rest % WINDASH_CHARS.length]!;
      rest = Math.floor(rest / WINDASH_CHARS.length);
      const s = parts[slot.part] as string;
      parts[slot.part] = s.slice(0, slot.index) + ch + s.slice(slot.index + 1);
    }
    out.push(parts);
  }
  return out;
}

function expandPlaceholders(raw: string, ctx: ValueContext, key: string, path: YamlPath): string[] {
  let results = [''];
  const re = /\\%|%([^%]+)%/g;
  let last = 0;
  for (let m = re.exec(raw); m !== null; m = re.exec(raw)) {
    const between = raw.slice(last, m.index);
    last = m.index + m[0].length;
    if (m[0] === '\\%') {
      results = results.map((r) => r + between + '\\%');
      continue;
    }
    const name = m[1]!;
    const values = ctx.placeholders && Object.hasOwn(ctx.placeholders, name) ? ctx.placeholders[name] : undefined;
    if (!values || values.length === 0) {
      throw new SigmaRuleError(
        `placeholder '%${name}%' in '${key}' has no configured values; configure it or remove 'expand'`,
        path,
      );
    }
    const next: string[] = [];
    for (const r of results) for (const v of values) next.push(r + between + v);
    if (next.length > MAX_VARIANTS) throw new SigmaRuleError(`placeholders in '${key}' expand to too many values`, path);
    results = next;
  }
  const tail = raw.slice(last);
  // `\%` is a plain percent sign; turn it into text the wildcard parser keeps as is.
  return results.map((r) => (r + tail).replace(/\\%/g, '%'));
}

/** The patterns one rule value stands for (several after windash / base64offset / expand). */
function valuePatterns(value: string, m: Mods, ctx: ValueContext, path: YamlPath, position: Position | null): Pattern[] {
  const raws = m.transforms.includes('expand') ? expandPlaceholders(value, ctx, m.key, path) : [value];
  let vals: Val[] = raws.map((r) => ({ kind: 'pat', p: parseSigmaString(r) }));
  for (const t of m.transforms) {
    const next: Val[] = [];
    for (const v of vals) next.push(...applyTransform(t, v, m.key, path));
    if (next.length > MAX_VARIANTS) throw new SigmaRuleError(`'${m.key}' expands to too many values`, path);
    vals = next;
  }
  return vals.map((v) => withPosition(v.kind === 'pat' ? v.p : literalPattern(v.b.toString('latin1')), position));
}

// ---------------------------------------------------------------------------------------------------------------

function arrayAware(test: ValueTest): ValueTest {
  return (v) => {
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (v[i] != null && test(v[i])) return true;
      return false;
    }
    return test(v);
  };
}

function stringValueTest(st: StrTest, nums: readonly number[]): ValueTest {
  const numSet = nums.length > 0 ? new Set(nums) : null;
  if (numSet === null) {
    return (v) => {
      const s = scalarString(v);
      return s !== null && st(s);
    };
  }
  return (v) => {
    if (typeof v === 'number') return numSet.has(v) || st(String(v));
    const s = scalarString(v);
    if (s === null) return false;
    return st(s) || (typeof v === 'string' && numSet.has(numberOf(v)));
  };
}

function andAll<T extends (...args: never[]) => boolean>(tests: T[]): T {
  if (tests.length === 1) return tests[0]!;
  return ((...args: Parameters<T>) => {
    for (let i = 0; i < tests.length; i++) if (!tests[i]!(...args)) return false;
    return true;
  }) as T;
}

function orAny<T extends (...args: never[]) => boolean>(tests: T[]): T {
  if (tests.length === 1) return tests[0]!;
  return ((...args: Parameters<T>) => {
    for (let i = 0; i < tests.length; i++) if (tests[i]!(...args)) return true;
    return false;
  }) as T;
}

function compileRegExp(src: string, flags: string, key: string, path: YamlPath): RegExp {
  let body = src;
  let f = flags;
  // PCRE-style leading inline flags, common in Sigma rules: (?i), (?s), (?m) and combinations.
  const inline = /^\(\?([a-zA-Z]+)\)/.exec(body);
  if (inline) {
    for (const ch of inline[1]!) {
      if (ch !== 'i' && ch !== 'm' && ch !== 's') {
        throw new SigmaRuleError(`unsupported inline regex flag '(?${inline[1]})' in '${key}'`, path);
      }
      if (!f.includes(ch)) f += ch;
    }
    body = body.slice(inline[0].length);
  }
  try {
    return new RegExp(body, f);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new SigmaRuleError(`invalid regular expression in '${key}': ${reason}`, path);
  }
}

function isoWeek(d: Date): number {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  return Math.ceil(((t.getTime() - yearStart) / 86400000 + 1) / 7);
}

function timePartOf(v: unknown, part: TimePart): number {
  let ms: number;
  if (typeof v === 'number') ms = v;
  else if (typeof v === 'string') ms = Date.parse(v);
  else if (v instanceof Date) ms = v.getTime();
  else return NaN;
  if (Number.isNaN(ms)) return NaN;
  const d = new Date(ms);
  switch (part) {
    case 'minute':
      return d.getUTCMinutes();
    case 'hour':
      return d.getUTCHours();
    case 'day':
      return d.getUTCDate();
    case 'week':
      return isoWeek(d);
    case 'month':
      return d.getUTCMonth() + 1;
    case 'year':
      return d.getUTCFullYear();
  }
}

type Scalar = string | number | boolean;

/** Checks the value list and returns it as an array (a single value is a list of one). */
function valueList(value: unknown, key: string, path: YamlPath): (Scalar | null)[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new SigmaRuleError(`'${key}' has an empty value list`, path);
  list.forEach((v, i) => {
    if (v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw new SigmaRuleError(
        `'${key}' values must be strings, numbers, booleans or null, not ${Array.isArray(v) ? 'a list' : 'a mapping'}`,
        Array.isArray(value) ? [...path, i] : path,
      );
    }
  });
  return list as (Scalar | null)[];
}

function valuePath(path: YamlPath, list: boolean, i: number): YamlPath {
  return list ? [...path, i] : path;
}

/**
 * Builds the per-value tests of a field item; `all` = AND over them, otherwise one OR test. `req` receives the
 * item's required literals (see literals.ts) when it has any.
 */
function valueTests(
  m: Mods,
  values: Scalar[],
  isList: boolean,
  path: YamlPath,
  ctx: ValueContext,
  req: { value: Req },
): ValueTest[] {
  switch (m.type) {
    case 'str': {
      const groups: { patterns: Pattern[]; nums: number[] }[] = values.map((v, i) => {
        if (typeof v === 'number' && m.transforms.length === 0 && m.position === null) {
          return { patterns: [literalPattern(String(v))], nums: Number.isNaN(v) ? [] : [v] };
        }
        return { patterns: valuePatterns(String(v), m, ctx, valuePath(path, isList, i), m.position), nums: [] };
      });
      // A value compared as a number ('01' equals 1) guarantees no literal.
      const groupReqs = groups.map((g) => (g.nums.length > 0 ? null : patternsReq(g.patterns, m.cased, m.field)));
      req.value = m.all ? reqAnd(groupReqs) : reqOr(groupReqs);
      if (m.all) return groups.map((g) => arrayAware(stringValueTest(compileStringTest(g.patterns, m.cased), g.nums)));
      const patterns = groups.flatMap((g) => g.patterns);
      const nums = groups.flatMap((g) => g.nums);
      return [arrayAware(stringValueTest(compileStringTest(patterns, m.cased), nums))];
    }
    case 're': {
      const res = values.map((v, i) => compileRegExp(String(v), m.reFlags, m.key, valuePath(path, isList, i)));
      const tests = res.map((re): ValueTest => (v) => {
        const s = scalarString(v);
        return s !== null && re.test(s);
      });
      return m.all ? tests.map(arrayAware) : [arrayAware(orAny(tests))];
    }
    case 'cidr': {
      const cidrs: Cidr[] = values.map((v, i) => {
        const c = typeof v === 'string' ? parseCidr(v.trim()) : null;
        if (c === null) {
          throw new SigmaRuleError(`invalid CIDR '${String(v)}' in '${m.key}'`, valuePath(path, isList, i));
        }
        return c;
      });
      const test = (list: Cidr[]): ValueTest =>
        arrayAware((v) => typeof v === 'string' && ipInCidrs(v, list));
      return m.all ? cidrs.map((c) => test([c])) : [test(cidrs)];
    }
    case 'cmp': {
      const nums = values.map((v, i) => {
        const n = typeof v === 'number' ? v : typeof v === 'string' ? numberOf(v) : NaN;
        if (Number.isNaN(n)) {
          throw new SigmaRuleError(`'${m.key}' needs numeric values, got '${String(v)}'`, valuePath(path, isList, i));
        }
        return n;
      });
      const time = m.time;
      const read = time === null ? numberOf : (v: unknown) => timePartOf(v, time);
      const tests = nums.map((x): ValueTest => {
        switch (m.cmp) {
          case 'gt':
            return (v) => read(v) > x;
          case 'gte':
            return (v) => read(v) >= x;
          case 'lt':
            return (v) => read(v) < x;
          case 'lte':
            return (v) => read(v) <= x;
          default:
            return (v) => read(v) === x;
        }
      });
      return m.all ? tests.map(arrayAware) : [arrayAware(orAny(tests))];
    }
    case 'exists':
    case 'fieldref':
      throw new Error('unreachable');
  }
}

/** Compiles one `key: value` item of a detection map. */
export function compileFieldItem(key: string, value: unknown, path: YamlPath, ctx: ValueContext): Matcher {
  const m = parseKey(key, path);
  const values = valueList(value, key, path);
  const isList = Array.isArray(value);
  if (m.field === '') return compileKeywordItem(m, values, isList, path, ctx);

  const get = compileGetter(m.field);
  const hasNull = values.includes(null);
  const nonNull = values.filter((v): v is Scalar => v !== null);
  if (hasNull && m.names.length > 0) {
    throw new SigmaRuleError(`null cannot take modifiers in '${key}' (use '${m.field}|exists: false')`, path);
  }
  if (nonNull.length === 0) return (f) => get(f) == null;

  if (m.type === 'exists') {
    if (values.length !== 1 || typeof values[0] !== 'boolean') {
      throw new SigmaRuleError(`'${key}' needs a single true or false`, path);
    }
    const want = values[0];
    return (f) => (get(f) !== undefined) === want;
  }

  if (m.type === 'fieldref') return compileFieldRef(m, get, nonNull, isList, path);

  const req: { value: Req } = { value: null };
  const tests = valueTests(m, nonNull, isList, path, ctx, req);
  const test = andAll(tests);
  if (m.neq) {
    return (f) => {
      const v = get(f);
      return v != null && !test(v);
    };
  }
  if (hasNull) {
    return (f) => {
      const v = get(f);
      return v == null || test(v);
    };
  }
  return withReq((f: Fields) => {
    const v = get(f);
    return v != null && test(v);
  }, req.value);
}

function compileFieldRef(m: Mods, get: Getter, values: Scalar[], isList: boolean, path: YamlPath): Matcher {
  const refs = values.map((v, i) => {
    if (typeof v !== 'string' || v === '') {
      throw new SigmaRuleError(`'${m.key}' needs field names as values`, valuePath(path, isList, i));
    }
    return compileGetter(v);
  });
  const norm = m.cased ? (s: string) => s : lower;
  const pos = m.position;
  const cmp = (a: string, b: string): boolean => {
    const x = norm(a);
    const y = norm(b);
    return pos === null ? x === y : pos === 'contains' ? x.includes(y) : pos === 'startswith' ? x.startsWith(y) : x.endsWith(y);
  };
  const one = (ref: Getter) => (v: unknown, f: Fields): boolean => {
    const other = scalarString(ref(f));
    if (other === null) return false;
    if (Array.isArray(v)) {
      for (const x of v) {
        const s = scalarString(x);
        if (s !== null && cmp(s, other)) return true;
      }
      return false;
    }
    const s = scalarString(v);
    return s !== null && cmp(s, other);
  };
  const tests = refs.map(one);
  const test = m.all ? andAll(tests) : orAny(tests);
  if (m.neq) {
    return (f) => {
      const v = get(f);
      return v != null && !test(v, f);
    };
  }
  return (f) => {
    const v = get(f);
    return v != null && test(v, f);
  };
}

function compileKeywordItem(m: Mods, values: (Scalar | null)[], isList: boolean, path: YamlPath, ctx: ValueContext): Matcher {
  if (m.type !== 'str' && m.type !== 're') {
    throw new SigmaRuleError(`'${m.time ?? m.cmp ?? m.type}' needs a field name in '${m.key}'`, path);
  }
  if (m.neq) throw new SigmaRuleError(`'neq' needs a field name in '${m.key}'`, path);
  if (values.includes(null)) throw new SigmaRuleError(`a keyword cannot be null in '${m.key}'`, path);
  const scalars = values as Scalar[];
  let tests: StrTest[];
  let req: Req = null;
  if (m.type === 're') {
    tests = scalars.map((v, i) => {
      const re = compileRegExp(String(v), m.reFlags, m.key, valuePath(path, isList, i));
      return (s: string) => re.test(s);
    });
    if (!m.all) tests = [orAny(tests)];
  } else {
    // A keyword is found anywhere inside a value unless startswith / endswith say otherwise.
    const position = m.position ?? 'contains';
    const groups = scalars.map((v, i) => valuePatterns(String(v), m, ctx, valuePath(path, isList, i), position));
    tests = m.all ? groups.map((g) => compileStringTest(g, m.cased)) : [compileStringTest(groups.flat(), m.cased)];
    const groupReqs = groups.map((g) => patternsReq(g, m.cased, null));
    req = m.all ? reqAnd(groupReqs) : reqOr(groupReqs);
  }
  if (tests.length === 1) {
    const t = tests[0]!;
    return withReq((f: Fields) => someStringValue(f, t), req);
  }
  return withReq((f: Fields) => {
    for (let i = 0; i < tests.length; i++) if (!someStringValue(f, tests[i]!)) return false;
    return true;
  }, req);
}

/** Compiles a plain keyword list (a search identifier that is a list of strings). */
export function compileKeywords(values: Scalar[], path: YamlPath, ctx: ValueContext): Matcher {
  return compileKeywordItem(parseKey('', path), values, true, path, ctx);
}
