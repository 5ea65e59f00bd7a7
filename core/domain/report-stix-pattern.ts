/**
 * A small parser for the STIX 2.1 Patterning language (STIX 2.1 part 9): observation expressions in brackets,
 * combined with AND / OR / FOLLOWEDBY and parentheses, with WITHIN / REPEATS / START…STOP qualifiers; comparison
 * expressions with AND / OR / NOT, the operators = != < <= > >= IN LIKE MATCHES ISSUBSET ISSUPERSET and EXISTS;
 * object paths `type:prop.sub[0].'quoted'`; string (with \' and \\ escapes), integer, float, boolean, hex (h'..'),
 * binary (b'..') and timestamp (t'..') literals.
 *
 * `checkIndicatorPattern` then checks the parts Vigil emits against what STIX 2.1 defines for them: the object
 * type and property exist (ipv4-addr:value, ipv6-addr:value, domain-name:value, url:value, email-addr:value,
 * file:hashes.'MD5'|'SHA-1'|'SHA-256') and the compared value is of that kind. It is used by the exporter as a
 * last check and by the STIX test; it is not a full STIX validator (no custom object checks, no regex dialect).
 */

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'hex'; value: string }
  | { kind: 'binary'; value: string }
  | { kind: 'timestamp'; value: string };

export type PathStep = { kind: 'prop'; name: string } | { kind: 'index'; index: number | '*' };

export interface ObjectPath {
  objectType: string;
  steps: PathStep[];
}

export type Comparison =
  | { kind: 'compare'; path: ObjectPath; negated: boolean; op: string; value: Literal | Literal[] }
  | { kind: 'exists'; path: ObjectPath }
  | { kind: 'and' | 'or'; left: Comparison; right: Comparison };

export type Qualifier =
  | { kind: 'within'; seconds: number }
  | { kind: 'repeats'; times: number }
  | { kind: 'startstop'; start: string; stop: string };

export type Observation =
  | { kind: 'observation'; comparison: Comparison; qualifiers: Qualifier[] }
  | { kind: 'and' | 'or' | 'followedby'; left: Observation; right: Observation; qualifiers: Qualifier[] };

export class StixPatternError extends Error {
  constructor(message: string, readonly position: number) {
    super(`${message} at position ${position}`);
    this.name = 'StixPatternError';
  }
}

type Token =
  | { t: 'punct'; v: string; pos: number }
  | { t: 'word'; v: string; pos: number }
  | { t: 'literal'; v: Literal; pos: number }
  | { t: 'eof'; pos: number };

const TIMESTAMP = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?Z$/;

function readQuoted(src: string, start: number): { text: string; end: number } {
  // start points at the opening quote
  let i = start + 1;
  let text = '';
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\\') {
      const n = src[i + 1];
      if (n !== "'" && n !== '\\') throw new StixPatternError("only \\' and \\\\ are valid escapes in a string", i);
      text += n;
      i += 2;
      continue;
    }
    if (c === "'") return { text, end: i + 1 };
    text += c;
    i += 1;
  }
  throw new StixPatternError('unterminated string', start);
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i += 1;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '!=' || two === '<=' || two === '>=') {
      out.push({ t: 'punct', v: two, pos: i });
      i += 2;
      continue;
    }
    if ('[]():=<>.,*'.includes(c)) {
      out.push({ t: 'punct', v: c, pos: i });
      i += 1;
      continue;
    }
    if (c === "'") {
      const q = readQuoted(src, i);
      out.push({ t: 'literal', v: { kind: 'string', value: q.text }, pos: i });
      i = q.end;
      continue;
    }
    // Prefixed literals: t'…', h'…', b'…'
    if ((c === 't' || c === 'h' || c === 'b') && src[i + 1] === "'") {
      const q = readQuoted(src, i + 1);
      if (c === 't') {
        if (!TIMESTAMP.test(q.text)) throw new StixPatternError('invalid timestamp literal', i);
        out.push({ t: 'literal', v: { kind: 'timestamp', value: q.text }, pos: i });
      } else if (c === 'h') {
        if (!/^([0-9a-fA-F]{2})*$/.test(q.text)) throw new StixPatternError('invalid hex literal', i);
        out.push({ t: 'literal', v: { kind: 'hex', value: q.text }, pos: i });
      } else {
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(q.text) || q.text.length % 4 !== 0) throw new StixPatternError('invalid binary literal', i);
        out.push({ t: 'literal', v: { kind: 'binary', value: q.text }, pos: i });
      }
      i = q.end;
      continue;
    }
    const num = /^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?/.exec(src.slice(i));
    if (num && (/\d/.test(c) || ((c === '-' || c === '+') && /[\d.]/.test(src[i + 1] ?? '')))) {
      const text = num[0];
      const isFloat = /[.eE]/.test(text);
      out.push({ t: 'literal', v: isFloat ? { kind: 'float', value: Number(text) } : { kind: 'int', value: Number(text) }, pos: i });
      i += text.length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i));
    if (word) {
      out.push({ t: 'word', v: word[0], pos: i });
      i += word[0].length;
      continue;
    }
    throw new StixPatternError(`unexpected character ${JSON.stringify(c)}`, i);
  }
  out.push({ t: 'eof', pos: src.length });
  return out;
}

