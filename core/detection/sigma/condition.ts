/**
 * Sigma condition expressions compiled into closures over the search identifiers' matchers.
 *
 * Grammar (precedence from least to most binding: or, and, not, `x of`, parentheses):
 *   expr    := and ('or' and)*
 *   and     := not ('and' not)*
 *   not     := 'not' not | primary
 *   primary := '(' expr ')' | quant 'of' target | identifier
 *   quant   := '1' | 'any' | 'all' | N
 *   target  := 'them' | identifier-pattern (with * wildcards)
 */
import { SigmaRuleError, type YamlPath } from './errors.js';
import type { Fields } from './fields.js';
import { reqAnd, reqOf, reqOr, withReq } from './literals.js';
import type { Matcher } from './values.js';

type Tok = { kind: 'lparen' | 'rparen' | 'word'; text: string; pos: number };

const CORRELATION_HINT =
  'legacy pipe aggregations (e.g. "| count() by ...") and "near" were removed in Sigma v2; ' +
  'express the aggregation as a Sigma correlation rule (type event_count / value_count / temporal) referencing this rule';

function tokenize(text: string, path: YamlPath): Tok[] {
  const toks: Tok[] = [];
  const re = /\s*(\(|\)|\||[^\s()|]+)/y;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const tok = m[1]!;
    const pos = re.lastIndex - tok.length;
    if (tok === '(') toks.push({ kind: 'lparen', text: tok, pos });
    else if (tok === ')') toks.push({ kind: 'rparen', text: tok, pos });
    else if (tok === '|') throw new SigmaRuleError(`condition "${text}" uses a pipe: ${CORRELATION_HINT}`, path);
    else toks.push({ kind: 'word', text: tok, pos });
  }
  return toks;
}

function wildcardRegExp(pattern: string): RegExp {
  const src = pattern
    .split('*')
    .map((s) => s.replace(/[.+?^${}()|[\]\\\/-]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${src}$`);
}

const KEYWORDS = new Set(['and', 'or', 'not', 'of']);

/**
 * Compiles one condition string. `selections` are the compiled search identifiers, in rule order.
 */
export function compileCondition(text: string, selections: ReadonlyMap<string, Matcher>, path: YamlPath): Matcher {
  const toks = tokenize(text, path);
  if (toks.length === 0) throw new SigmaRuleError('condition is empty', path);
  let i = 0;
  const fail = (msg: string): never => {
    throw new SigmaRuleError(`${msg} in condition "${text}"`, path);
  };
  const peekWord = (offset = 0): string | null => {
    const t = toks[i + offset];
    return t && t.kind === 'word' ? t.text.toLowerCase() : null;
  };

  function parseOr(): Matcher {
    const parts = [parseAnd()];
    while (peekWord() === 'or') {
      i++;
      parts.push(parseAnd());
    }
    if (parts.length === 1) return parts[0]!;
    const req = reqOr(parts.map(reqOf));
    if (parts.length === 2) {
      const [a, b] = parts as [Matcher, Matcher];
      return withReq((f: Fields) => a(f) || b(f), req);
    }
    return withReq((f: Fields) => {
      for (let k = 0; k < parts.length; k++) if (parts[k]!(f)) return true;
      return false;
    }, req);
  }

  function parseAnd(): Matcher {
    const parts = [parseNot()];
    while (peekWord() === 'and') {
      i++;
      parts.push(parseNot());
    }
    if (parts.length === 1) return parts[0]!;
    const req = reqAnd(parts.map(reqOf));
    if (parts.length === 2) {
      const [a, b] = parts as [Matcher, Matcher];
      return withReq((f: Fields) => a(f) && b(f), req);
    }
    return withReq((f: Fields) => {
      for (let k = 0; k < parts.length; k++) if (!parts[k]!(f)) return false;
      return true;
    }, req);
  }

  function parseNot(): Matcher {
    if (peekWord() === 'not') {
      i++;
      const inner = parseNot();
      return (f) => !inner(f);
    }
    return parsePrimary();
  }

  function parsePrimary(): Matcher {
    const t = toks[i];
    if (t === undefined) return fail('unexpected end of expression');
    if (t.kind === 'lparen') {
      i++;
      const inner = parseOr();
      if (toks[i]?.kind !== 'rparen') fail(`missing ')' for '(' at position ${t.pos + 1}`);
      i++;
      return inner;
    }
    if (t.kind === 'rparen') return fail(`unexpected ')' at position ${t.pos + 1}`);
    const word = t.text.toLowerCase();
    if (peekWord(1) === 'of') return parseQuantified(t);
    if (word === 'near') fail(`'near' is not supported: ${CORRELATION_HINT}`);
    if (KEYWORDS.has(word) || word === 'them') fail(`unexpected '${t.text}' at position ${t.pos + 1}`);
    i++;
    if (t.text.includes('*')) fail(`'${t.text}' has a wildcard but no '1 of' / 'all of' before it`);
    const m = selections.get(t.text);
    if (m === undefined) {
      return fail(`'${t.text}' is not a search identifier of this rule (defined: ${[...selections.keys()].join(', ') || 'none'})`);
    }
    return m;
  }

  function parseQuantified(q: Tok): Matcher {
    const word = q.text.toLowerCase();
    let need: number | 'all';
    if (word === 'all') need = 'all';
    else if (word === 'any') need = 1;
    else if (/^[1-9]\d*$/.test(word)) need = Number(word);
    else return fail(`'${q.text} of' is not a quantifier (use '1 of', 'any of' or 'all of')`);
    i += 2; // quantifier and 'of'
    const target = toks[i];
    if (target === undefined || target.kind !== 'word') return fail(`'${q.text} of' needs 'them' or an identifier pattern`);
    i++;
    let names: string[];
    if (target.text.toLowerCase() === 'them') {
      names = [...selections.keys()].filter((n) => !n.startsWith('_'));
      if (names.length === 0) fail(`'them' refers to no search identifier (names starting with '_' are excluded)`);
    } else {
      const re = wildcardRegExp(target.text);
      names = [...selections.keys()].filter((n) => re.test(n));
      if (names.length === 0) fail(`'${target.text}' matches no search identifier`);
    }
    const ms = names.map((n) => selections.get(n)!);
    if (need === 'all') {
      return withReq((f: Fields) => {
        for (let k = 0; k < ms.length; k++) if (!ms[k]!(f)) return false;
        return true;
      }, reqAnd(ms.map(reqOf)));
    }
    if (need > ms.length) fail(`'${q.text} of ${target.text}' needs more identifiers than the ${ms.length} it matches`);
    const n = need;
    // At least one of them matches either way.
    const req = reqOr(ms.map(reqOf));
    if (n === 1) {
      return withReq((f: Fields) => {
        for (let k = 0; k < ms.length; k++) if (ms[k]!(f)) return true;
        return false;
      }, req);
    }
    return withReq((f: Fields) => {
      let hits = 0;
      for (let k = 0; k < ms.length; k++) if (ms[k]!(f) && ++hits >= n) return true;
      return false;
    }, req);
  }

  const result = parseOr();
  if (i < toks.length) {
    const t = toks[i]!;
    if (t.kind === 'word' && t.text.toLowerCase() === 'near') fail(`'near' is not supported: ${CORRELATION_HINT}`);
    fail(`unexpected '${t.text}' at position ${t.pos + 1}`);
  }
  return result;
}
