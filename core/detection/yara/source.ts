/**
 * A small reader of YARA source text: where each rule starts and ends, its name, modifiers, tags, meta, pattern
 * declarations and condition tokens. The YARA-X compiler stays the judge of whether a file is valid; this reader
 * only gives Vigil what the binding does not expose (rule metadata before any match, exact boolean / escaped meta
 * values, rule spans to build rule subsets) and decides how each rule may be scanned (see `classifyRules`).
 *
 * It never throws: text it does not understand marks the file `opaque`, which makes every rule of the file scan
 * one buffer at a time, the always-correct choice.
 */

export type MetaValue = string | number | boolean;

export type TokenType = 'ident' | 'num' | 'str' | 'regex' | 'var' | 'punct';

export interface Token {
  type: TokenType;
  /** Raw text of the token as written (for `str` the decoded value lives in `value`). */
  text: string;
  /** Decoded value of a `str` token. */
  value?: string;
  start: number;
  end: number;
  /** 1-based line of the token's first character. */
  line: number;
}

export interface PatternDecl {
  /** `$name` as written (`$` alone for an anonymous pattern). */
  id: string;
  kind: 'text' | 'hex' | 'regex';
  /** Pattern modifiers (`nocase`, `wide`, `private`, `base64`, ...). */
  modifiers: string[];
  /** Regular-expression source for `regex` patterns. */
  regex?: string;
  /** Character span of the whole declaration (`$id = ... modifiers`) in the file text. */
  start: number;
  end: number;
}

export interface ParsedRule {
  name: string;
  /** 1-based line of the `rule` keyword. */
  line: number;
  isPrivate: boolean;
  isGlobal: boolean;
  tags: string[];
  meta: Record<string, MetaValue>;
  /** Meta entries in source order (a key may repeat, e.g. several `reference` entries). */
  metaEntries: [string, MetaValue][];
  patterns: PatternDecl[];
  /** Tokens of the condition section. */
  condition: Token[];
  /** Character span of the whole rule (modifiers through closing brace) in the file text. */
  start: number;
  end: number;
}

export interface ParsedYaraFile {
  imports: string[];
  includes: string[];
  rules: ParsedRule[];
  /** The reader met text it does not understand: treat every rule of the file conservatively. */
  opaque: boolean;
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_CHAR = /[A-Za-z0-9_]/;

function decodeYaraString(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '\\' || i + 1 >= raw.length) {
      out += c;
      continue;
    }
    const n = raw[++i]!;
    if (n === 'n') out += '\n';
    else if (n === 't') out += '\t';
    else if (n === 'r') out += '\r';
    else if (n === 'x' && /^[0-9A-Fa-f]{2}$/.test(raw.slice(i + 1, i + 3))) {
      out += String.fromCharCode(parseInt(raw.slice(i + 1, i + 3), 16));
      i += 2;
    } else out += n;
  }
  return out;
}

