/**
 * Sigma string values: wildcard parsing with the specification's backslash escapes, and compilation of a set of
 * patterns into one fast string test. Patterns without inner wildcards become lowercased plain string operations
 * (equals / startsWith / endsWith / includes); only the others become a (single, merged) RegExp.
 */

/** The `*` wildcard (any run of characters, possibly empty). */
export const STAR: unique symbol = Symbol('sigma.star');
/** The `?` wildcard (exactly one character). */
export const ONE: unique symbol = Symbol('sigma.one');

/** A parsed Sigma string: literal runs (adjacent literals merged) and wildcards (adjacent `*` merged). */
export type Part = string | typeof STAR | typeof ONE;
export type Pattern = readonly Part[];

export type StrTest = (s: string) => boolean;

/**
 * Parses a Sigma string value. `\*`, `\?` and `\\` escape a wildcard or a backslash; a backslash before any other
 * character (or at the end) is a plain backslash, so `C:\Windows` needs no escaping.
 */
export function parseSigmaString(raw: string): Pattern {
  const out: Part[] = [];
  let buf = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\') {
      const n = raw[i + 1];
      if (n === '*' || n === '?' || n === '\\') {
        buf += n;
        i++;
      } else {
        buf += '\\';
      }
      continue;
    }
    if (c === '*' || c === '?') {
      if (buf !== '') out.push(buf);
      buf = '';
      if (c === '*' && out[out.length - 1] === STAR) continue;
      out.push(c === '*' ? STAR : ONE);
      continue;
    }
    buf += c;
  }
  if (buf !== '') out.push(buf);
  return out;
}

/** A pattern that is exactly this literal text (no wildcards). */
export function literalPattern(text: string): Pattern {
  return text === '' ? [] : [text];
}

export function hasWildcards(p: Pattern): boolean {
  for (const part of p) if (typeof part !== 'string') return true;
  return false;
}

/** The literal text of a wildcard-free pattern. */
export function literalText(p: Pattern): string {
  let s = '';
  for (const part of p) {
    if (typeof part !== 'string') throw new Error('pattern has wildcards');
    s += part;
  }
  return s;
}

export type Position = 'contains' | 'startswith' | 'endswith';

/** Applies contains / startswith / endswith by adding `*` where it is not already. */
export function withPosition(p: Pattern, pos: Position | null): Pattern {
  if (pos === null) return p;
  const out = p.slice();
  if ((pos === 'contains' || pos === 'endswith') && out[0] !== STAR) out.unshift(STAR);
  if ((pos === 'contains' || pos === 'startswith') && out[out.length - 1] !== STAR) out.push(STAR);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Lowercasing with a tiny identity cache: several rules usually test the same long field (CommandLine, c-uri) of
// one event, so the lowercased copy is made once instead of once per rule.

const CACHE_SIZE = 8;
const cacheKeys: (string | undefined)[] = new Array<string | undefined>(CACHE_SIZE).fill(undefined);
const cacheVals: string[] = new Array<string>(CACHE_SIZE).fill('');
let cachePos = 0;

export function lower(s: string): string {
  if (s.length < 24) return s.toLowerCase();
  for (let i = 0; i < CACHE_SIZE; i++) {
    if (cacheKeys[i] === s) return cacheVals[i]!;
  }
  const l = s.toLowerCase();
  cacheKeys[cachePos] = s;
  cacheVals[cachePos] = l;
  cachePos = (cachePos + 1) % CACHE_SIZE;
  return l;
}

// ---------------------------------------------------------------------------------------------------------------

type Plain = { op: 'eq' | 'sw' | 'ew' | 'in' | 'any'; s: string };

function classify(p: Pattern): Plain | null {
  let a = 0;
  let b = p.length;
  let lead = false;
  let trail = false;
  while (a < b && p[a] === STAR) {
    lead = true;
    a++;
  }
  while (b > a && p[b - 1] === STAR) {
    trail = true;
    b--;
  }
  if (b === a) return lead || trail ? { op: 'any', s: '' } : { op: 'eq', s: '' };
  if (b - a === 1 && typeof p[a] === 'string') {
    const s = p[a] as string;
    return { op: lead && trail ? 'in' : lead ? 'ew' : trail ? 'sw' : 'eq', s };
  }
  return null;
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\\/-]/g, '\\$&');
}

/** Regex source (without anchors) for a pattern. */
function regexSource(p: Pattern): string {
  let src = '';
  for (const part of p) {
    if (part === STAR) src += '[\\s\\S]*';
    else if (part === ONE) src += '[\\s\\S]';
    else src += escapeRegExp(part);
  }
  return src;
}

const ALWAYS: StrTest = () => true;
const NEVER: StrTest = () => false;

/**
 * Compiles patterns into one test that is true when ANY pattern matches the whole string. Matching is
 * case-insensitive unless `cased`.
 */
export function compileStringTest(patterns: readonly Pattern[], cased: boolean): StrTest {
  const eq: string[] = [];
  const sw: string[] = [];
  const ew: string[] = [];
  const inc: string[] = [];
  const res: string[] = [];
  for (const p of patterns) {
    const c = classify(p);
    if (c === null) {
      res.push(regexSource(p));
      continue;
    }
    const s = cased ? c.s : c.s.toLowerCase();
    switch (c.op) {
      case 'any':
        return ALWAYS;
      case 'eq':
        eq.push(s);
        break;
      case 'sw':
        sw.push(s);
        break;
      case 'ew':
        ew.push(s);
        break;
      case 'in':
        inc.push(s);
        break;
    }
  }
  const re = res.length === 0 ? null : new RegExp(`^(?:${res.join('|')})$`, cased ? '' : 'i');
  const total = eq.length + sw.length + ew.length + inc.length;
  const norm: (s: string) => string = cased ? (s) => s : lower;

  // Single-operation fast paths (the common case).
  if (re === null && total === 1) {
    if (eq.length === 1) {
      const n = eq[0]!;
      return cased ? (s) => s === n : (s) => s === n || lower(s) === n;
    }
    if (sw.length === 1) {
      const n = sw[0]!;
      return (s) => norm(s).startsWith(n);
    }
    if (ew.length === 1) {
      const n = ew[0]!;
      return (s) => norm(s).endsWith(n);
    }
    const n = inc[0]!;
    return (s) => norm(s).includes(n);
  }
  if (total === 0) return re === null ? NEVER : (s) => re.test(s);

  const eqSet = eq.length > 2 ? new Set(eq) : null;
  return (s) => {
    const l = norm(s);
    if (eqSet !== null) {
      if (eqSet.has(l)) return true;
    } else {
      for (let i = 0; i < eq.length; i++) if (l === eq[i]) return true;
    }
    for (let i = 0; i < sw.length; i++) if (l.startsWith(sw[i]!)) return true;
    for (let i = 0; i < ew.length; i++) if (l.endsWith(ew[i]!)) return true;
    for (let i = 0; i < inc.length; i++) if (l.includes(inc[i]!)) return true;
    return re !== null && re.test(s);
  };
}