const COMPARE_OPS = new Set(['=', '!=', '<', '<=', '>', '>=']);
const WORD_OPS = new Set(['LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET', 'IN']);
const OBJECT_TYPE = /^(?:[a-z][a-z0-9-]*[a-z0-9]|[a-z])$/;

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }
  private next(): Token {
    const t = this.peek();
    this.i += 1;
    return t;
  }
  private isPunct(v: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.t === 'punct' && t.v === v;
  }
  private isWord(v: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.t === 'word' && t.v === v;
  }
  private expectPunct(v: string): void {
    const t = this.next();
    if (t.t !== 'punct' || t.v !== v) throw new StixPatternError(`expected "${v}"`, t.pos);
  }

  parsePattern(): Observation {
    const obs = this.observationFollowedBy();
    const t = this.peek();
    if (t.t !== 'eof') throw new StixPatternError('unexpected input after the pattern', t.pos);
    return obs;
  }

  private observationFollowedBy(): Observation {
    let left = this.observationOr();
    while (this.isWord('FOLLOWEDBY')) {
      this.next();
      left = { kind: 'followedby', left, right: this.observationOr(), qualifiers: [] };
    }
    return left;
  }

  private observationOr(): Observation {
    let left = this.observationAnd();
    while (this.isWord('OR')) {
      this.next();
      left = { kind: 'or', left, right: this.observationAnd(), qualifiers: [] };
    }
    return left;
  }

  private observationAnd(): Observation {
    let left = this.observationUnit();
    while (this.isWord('AND')) {
      this.next();
      left = { kind: 'and', left, right: this.observationUnit(), qualifiers: [] };
    }
    return left;
  }

  private observationUnit(): Observation {
    let obs: Observation;
    if (this.isPunct('[')) {
      this.next();
      const comparison = this.comparisonOr();
      this.expectPunct(']');
      obs = { kind: 'observation', comparison, qualifiers: [] };
    } else if (this.isPunct('(')) {
      this.next();
      obs = this.observationFollowedBy();
      this.expectPunct(')');
    } else {
      throw new StixPatternError('expected "[" or "(" to start an observation expression', this.peek().pos);
    }
    obs.qualifiers.push(...this.qualifiers());
    return obs;
  }

  private qualifiers(): Qualifier[] {
    const out: Qualifier[] = [];
    for (;;) {
      if (this.isWord('WITHIN')) {
        this.next();
        const n = this.next();
        if (n.t !== 'literal' || (n.v.kind !== 'int' && n.v.kind !== 'float') || n.v.value <= 0) {
          throw new StixPatternError('WITHIN needs a positive number', n.pos);
        }
        const unit = this.next();
        if (unit.t !== 'word' || unit.v !== 'SECONDS') throw new StixPatternError('expected SECONDS', unit.pos);
        out.push({ kind: 'within', seconds: n.v.value });
      } else if (this.isWord('REPEATS')) {
        this.next();
        const n = this.next();
        if (n.t !== 'literal' || n.v.kind !== 'int' || n.v.value <= 0) throw new StixPatternError('REPEATS needs a positive integer', n.pos);
        const unit = this.next();
        if (unit.t !== 'word' || unit.v !== 'TIMES') throw new StixPatternError('expected TIMES', unit.pos);
        out.push({ kind: 'repeats', times: n.v.value });
      } else if (this.isWord('START')) {
        this.next();
        const start = this.next();
        if (start.t !== 'literal' || start.v.kind !== 'timestamp') throw new StixPatternError('START needs a timestamp literal', start.pos);
        const stop = this.next();
        if (stop.t !== 'word' || stop.v !== 'STOP') throw new StixPatternError('expected STOP', stop.pos);
        const end = this.next();
        if (end.t !== 'literal' || end.v.kind !== 'timestamp') throw new StixPatternError('STOP needs a timestamp literal', end.pos);
        out.push({ kind: 'startstop', start: start.v.value, stop: end.v.value });
      } else {
        return out;
      }
    }
  }

  private comparisonOr(): Comparison {
    let left = this.comparisonAnd();
    while (this.isWord('OR')) {
      this.next();
      left = { kind: 'or', left, right: this.comparisonAnd() };
    }
    return left;
  }

  private comparisonAnd(): Comparison {
    let left = this.propTest();
    while (this.isWord('AND')) {
      this.next();
      left = { kind: 'and', left, right: this.propTest() };
    }
    return left;
  }

  private propTest(): Comparison {
    if (this.isPunct('(')) {
      this.next();
      const inner = this.comparisonOr();
      this.expectPunct(')');
      return inner;
    }
    if (this.isWord('EXISTS')) {
      this.next();
      return { kind: 'exists', path: this.objectPath() };
    }
    const path = this.objectPath();
    let negated = false;
    if (this.isWord('NOT')) {
      this.next();
      negated = true;
    }
    const opTok = this.next();
    let op: string;
    if (opTok.t === 'punct' && COMPARE_OPS.has(opTok.v)) op = opTok.v;
    else if (opTok.t === 'word' && WORD_OPS.has(opTok.v)) op = opTok.v;
    else throw new StixPatternError('expected a comparison operator', opTok.pos);
    if (op === 'IN') {
      this.expectPunct('(');
      const values: Literal[] = [this.literal()];
      while (this.isPunct(',')) {
        this.next();
        values.push(this.literal());
      }
      this.expectPunct(')');
      return { kind: 'compare', path, negated, op, value: values };
    }
    const value = this.literal();
    if (['LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET'].includes(op) && value.kind !== 'string') {
      throw new StixPatternError(`${op} needs a string literal`, opTok.pos);
    }
    return { kind: 'compare', path, negated, op, value };
  }

  private literal(): Literal {
    const t = this.next();
    if (t.t === 'literal') return t.v;
    if (t.t === 'word' && (t.v === 'true' || t.v === 'false')) return { kind: 'bool', value: t.v === 'true' };
    throw new StixPatternError('expected a literal', t.pos);
  }

  private objectPath(): ObjectPath {
    const typeTok = this.next();
    if (typeTok.t !== 'word' || !OBJECT_TYPE.test(typeTok.v) || typeTok.v.length < 3 || typeTok.v.length > 250) {
      throw new StixPatternError('expected an object type', typeTok.pos);
    }
    this.expectPunct(':');
    const steps: PathStep[] = [{ kind: 'prop', name: this.pathName() }];
    for (;;) {
      if (this.isPunct('.')) {
        this.next();
        steps.push({ kind: 'prop', name: this.pathName() });
      } else if (this.isPunct('[')) {
        // `[` after a path is an index, never the start of an observation (those only follow operators).
        this.next();
        const t = this.next();
        if (t.t === 'literal' && t.v.kind === 'int' && t.v.value >= 0) steps.push({ kind: 'index', index: t.v.value });
        else if (t.t === 'punct' && t.v === '*') steps.push({ kind: 'index', index: '*' });
        else throw new StixPatternError('expected a list index or *', t.pos);
        this.expectPunct(']');
      } else {
        return { objectType: typeTok.v, steps };
      }
    }
  }

  private pathName(): string {
    const t = this.next();
    if (t.t === 'word') {
      // Unquoted property names are identifiers without hyphens (`hashes.'SHA-256'` must be quoted).
      if (t.v.includes('-')) throw new StixPatternError(`property name ${t.v} must be quoted`, t.pos);
      return t.v;
    }
    if (t.t === 'literal' && t.v.kind === 'string') return t.v.value;
    throw new StixPatternError('expected a property name', t.pos);
  }
}