/** Splits YARA source into tokens, dropping whitespace and comments. Unknown characters become `punct`. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  const len = text.length;
  while (i < len) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    const start = i;
    const startLine = line;
    if (c === '/' && text[i + 1] === '/') {
      while (i < len && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      const stop = close < 0 ? len : close + 2;
      for (let k = i; k < stop; k++) if (text[k] === '\n') line++;
      i = stop;
      continue;
    }
    if (c === '"') {
      i++;
      while (i < len && text[i] !== '"' && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
      const raw = text.slice(start + 1, Math.min(i, len));
      if (text[i] === '"') i++;
      tokens.push({ type: 'str', text: text.slice(start, i), value: decodeYaraString(raw), start, end: i, line: startLine });
      continue;
    }
    if (c === '/') {
      // YARA's division operator is `\`, so a lone `/` always opens a regular expression.
      i++;
      while (i < len && text[i] !== '/' && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
      if (text[i] === '/') i++;
      while (i < len && /[a-z]/i.test(text[i]!)) i++;
      tokens.push({ type: 'regex', text: text.slice(start, i), start, end: i, line: startLine });
      continue;
    }
    if ((c === '$' || c === '#' || c === '@' || c === '!') && !(c === '!' && text[i + 1] === '=')) {
      i++;
      while (i < len && IDENT_CHAR.test(text[i]!)) i++;
      if (text[i] === '*') i++;
      tokens.push({ type: 'var', text: text.slice(start, i), start, end: i, line: startLine });
      continue;
    }
    if (IDENT_START.test(c)) {
      while (i < len && IDENT_CHAR.test(text[i]!)) i++;
      tokens.push({ type: 'ident', text: text.slice(start, i), start, end: i, line: startLine });
      continue;
    }
    if (/[0-9]/.test(c)) {
      while (i < len && /[0-9A-Za-z_]/.test(text[i]!)) i++;
      // a decimal fraction (`1.5`), but not a range (`0..10`)
      if (text[i] === '.' && /[0-9]/.test(text[i + 1] ?? '')) {
        i++;
        while (i < len && /[0-9]/.test(text[i]!)) i++;
      }
      tokens.push({ type: 'num', text: text.slice(start, i), start, end: i, line: startLine });
      continue;
    }
    const two = text.slice(i, i + 2);
    const width = ['..', '==', '!=', '<=', '>=', '<<', '>>'].includes(two) ? 2 : 1;
    i += width;
    tokens.push({ type: 'punct', text: text.slice(start, i), start, end: i, line: startLine });
  }
  return tokens;
}

function parseNumber(text: string, negative: boolean): number | null {
  let n: number;
  if (/^0x[0-9a-f]+$/i.test(text)) n = parseInt(text.slice(2), 16);
  else if (/^0o[0-7]+$/i.test(text)) n = parseInt(text.slice(2), 8);
  else if (/^[0-9]+(\.[0-9]+)?$/.test(text)) n = Number(text);
  else return null;
  return negative ? -n : n;
}

const PATTERN_MODIFIERS_WITH_ARGS = new Set(['xor', 'base64', 'base64wide']);

/** Reads a rule body (tokens strictly between its braces). Returns null when the body is not understood. */
function parseBody(
  body: Token[],
): Pick<ParsedRule, 'meta' | 'metaEntries' | 'patterns' | 'condition'> | null {
  const meta: Record<string, MetaValue> = {};
  const metaEntries: [string, MetaValue][] = [];
  const patterns: PatternDecl[] = [];
  let condition: Token[] = [];
  let section: 'none' | 'meta' | 'strings' | 'condition' = 'none';
  let i = 0;
  const isSection = (k: number) =>
    body[k]?.type === 'ident' &&
    ['meta', 'strings', 'condition'].includes(body[k]!.text) &&
    body[k + 1]?.text === ':' &&
    section !== 'condition';
  while (i < body.length) {
    if (isSection(i)) {
      section = body[i]!.text as 'meta' | 'strings' | 'condition';
      i += 2;
      if (section === 'condition') {
        condition = body.slice(i);
        break;
      }
      continue;
    }
    const t = body[i]!;
    if (section === 'meta') {
      if (t.type !== 'ident' || body[i + 1]?.text !== '=') return null;
      let v = body[i + 2];
      let negative = false;
      let used = 3;
      if (v?.text === '-') {
        negative = true;
        v = body[i + 3];
        used = 4;
      }
      let value: MetaValue;
      if (v === undefined) return null;
      if (v.type === 'str' && !negative) value = v.value ?? '';
      else if (v.type === 'ident' && (v.text === 'true' || v.text === 'false') && !negative) value = v.text === 'true';
      else if (v.type === 'num') {
        const n = parseNumber(v.text, negative);
        if (n === null) return null;
        value = n;
      } else return null;
      metaEntries.push([t.text, value]);
      if (!(t.text in meta)) meta[t.text] = value;
      i += used;
      continue;
    }
    if (section === 'strings') {
      if (t.type !== 'var' || !t.text.startsWith('$') || body[i + 1]?.text !== '=') return null;
      const v = body[i + 2];
      let k = i + 3;
      let decl: PatternDecl;
      if (v?.type === 'str') decl = { id: t.text, kind: 'text', modifiers: [], start: t.start, end: v.end };
      else if (v?.type === 'regex') decl = { id: t.text, kind: 'regex', modifiers: [], regex: v.text, start: t.start, end: v.end };
      else if (v?.text === '{') {
        let depth = 1;
        while (k < body.length && depth > 0) {
          if (body[k]!.text === '{') depth++;
          else if (body[k]!.text === '}') depth--;
          k++;
        }
        if (depth !== 0) return null;
        decl = { id: t.text, kind: 'hex', modifiers: [], start: t.start, end: body[k - 1]!.end };
      } else return null;
      // modifiers: identifiers, some with a parenthesised argument list
      while (k < body.length && body[k]!.type === 'ident' && !isSection(k)) {
        const mod = body[k]!.text;
        decl.modifiers.push(mod);
        k++;
        if (PATTERN_MODIFIERS_WITH_ARGS.has(mod) && body[k]?.text === '(') {
          while (k < body.length && body[k]!.text !== ')') k++;
          k++;
        }
      }
      decl.end = body[k - 1]!.end;
      patterns.push(decl);
      i = k;
      continue;
    }
    return null;
  }
  return { meta, metaEntries, patterns, condition };
}

