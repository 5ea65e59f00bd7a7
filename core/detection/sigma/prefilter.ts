/**
 * Literal prefilter for a list of candidate rules: one Aho-Corasick automaton over the required literals of all
 * of them (see literals.ts). For an event, every string value (and number / boolean, as text) anywhere in its
 * fields is lowercased exactly as the matchers lowercase it and scanned, top-level field by top-level field; only
 * the rules one of whose literals occurred (in the field the literal belongs to, or anywhere for keyword
 * literals), plus the rules without literals, need to be evaluated. A rule that matches always has one of its
 * literals there, so the selection never loses a match.
 */
import { AhoCorasick } from './aho-corasick.js';
import type { ReqLit } from './literals.js';
import { lower } from './pattern.js';

/** Nesting deeper than this is not scanned; such events are evaluated against every candidate. */
const MAX_DEPTH = 64;
/** Field id of literals that may be in any field. */
const ANY_FIELD = -1;
/** Field id of event fields no literal names. */
const OTHER_FIELD = -2;

export class LiteralPrefilter {
  /** Candidates to evaluate whatever the event holds (no literal requirement), ascending. */
  private readonly always: readonly number[];
  private readonly ac: AhoCorasick | null;
  /** For literal i: users[userStart[i] .. userStart[i + 1]) are candidate indices, userField the field ids. */
  private readonly userStart: Int32Array;
  private readonly userRule: Int32Array;
  private readonly userField: Int32Array;
  private readonly fieldIds = new Map<string, number>();
  private readonly ruleStamp: Uint32Array;
  private ruleEpoch = 0;
  private readonly found: number[] = [];
  private readonly picked: number[] = [];
  private tooDeep = false;
  /** Distinct literals in the automaton. */
  readonly literalCount: number;
  /** Candidates that carry literals (the others are always evaluated). */
  readonly filterable: number;

  /** `literals[i]` are candidate i's required literals, or null when it has none. */
  constructor(literals: readonly (readonly ReqLit[] | null)[]) {
    const always: number[] = [];
    const ids = new Map<string, number>();
    const users: { rule: number; field: number }[][] = [];
    literals.forEach((lits, i) => {
      if (lits === null || lits.length === 0) {
        always.push(i);
        return;
      }
      for (const { lit, field } of lits) {
        let id = ids.get(lit);
        if (id === undefined) {
          id = ids.size;
          ids.set(lit, id);
          users.push([]);
        }
        let fid = ANY_FIELD;
        if (field !== null) {
          fid = this.fieldIds.get(field) ?? this.fieldIds.size;
          this.fieldIds.set(field, fid);
        }
        users[id]!.push({ rule: i, field: fid });
      }
    });
    this.always = always;
    this.filterable = literals.length - always.length;
    this.literalCount = ids.size;
    this.ac = ids.size === 0 ? null : new AhoCorasick([...ids.keys()]);
    let total = 0;
    for (const u of users) total += u.length;
    this.userStart = new Int32Array(users.length + 1);
    this.userRule = new Int32Array(total);
    this.userField = new Int32Array(total);
    let k = 0;
    users.forEach((u, i) => {
      this.userStart[i] = k;
      for (const x of u) {
        this.userRule[k] = x.rule;
        this.userField[k] = x.field;
        k++;
      }
    });
    this.userStart[users.length] = k;
    this.ruleStamp = new Uint32Array(literals.length);
  }

  /**
   * Ascending indices of the candidates to evaluate for these fields, or null for "all of them" (fields that are
   * not a plain object, or nested too deep to scan). The returned array may be reused: read it before the next
   * call.
   */
  select(fields: unknown): readonly number[] | null {
    const ac = this.ac;
    if (ac === null) return this.always;
    if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) return null;
    if (this.ruleEpoch === 0xffffffff) {
      this.ruleStamp.fill(0);
      this.ruleEpoch = 0;
    }
    const epoch = ++this.ruleEpoch;
    const picked = this.picked;
    picked.length = 0;
    this.tooDeep = false;
    const found = this.found;
    const obj = fields as Record<string, unknown>;
    // Inherited enumerable properties too: field getters read `obj[key]`.
    for (const key in obj) {
      found.length = 0;
      ac.nextEpoch();
      this.walk(obj[key], 0, ac);
      if (found.length === 0) continue;
      const fid = this.fieldIds.get(key) ?? OTHER_FIELD;
      const stamp = this.ruleStamp;
      for (let f = 0; f < found.length; f++) {
        const lit = found[f]!;
        for (let j = this.userStart[lit]!, end = this.userStart[lit + 1]!; j < end; j++) {
          const r = this.userRule[j]!;
          if (stamp[r] === epoch) continue;
          const uf = this.userField[j]!;
          if (uf !== ANY_FIELD && uf !== fid) continue;
          stamp[r] = epoch;
          picked.push(r);
        }
      }
    }
    if (this.tooDeep) return null;
    const always = this.always;
    if (picked.length === 0) return always;
    picked.sort(ascending);
    if (always.length === 0) return picked;
    // Merge the two ascending lists.
    const out: number[] = new Array<number>(picked.length + always.length);
    let a = 0;
    let b = 0;
    let o = 0;
    while (a < picked.length && b < always.length) out[o++] = picked[a]! < always[b]! ? picked[a++]! : always[b++]!;
    while (a < picked.length) out[o++] = picked[a++]!;
    while (b < always.length) out[o++] = always[b++]!;
    return out;
  }

  private walk(v: unknown, depth: number, ac: AhoCorasick): void {
    if (typeof v === 'string') {
      ac.scan(lower(v), this.found);
      return;
    }
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') {
      ac.scan(lower(String(v)), this.found);
      return;
    }
    if (v === null || typeof v !== 'object') return;
    if (depth >= MAX_DEPTH) {
      this.tooDeep = true;
      return;
    }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) this.walk(v[i], depth + 1, ac);
      return;
    }
    const obj = v as Record<string, unknown>;
    for (const k in obj) this.walk(obj[k], depth + 1, ac);
  }
}

function ascending(a: number, b: number): number {
  return a - b;
}