/** Parses a STIX 2.1 pattern; throws StixPatternError with a position when it is not one. */
export function parseStixPattern(pattern: string): Observation {
  return new Parser(tokenize(pattern)).parsePattern();
}

/** Comparisons of an observation tree, left to right. */
export function comparisonsOf(obs: Observation): Extract<Comparison, { kind: 'compare' | 'exists' }>[] {
  const out: Extract<Comparison, { kind: 'compare' | 'exists' }>[] = [];
  const walkC = (c: Comparison) => {
    if (c.kind === 'compare' || c.kind === 'exists') out.push(c);
    else {
      walkC(c.left);
      walkC(c.right);
    }
  };
  const walkO = (o: Observation) => {
    if (o.kind === 'observation') walkC(o.comparison);
    else {
      walkO(o.left);
      walkO(o.right);
    }
  };
  walkO(obs);
  return out;
}

const HASH_LENGTHS: Record<string, number> = { MD5: 32, 'SHA-1': 40, 'SHA-256': 64, 'SHA-512': 128 };

const pathText = (p: ObjectPath) =>
  `${p.objectType}:${p.steps.map((s) => (s.kind === 'prop' ? s.name : `[${s.index}]`)).join('.')}`;

/**
 * Checks a pattern Vigil emits: it parses, and each comparison is `=` on a property STIX 2.1 defines for that
 * cyber-observable, with a value of the right form. Returns the problems found ([] when fine).
 */