/** Reads one YARA file. Never throws. */
export function parseYaraSource(text: string): ParsedYaraFile {
  const tokens = tokenize(text);
  const out: ParsedYaraFile = { imports: [], includes: [], rules: [], opaque: false };
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i]!;
    if (t.type === 'ident' && (t.text === 'import' || t.text === 'include') && tokens[i + 1]?.type === 'str') {
      (t.text === 'import' ? out.imports : out.includes).push(tokens[i + 1]!.value ?? '');
      i += 2;
      continue;
    }
    const start = t.start;
    let isPrivate = false;
    let isGlobal = false;
    let k = i;
    while (tokens[k]?.type === 'ident' && (tokens[k]!.text === 'private' || tokens[k]!.text === 'global')) {
      if (tokens[k]!.text === 'private') isPrivate = true;
      else isGlobal = true;
      k++;
    }
    const kw = tokens[k];
    const nameTok = tokens[k + 1];
    if (kw?.type !== 'ident' || kw.text !== 'rule' || nameTok?.type !== 'ident') {
      out.opaque = true;
      return out;
    }
    k += 2;
    const tags: string[] = [];
    if (tokens[k]?.text === ':') {
      k++;
      while (tokens[k]?.type === 'ident') tags.push(tokens[k++]!.text);
    }
    if (tokens[k]?.text !== '{') {
      out.opaque = true;
      return out;
    }
    const open = k;
    let depth = 0;
    for (; k < tokens.length; k++) {
      if (tokens[k]!.text === '{') depth++;
      else if (tokens[k]!.text === '}' && --depth === 0) break;
    }
    if (depth !== 0) {
      out.opaque = true;
      return out;
    }
    const body = parseBody(tokens.slice(open + 1, k));
    if (body === null) out.opaque = true;
    out.rules.push({
      name: nameTok.text,
      line: kw.line,
      isPrivate,
      isGlobal,
      tags,
      meta: body?.meta ?? {},
      metaEntries: body?.metaEntries ?? [],
      patterns: body?.patterns ?? [],
      condition: body?.condition ?? [],
      start,
      end: tokens[k]!.end,
    });
    i = k + 1;
  }
  return out;
}

/**
 * How a rule can be scanned when several buffers are joined into one:
 * - `any`: the rule matches a buffer exactly when one of its patterns matches inside that buffer (its condition
 *   is an `or` of all its patterns, `any of them`, ...). A match found in the joined buffer is mapped back by its
 *   offset, no second scan.
 * - `verify`: the condition only asks whether patterns are present, combined with `and` / `or` / `N of` (it is
 *   monotone: a rule true on one buffer stays true on the joined buffer). The joined scan says which buffers hold
 *   its matches; only those are scanned again on their own to get the exact answer.
 * - `per-buffer`: anything else (`filesize`, `at`, `in`, offsets `@a`, counts `#a`, lengths `!a`, `uint16(0)`,
 *   `entrypoint`, `not`, `none of`, comparisons, modules, references to other rules, `for` loops, `private`
 *   patterns whose matches are not reported, regular expressions using `^` / `$` anchors, and every rule of a
 *   file the reader did not understand). Such rules scan each buffer on its own.
 */
