/**
 * Required literals: for a compiled matcher, a set of lowercased strings at least one of which occurs in (the
 * lowercased form of) a string value of every event the matcher accepts — in the value of a given top-level field,
 * or (`field: null`) in any value. `null` means no such guarantee (negations, null checks, numbers, regular
 * expressions, CIDRs, comparisons, field references, ...).
 *
 * The prefilter (prefilter.ts) uses them to skip rules none of whose literals occur in an event. Everything here
 * errs on the side of `null`: a missing or weaker requirement only costs speed, never a match.
 *
 * Why mostly ASCII: values are compared case-insensitively either with `toLowerCase()` (plain operations) or with
 * a RegExp `i` flag (patterns with inner wildcards), and the two only agree for ASCII characters (`ς` / `σ`, the
 * Kelvin sign, `İ`); `cased` comparisons and context-dependent lowercasing (final sigma) differ for others too. A
 * literal is therefore the longest run of ASCII characters of a pattern's literal text, taken before lowercasing
 * and lowercased afterwards. Only plain case-insensitive patterns (compared as `toLowerCase()` forms on both sides)
 * may give a single non-ASCII code unit of their lowercased text instead (emoji, homoglyph rules).
 */
import { STAR, type Pattern } from './pattern.js';

export interface ReqLit {
  /** Lowercased ASCII text, or a single non-ASCII code unit. */
  readonly lit: string;
  /** The top-level field whose value (or one of its items) holds it; null for any value of the event. */
  readonly field: string | null;
}

export type Req = readonly ReqLit[] | null;

const registry = new WeakMap<object, readonly ReqLit[]>();

/** Records the requirement of a matcher (or rule `matches` function) and returns it unchanged. */
export function withReq<T extends object>(fn: T, req: Req): T {
  if (req !== null && req.length > 0) registry.set(fn, req);
  return fn;
}

/** The requirement recorded for a matcher; null when none was. */
export function reqOf(fn: object): Req {
  return registry.get(fn) ?? null;
}

/**
 * Longer literals are cut to their last this many characters (any part of a required text is required too): the
 * end of a path or command line says the most, and shorter literals keep the automaton small.
 */
const MAX_LITERAL = 32;

/** The longest run of ASCII characters in the literal parts of a pattern, lowercased; null when there is none. */
export function patternLiteral(p: Pattern): string | null {
  let best = '';
  for (const part of p) {
    if (typeof part !== 'string') continue;
    let start = -1;
    for (let i = 0; i <= part.length; i++) {
      const ascii = i < part.length && part.charCodeAt(i) < 128;
      if (ascii) {
        if (start < 0) start = i;
      } else if (start >= 0) {
        if (i - start > best.length) best = part.slice(start, i);
        start = -1;
      }
    }
  }
  if (best === '') return null;
  return (best.length > MAX_LITERAL ? best.slice(-MAX_LITERAL) : best).toLowerCase();
}

/** The text of a pattern matched with a plain string operation (at most `*` around one literal), or null. */
function plainText(p: Pattern): string | null {
  let a = 0;
  let b = p.length;
  while (a < b && p[a] === STAR) a++;
  while (b > a && p[b - 1] === STAR) b--;
  return b - a === 1 && typeof p[a] === 'string' ? (p[a] as string) : null;
}

/**
 * A single non-ASCII code unit of the lowercased text, for plain case-insensitive patterns without a usable
 * ASCII literal (emoji, homoglyphs): such a pattern compares `toLowerCase()` forms, so every code unit of its
 * lowercased text is in the lowercased value. Low surrogates (specific to one emoji) beat high ones (shared).
 */
function wideUnit(text: string): string | null {
  const l = text.toLowerCase();
  let best = -1;
  let bestRank = -1;
  for (let i = 0; i < l.length; i++) {
    const c = l.charCodeAt(i);
    if (c < 128) continue;
    const rank = c >= 0xdc00 && c <= 0xdfff ? 3 : c >= 0xd800 && c <= 0xdbff ? 1 : 2;
    if (rank > bestRank) {
      best = c;
      bestRank = rank;
    }
  }
  return best < 0 ? null : String.fromCharCode(best);
}