export function checkIndicatorPattern(pattern: string): string[] {
  let ast: Observation;
  try {
    ast = parseStixPattern(pattern);
  } catch (err) {
    return [(err as Error).message];
  }
  const problems: string[] = [];
  for (const c of comparisonsOf(ast)) {
    if (c.kind === 'exists') {
      problems.push(`EXISTS is not used by Vigil (${pathText(c.path)})`);
      continue;
    }
    if (Array.isArray(c.value) || c.value.kind !== 'string') {
      problems.push(`${pathText(c.path)} must be compared with a string`);
      continue;
    }
    const value = c.value.value;
    const { objectType, steps } = c.path;
    const names = steps.map((s) => (s.kind === 'prop' ? s.name : '#'));
    const simple = names.length === 1 && names[0] === 'value';
    switch (objectType) {
      case 'ipv4-addr':
        if (!simple) problems.push(`ipv4-addr has no property ${names.join('.')}`);
        else if (!/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(\/(3[0-2]|[12]?\d))?$/.test(value)) {
          problems.push(`not an IPv4 address or CIDR: ${value}`);
        }
        break;
      case 'ipv6-addr':
        if (!simple) problems.push(`ipv6-addr has no property ${names.join('.')}`);
        else if (!/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(value) || !value.includes(':')) problems.push(`not an IPv6 address: ${value}`);
        break;
      case 'domain-name':
        if (!simple) problems.push(`domain-name has no property ${names.join('.')}`);
        else if (!/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/i.test(value)) problems.push(`not a domain name: ${value}`);
        break;
      case 'url':
        if (!simple) problems.push(`url has no property ${names.join('.')}`);
        else if (!URL.canParse(value)) problems.push(`not a URL: ${value}`);
        break;
      case 'email-addr':
        if (!simple) problems.push(`email-addr has no property ${names.join('.')}`);
        else if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) problems.push(`not an e-mail address: ${value}`);
        break;
      case 'file': {
        const algo = names[1];
        if (names.length !== 2 || names[0] !== 'hashes' || algo === undefined || !(algo in HASH_LENGTHS)) {
          problems.push(`file property ${names.join('.')} is not a hash Vigil emits`);
        } else if (!new RegExp(`^[0-9a-fA-F]{${HASH_LENGTHS[algo]}}$`).test(value)) {
          problems.push(`not a ${algo} hash: ${value}`);
        }
        break;
      }
      default:
        problems.push(`object type ${objectType} is not one Vigil emits`);
    }
    if (c.op !== '=' || c.negated) problems.push(`${pathText(c.path)} uses ${c.negated ? 'NOT ' : ''}${c.op}; Vigil emits =`);
  }
  return problems;
}

/** A string as a STIX pattern string literal: quotes and backslashes escaped. */
export function stixString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