export type ScanMode = 'any' | 'verify' | 'per-buffer';

function expandPatternSet(ref: string, declared: string[]): string[] | null {
  if (ref === '$*') return declared;
  if (ref.endsWith('*')) {
    const prefix = ref.slice(0, -1);
    return declared.filter((d) => d.startsWith(prefix));
  }
  return declared.includes(ref) ? [ref] : null;
}

/**
 * Whether a `/regex/` uses `^` or `$` as an anchor (outside a character class, unescaped): they mean start / end
 * of the scanned data, which a joined buffer changes.
 */
export function regexHasAnchor(regex: string): boolean {
  const body = regex.slice(1, regex.lastIndexOf('/'));
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      if (body[i + 1] === '^') i++;
      if (body[i + 1] === ']') i++; // a leading `]` is a literal
      continue;
    }
    if (c === '^' || c === '$') return true;
  }
  return false;
}

/** Decides the scan mode of one rule from its own text (see `ScanMode`). */
export function ruleScanMode(rule: ParsedRule, fileOpaque: boolean): ScanMode {
  if (fileOpaque || rule.isGlobal || rule.condition.length === 0 || rule.patterns.length === 0) return 'per-buffer';
  for (const p of rule.patterns) {
    if (p.modifiers.includes('private')) return 'per-buffer';
    if (p.kind === 'regex' && p.regex !== undefined && regexHasAnchor(p.regex)) return 'per-buffer';
  }
  const declared = rule.patterns.map((p) => p.id).filter((id) => id !== '$');
  const referenced = new Set<string>();
  let disjunctive = true;
  const cond = rule.condition;
  for (let i = 0; i < cond.length; i++) {
    const t = cond[i]!;
    if (t.type === 'var') {
      if (!t.text.startsWith('$')) return 'per-buffer';
      if (t.text === '$') return 'per-buffer'; // only valid inside `for` loops
      const set = expandPatternSet(t.text, declared);
      if (set === null) return 'per-buffer';
      set.forEach((s) => referenced.add(s));
      continue;
    }
    if (t.type === 'num') {
      // `N of ...` / `N% of ...` with N >= 1
      if (!/^[0-9]+$/.test(t.text) || Number(t.text) < 1) return 'per-buffer';
      const next = cond[i + 1]?.text === '%' ? cond[i + 2] : cond[i + 1];
      if (next?.text !== 'of') return 'per-buffer';
      if (cond[i + 1]?.text === '%' ? Number(t.text) > 0 : Number(t.text) > 1) disjunctive = false;
      if (cond[i + 1]?.text === '%') i++;
      continue;
    }
    if (t.type === 'ident') {
      if (t.text === 'or' || t.text === 'of' || t.text === 'any') continue;
      if (t.text === 'and' || t.text === 'all') {
        disjunctive = false;
        continue;
      }
      if (t.text === 'them') {
        declared.forEach((s) => referenced.add(s));
        if (rule.patterns.some((p) => p.id === '$')) referenced.add('$');
        continue;
      }
      return 'per-buffer';
    }
    if (t.type === 'punct' && (t.text === '(' || t.text === ')' || t.text === ',')) continue;
    return 'per-buffer';
  }
  if (referenced.size === 0) return 'per-buffer';
  // `any`: every declared pattern takes part, so a match of any pattern in a buffer makes the rule true there.
  const all = rule.patterns.every((p) => referenced.has(p.id));
  return disjunctive && all ? 'any' : 'verify';
}

/** Splits `tokens` on `sep` keywords at parenthesis depth 0. */
function splitTopLevel(tokens: Token[], sep: string): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    if (depth === 0 && t.type === 'ident' && t.text === sep) parts.push([]);
    else parts[parts.length - 1]!.push(t);
  }
  return parts;
}