/**
 * The literal a pattern guarantees: its longest ASCII run, or for plain case-insensitive patterns without one
 * (or with a single ASCII character only) a non-ASCII code unit. Null when there is none.
 */
export function patternRequirement(p: Pattern, cased: boolean): string | null {
  const ascii = patternLiteral(p);
  if (ascii !== null && ascii.length >= 2) return ascii;
  if (!cased) {
    const text = plainText(p);
    if (text !== null) {
      const wide = wideUnit(text);
      if (wide !== null) return wide;
    }
  }
  return ascii;
}

/**
 * Any of the patterns may match: every one needs a literal, and the union is the requirement. `field` is the
 * field the patterns are tested on: its name when it has no dot (a dotted name may also reach nested objects),
 * otherwise and for keywords null.
 */
export function patternsReq(patterns: readonly Pattern[], cased: boolean, field: string | null): Req {
  const f = field !== null && !field.includes('.') ? field : null;
  const out: ReqLit[] = [];
  for (const p of patterns) {
    const lit = patternRequirement(p, cased);
    if (lit === null) return null;
    out.push({ lit, field: f });
  }
  return out.length === 0 ? null : dedupe(out);
}

function dedupe(list: ReqLit[]): ReqLit[] {
  if (list.length < 2) return list;
  const seen = new Set<string>();
  const out: ReqLit[] = [];
  for (const r of list) {
    const key = `${r.field ?? ''}\u0000${r.lit}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(r);
  }
  return out;
}

/**
 * Text that occurs in a large share of ordinary events. A literal found inside it says little about an event, so
 * when a rule offers a choice (an AND), another literal is preferred. Only speed depends on this list.
 */
const COMMON_TEXT = [
  'c:\\windows\\system32\\svchost.exe',
  'c:\\windows\\syswow64\\',
  'c:\\program files (x86)\\',
  'c:\\program files\\',
  'c:\\programdata\\',
  'c:\\users\\public\\',
  '\\appdata\\local\\temp\\',
  '\\appdata\\roaming\\',
  'nt authority\\system',
  'microsoft corporation',
  'microsoft windows operating system',
  'hklm\\software\\microsoft\\windows\\currentversion\\',
  'hkcu\\software\\microsoft\\windows\\currentversion\\',
  'hklm\\system\\currentcontrolset\\services\\',
  'registry\\machine\\software\\',
  'https://',
  'http://',
  'explorer.exe',
  'cmd.exe',
  'powershell.exe',
  'rundll32.exe',
  'services.exe',
  '.dll',
  'windows',
  'system',
  'users',
  'local',
  'program',
  'document',
].join('\n');

/** How much a literal narrows the events down: 0 for text that is everywhere, up to 8 (long, rare text). */
function strength(lit: string): number {
  if (lit.length === 1 && lit.charCodeAt(0) >= 128) return 4;
  if (COMMON_TEXT.includes(lit)) return 0;
  return Math.min(lit.length, 8);
}

/** Higher is better: strong weakest literal first (rarer hits), then fewer literals (smaller automaton). */
function score(r: readonly ReqLit[]): number {
  let min = Infinity;
  for (const s of r) {
    const v = strength(s.lit) + (s.field === null ? 0 : 0.5);
    if (v < min) min = v;
  }
  return min * 100000 - Math.min(r.length, 99999);
}

/** All of the parts must match: any single part's requirement holds; the best one is kept. */
export function reqAnd(parts: readonly Req[]): Req {
  let best: Req = null;
  let bestScore = -Infinity;
  for (const r of parts) {
    if (r === null) continue;
    const s = score(r);
    if (s > bestScore) {
      best = r;
      bestScore = s;
    }
  }
  return best;
}

/** At least one of the parts matches: every part needs a requirement, and their union is the requirement. */
export function reqOr(parts: readonly Req[]): Req {
  if (parts.length === 0) return null;
  if (parts.length === 1) return parts[0]!;
  const out: ReqLit[] = [];
  for (const r of parts) {
    if (r === null) return null;
    for (const s of r) out.push(s);
  }
  return dedupe(out);
}
