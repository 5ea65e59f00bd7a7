/**
 * Aho-Corasick multi-pattern search over ASCII patterns, compiled into a deterministic automaton.
 *
 * The alphabet is compressed to the characters the patterns use (class 0 stands for every other character, which
 * always leads back to the root), and the transition function is a dense table `state × class`, so scanning costs
 * two array reads per character. Reported matches are deduplicated per "epoch" (one epoch = one event) with a
 * stamp per state: a pattern is reported at most once per epoch, however often it occurs.
 *
 * Besides ASCII strings, a pattern may be a single non-ASCII code unit ("wide" pattern), found by a lookup table.
 */

export class AhoCorasick {
  readonly patterns: readonly string[];
  readonly stateCount: number;
  /** Classes + 1 (column 0 is "not in any pattern"). */
  private readonly width: number;
  /** Class of each ASCII code unit; 0 for characters no pattern uses. */
  private readonly classOf: Uint8Array;
  /** Transitions, `state * width + class` → state: 16-bit while the states fit, else 32-bit. */
  private readonly delta: Uint16Array | Int32Array;
  /** Index of the pattern that ends exactly at the state, or -1. */
  private readonly term: Int32Array;
  /** Nearest proper suffix state (along failure links) where a pattern ends, or -1. */
  private readonly dict: Int32Array;
  /** 1 when a pattern ends at the state or at one of its suffix states. */
  private readonly hasOut: Uint8Array;
  private readonly stamp: Uint32Array;
  /** For wide patterns: 1 for the code units looked for, and the pattern index of each. */
  private readonly wide: Uint8Array | null;
  private readonly wideIndex: Map<number, number>;
  private readonly wideStamp: Map<number, number> = new Map();
  private epoch = 0;

  /**
   * `patterns` must be distinct and non-empty, each either ASCII (code units below 128) or a single code unit of
   * 128 or above.
   */
  constructor(patterns: readonly string[]) {
    this.patterns = patterns;
    const classOf = new Uint8Array(128);
    let classes = 0;
    const wideIndex = new Map<number, number>();
    patterns.forEach((p, index) => {
      if (p.length === 0) throw new Error('Aho-Corasick: empty pattern');
      if (p.length === 1 && p.charCodeAt(0) >= 128) {
        if (wideIndex.has(p.charCodeAt(0))) throw new Error(`Aho-Corasick: duplicate pattern ${JSON.stringify(p)}`);
        wideIndex.set(p.charCodeAt(0), index);
        return;
      }
      for (let i = 0; i < p.length; i++) {
        const c = p.charCodeAt(i);
        if (c >= 128) throw new Error(`Aho-Corasick: pattern is neither ASCII nor a single code unit: ${JSON.stringify(p)}`);
        if (classOf[c] === 0) classOf[c] = ++classes;
      }
    });
    this.wideIndex = wideIndex;
    this.wide = wideIndex.size === 0 ? null : new Uint8Array(65536);
    for (const c of wideIndex.keys()) this.wide![c] = 1;
    if (classes > 254) throw new Error('Aho-Corasick: too many classes');
    const width = classes + 1;

    // Trie, directly in a growable dense table (0 = no edge; the root is state 0 and never a child).
    let cap = 64;
    let goto = new Int32Array(cap * width);
    let term = new Int32Array(cap).fill(-1);
    let states = 1;
    patterns.forEach((p, index) => {
      if (wideIndex.get(p.charCodeAt(0)) === index && p.length === 1) return;
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const k = classOf[p.charCodeAt(i)]!;
        let next = goto[s * width + k]!;
        if (next === 0) {
          if (states === cap) {
            cap *= 2;
            const g = new Int32Array(cap * width);
            g.set(goto);
            goto = g;
            const t = new Int32Array(cap).fill(-1);
            t.set(term);
            term = t;
          }
          next = states++;
          goto[s * width + k] = next;
        }
        s = next;
      }
      if (term[s] !== -1) throw new Error(`Aho-Corasick: duplicate pattern ${JSON.stringify(p)}`);
      term[s] = index;
    });

    // Breadth-first: failure links, suffix-output links, and the full transition function in place.
    const fail = new Int32Array(states);
    const dict = new Int32Array(states).fill(-1);
    const queue = new Int32Array(states);
    let head = 0;
    let tail = 0;
    for (let k = 1; k < width; k++) {
      const v = goto[k]!;
      if (v !== 0) {
        fail[v] = 0;
        queue[tail++] = v;
      }
    }
    while (head < tail) {
      const u = queue[head++]!;
      const f = fail[u]!;
      dict[u] = term[f]! >= 0 ? f : dict[f]!;
      for (let k = 1; k < width; k++) {
        const idx = u * width + k;
        const v = goto[idx]!;
        if (v !== 0) {
          fail[v] = goto[f * width + k]!;
          queue[tail++] = v;
        } else {
          goto[idx] = goto[f * width + k]!;
        }
      }
    }

    const hasOut = new Uint8Array(states);
    for (let s = 0; s < states; s++) if (term[s]! >= 0 || dict[s]! >= 0) hasOut[s] = 1;

    this.stateCount = states;
    this.width = width;
    this.classOf = classOf;
    this.delta = states <= 0x10000 ? Uint16Array.from(goto.subarray(0, states * width)) : goto.slice(0, states * width);
    this.term = term.length === states ? term : term.slice(0, states);
    this.dict = dict;
    this.hasOut = hasOut;
    this.stamp = new Uint32Array(states);
  }

  /** Starts a new epoch: patterns found from now on are reported again. */
  nextEpoch(): number {
    if (this.epoch === 0xffffffff) {
      this.stamp.fill(0);
      this.wideStamp.clear();
      this.epoch = 0;
    }
    return ++this.epoch;
  }

  /**
   * Appends to `found` the index of each pattern that occurs in `text` and was not reported yet in the current
   * epoch (see nextEpoch). Matching is exact: callers lowercase both sides.
   */
  scan(text: string, found: number[]): void {
    const classOf = this.classOf;
    const delta = this.delta;
    const hasOut = this.hasOut;
    const width = this.width;
    const wide = this.wide;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 128) {
        s = delta[s * width + classOf[c]!]!;
        if (hasOut[s] === 1) this.report(s, found);
      } else {
        s = 0;
        if (wide !== null && wide[c] === 1) this.reportWide(c, found);
      }
    }
  }

  private reportWide(c: number, found: number[]): void {
    if (this.wideStamp.get(c) === this.epoch) return;
    this.wideStamp.set(c, this.epoch);
    found.push(this.wideIndex.get(c)!);
  }

  private report(state: number, found: number[]): void {
    const epoch = this.epoch;
    let s = this.term[state]! >= 0 ? state : this.dict[state]!;
    while (s >= 0 && this.stamp[s] !== epoch) {
      this.stamp[s] = epoch;
      found.push(this.term[s]!);
      s = this.dict[s]!;
    }
  }

  /** Indices of every pattern that occurs in `text` (a convenience for tests and tools). */
  findAll(text: string): number[] {
    this.nextEpoch();
    const found: number[] = [];
    this.scan(text, found);
    return found.sort((a, b) => a - b);
  }

  /** Approximate memory held by the tables, in bytes. */
  get byteSize(): number {
    return (
      this.delta.byteLength +
      this.term.byteLength +
      this.dict.byteLength +
      this.hasOut.byteLength +
      this.stamp.byteLength +
      (this.wide?.byteLength ?? 0)
    );
  }
}