/** `tokens` without parentheses wrapping all of them. */
function unwrap(tokens: Token[]): Token[] {
  while (tokens.length >= 2 && tokens[0]!.text === '(' && tokens[tokens.length - 1]!.text === ')') {
    let depth = 0;
    let closesAtEnd = true;
    for (let i = 0; i < tokens.length - 1; i++) {
      if (tokens[i]!.text === '(') depth++;
      else if (tokens[i]!.text === ')') depth--;
      if (depth === 0) {
        closesAtEnd = false;
        break;
      }
    }
    if (!closesAtEnd) break;
    tokens = tokens.slice(1, -1);
  }
  return tokens;
}

/** The patterns of which at least one must occur when `term` is true, or null when that is not certain. */
function requiredByTerm(term: Token[], rule: ParsedRule): PatternDecl[] | null {
  const declared = rule.patterns.map((p) => p.id).filter((id) => id !== '$');
  const decl = (ids: string[]) => rule.patterns.filter((p) => ids.includes(p.id));
  const t0 = term[0];
  if (t0 === undefined) return null;
  // `$a`, `$a at N`, `$a in (R)`
  if (t0.type === 'var' && t0.text.startsWith('$') && !t0.text.endsWith('*') && t0.text !== '$') {
    if (term.length > 1 && term[1]!.text !== 'at' && term[1]!.text !== 'in') return null;
    return declared.includes(t0.text) ? decl([t0.text]) : null;
  }
  // `any of S`, `all of S`, `N of S`, `N% of S` (S = them or a pattern set), optionally followed by `at` / `in`
  let i = 0;
  if (t0.text === 'any' || t0.text === 'all') i = 1;
  else if (t0.type === 'num' && /^[0-9]+$/.test(t0.text) && Number(t0.text) >= 1) i = term[1]?.text === '%' ? 2 : 1;
  else return null;
  if (term[i]?.text !== 'of') return null;
  i++;
  let ids: string[];
  // `them` and `$*` include anonymous patterns (`$ = "..."`): take every declaration.
  if (term[i]?.text === 'them' || (term[i]?.text === '(' && term[i + 1]?.text === '$*' && term[i + 2]?.text === ')')) {
    ids = [...new Set(rule.patterns.map((p) => p.id))];
    i += term[i]!.text === 'them' ? 1 : 3;
  } else if (term[i]?.text === '(') {
    ids = [];
    i++;
    while (i < term.length && term[i]!.text !== ')') {
      const t = term[i]!;
      if (t.text === '$*') ids.push(...rule.patterns.map((p) => p.id));
      else if (t.type === 'var' && t.text.startsWith('$')) {
        const set = expandPatternSet(t.text, declared);
        if (set === null) return null;
        ids.push(...set);
      } else if (t.text !== ',') return null;
      i++;
    }
    if (term[i]?.text !== ')') return null;
    i++;
  } else return null;
  if (i < term.length && term[i]!.text !== 'at' && term[i]!.text !== 'in') return null;
  return ids.length > 0 ? decl(ids) : null;
}

/**
 * Patterns of which at least one occurs in every buffer the rule matches: taken from one term of a condition that
 * is a top-level `and` of terms (`uint16(0) == 0x5A4D and filesize < 1MB and $a and 2 of ($b*)` gives `$a`).
 * null when no such term exists, or when one of those patterns could be missed in a joined buffer (`private`
 * patterns, anchored regexes). Used to scan per-buffer rules only on the buffers that can match them.
 */
export function prefilterPatterns(rule: ParsedRule, fileOpaque: boolean): PatternDecl[] | null {
  if (fileOpaque || rule.isGlobal) return null;
  const cond = unwrap(rule.condition);
  if (splitTopLevel(cond, 'or').length > 1) return null;
  let best: PatternDecl[] | null = null;
  for (const term of splitTopLevel(cond, 'and')) {
    const req = requiredByTerm(unwrap(term), rule);
    if (req === null) continue;
    if (req.some((p) => p.modifiers.includes('private') || (p.kind === 'regex' && p.regex !== undefined && regexHasAnchor(p.regex)))) continue;
    if (best === null || req.length < best.length) best = req;
  }
  return best;
}
