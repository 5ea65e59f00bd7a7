/**
 * The YARA scanning engine: rules compiled once with YARA-X (`@litko/yara-x`), scanned synchronously over batches
 * of buffers.
 *
 * Batching. One binding call costs a few microseconds whatever the size of the data, so scanning 200 small
 * buffers one by one is dominated by call overhead. The engine therefore joins the buffers of a batch into one
 * buffer (with a `\n\0\n` separator between them) and scans that once, then maps every match offset back to the
 * buffer it falls in. That is only correct for rules whose truth on a buffer depends on nothing but which of
 * their patterns occur in it, so each rule gets a scan mode when the engine is built (`ruleScanMode` in
 * source.ts, which reads the rule text):
 *
 * - `any`   (condition is an `or` / `any of` over all its patterns): a match lying wholly inside buffer i means
 *           the rule matches buffer i. No second scan.
 * - `verify` (only `and` / `or` / `all of` / `N of` over pattern presence, so monotone): the joined scan can only
 *           over-report (`$a` in one buffer, `$b` in another); the buffers holding its matches, and only those,
 *           are scanned again one by one and that answer is taken.
 * - `per-buffer` (`filesize`, `$a at 0`, `uint16(0) == 0x5A4D`, `#a > 3`, `@a[1]`, `not`, modules, references
 *           to other rules, anchored regexes, global rules, text the reader did not understand, ...): these rules
 *           are compiled into a second rule set that is scanned over each buffer on its own.
 *
 * `any` and `verify` rules are compiled together into the "joined" set, `per-buffer` rules (with the rules they
 * reference, and their files' imports) into the "per-buffer" set.
 *
 * Prefilters. Most file rules look like `uint16(0) == 0x5A4D and filesize < 2MB and $a and 2 of ($b*)`: per-buffer,
 * but they cannot match a buffer in which none of some of their patterns occurs (`$a` here; `prefilterPatterns`
 * in source.ts). When every per-buffer rule has such patterns, each gets a hidden `any of them` rule over those
 * patterns in the joined set, and the per-buffer set is scanned only on the buffers where one of them matched.
 * Otherwise (a rule such as `filesize == 0` or `uint16(0) == 0x5A4D` alone) the per-buffer set scans every buffer.
 *
 * So a batch without matches costs one binding call when no rule needs every buffer, else one per buffer. A global
 * rule gates every rule of the namespace, so when one exists every rule is scanned per buffer. Buffers larger than
 * `maxJoinedItem` are scanned on their own (joining gains nothing there); joined buffers are capped at
 * `maxJoinedBytes`. The binding's synchronous `scan` is used throughout (its `scanAsync` costs far more per call).
 */
import {
  COMPILER_OPTIONS,
  describeDiagnostic,
  loadYaraXBinding,
  type YaraXBinding,
  type YaraXRuleMatch,
  type YaraXRules,
} from './binding.js';
import {
  parseYaraSource,
  prefilterPatterns,
  ruleScanMode,
  type MetaValue,
  type ParsedRule,
  type ParsedYaraFile,
  type ScanMode,
} from './source.js';

/** One rule that matched one buffer. Hit objects are shared between results: treat them as read-only. */
export interface YaraHit {
  rule: string;
  /** Not set: every Vigil rule lives in YARA's default namespace (rule names are unique across files). */
  namespace?: string;
  tags: string[];
  meta: Record<string, MetaValue>;
}

export interface YaraEngine {
  /** Number of rules that can produce hits (private rules excluded; rules of files the reader could not read
   *  through are counted once they first match). */
  readonly ruleCount: number;
  /** Names of those rules, in load order. */
  readonly ruleNames: readonly string[];
  /** How a rule is scanned (see the module comment); undefined for unknown or private rules. */
  scanModeOf(rule: string): ScanMode | undefined;
  /** Hits per input buffer, in input order; each list holds a rule at most once, in rule load order. */
  scan(buffers: readonly Buffer[]): YaraHit[][];
}

export interface YaraSourceFile {
  /** Name used in messages (repository-relative path). */
  file: string;
  source: string;
}

export interface YaraEngineOptions {
  /** `auto` (default) joins buffers where the rules allow it; `per-buffer` scans every buffer on its own. */
  strategy?: 'auto' | 'per-buffer';
  /** Upper bound of one joined buffer, in bytes (default 512 KiB). */
  maxJoinedBytes?: number;
  /** Buffers larger than this are scanned on their own (default 64 KiB). */
  maxJoinedItem?: number;
  /** The binding to use (tests); default: `@litko/yara-x`. */
  binding?: YaraXBinding;
}

/** The compiler rejected the rules given to `createYaraEngine`. `line` is in `source`. */
export class YaraCompileError extends Error {
  constructor(
    message: string,
    readonly line: number | null,
    readonly source: string,
  ) {
    super(message);
    this.name = 'YaraCompileError';
  }
}

const SEPARATOR = Buffer.from('\n\0\n', 'latin1');

interface RuleEntry {
  rule: ParsedRule | null;
  name: string;
  order: number;
  mode: ScanMode;
  hit: YaraHit;
}

function compileOrThrow(binding: YaraXBinding, source: string): YaraXRules {
  try {
    return binding.compile(source, COMPILER_OPTIONS);
  } catch (err) {
    const d = describeDiagnostic({ message: (err as Error).message });
    throw new YaraCompileError(d.message, d.line, source);
  }
}

/** Rule names a condition refers to, among `candidates` (rules of the same file; `name*` sets expand). */
function referencedRules(rule: ParsedRule, candidates: Map<string, ParsedRule>): string[] {
  const out: string[] = [];
  const cond = rule.condition;
  for (let i = 0; i < cond.length; i++) {
    const t = cond[i]!;
    if (t.type !== 'ident' || cond[i - 1]?.text === '.') continue;
    if (cond[i + 1]?.text === '*') {
      for (const name of candidates.keys()) if (name.startsWith(t.text) && name !== rule.name) out.push(name);
    } else if (candidates.has(t.text) && t.text !== rule.name) out.push(t.text);
  }
  return out;
}

function freezeHit(name: string, tags: string[], meta: Record<string, MetaValue>): YaraHit {
  return Object.freeze({ rule: name, tags: Object.freeze([...tags]) as string[], meta: Object.freeze({ ...meta }) });
}

function metaFromBinding(meta: Record<string, unknown>): Record<string, MetaValue> {
  const out: Record<string, MetaValue> = {};
  for (const [k, v] of Object.entries(meta)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}

class YaraXEngine implements YaraEngine {
  readonly ruleCount: number;
  readonly ruleNames: readonly string[];
  private lastOrder: number;

  constructor(
    private readonly entries: Map<string, RuleEntry>,
    /** `any` + `verify` rules and the prefilter rules; null when there are none. */
    private readonly joined: YaraXRules | null,
    /** `per-buffer` rules and what they need; null when there are none. */
    private readonly perBuffer: YaraXRules | null,
    /** Names of the prefilter rules in `joined`; null when the per-buffer set must scan every buffer. */
    private readonly prefilters: ReadonlySet<string> | null,
    private readonly maxJoinedBytes: number,
    private readonly maxJoinedItem: number,
  ) {
    const ordered = [...entries.values()].sort((a, b) => a.order - b.order);
    this.ruleNames = Object.freeze(ordered.map((e) => e.name));
    this.ruleCount = this.ruleNames.length;
    this.lastOrder = ordered.length === 0 ? 0 : ordered[ordered.length - 1]!.order;
  }

  scanModeOf(rule: string): ScanMode | undefined {
    return this.entries.get(rule)?.mode;
  }

  /**
   * The entry of a reported rule if the rule set that reported it owns it (the per-buffer set may hold joined
   * rules as dependencies; the joined set holds prefilter rules). A rule the source reader did not list (in a file
   * it could not read through) can only come from the per-buffer set; it gets an entry on first sight, with the
   * binding's tags and meta.
   */
  private entryFor(m: YaraXRuleMatch, perBufferSet: boolean): RuleEntry | undefined {
    const e = this.entries.get(m.ruleIdentifier);
    if (e !== undefined) return (e.mode === 'per-buffer') === perBufferSet ? e : undefined;
    if (!perBufferSet) return undefined;
    const added: RuleEntry = {
      rule: null,
      name: m.ruleIdentifier,
      order: ++this.lastOrder,
      mode: 'per-buffer',
      hit: freezeHit(m.ruleIdentifier, m.tags, metaFromBinding(m.meta)),
    };
    this.entries.set(m.ruleIdentifier, added);
    (this as { ruleNames: readonly string[] }).ruleNames = Object.freeze([...this.ruleNames, added.name]);
    (this as { ruleCount: number }).ruleCount = this.ruleNames.length;
    return added;
  }

  /** Collects the hits of one buffer scanned alone with the joined set; notes a prefilter match. */
  private takeJoinedAlone(i: number, matches: YaraXRuleMatch[], list: (i: number) => RuleEntry[], candidates: Set<number> | null): void {
    for (const m of matches) {
      if (this.prefilters?.has(m.ruleIdentifier)) {
        candidates?.add(i);
        continue;
      }
      const e = this.entryFor(m, false);
      if (e !== undefined) list(i).push(e);
    }
  }

  scan(buffers: readonly Buffer[]): YaraHit[][] {
    const n = buffers.length;
    const found: (RuleEntry[] | undefined)[] = new Array(n);
    const list = (i: number): RuleEntry[] => (found[i] ??= []);
    // Buffers the per-buffer set must scan; null = all of them.
    const candidates: Set<number> | null = this.perBuffer !== null && this.prefilters !== null ? new Set() : null;

    if (this.joined !== null) {
      const joined = this.joined;
      let group: number[] = [];
      let groupBytes = 0;
      const flush = () => {
        if (group.length === 1) this.takeJoinedAlone(group[0]!, joined.scan(buffers[group[0]!]!), list, candidates);
        else if (group.length > 1) this.scanJoined(joined, buffers, group, groupBytes, list, candidates);
        group = [];
        groupBytes = 0;
      };
      for (let i = 0; i < n; i++) {
        const len = buffers[i]!.length;
        if (len === 0) continue; // no pattern can match: nothing for the joined set, and no prefilter candidate
        if (len > this.maxJoinedItem) {
          this.takeJoinedAlone(i, joined.scan(buffers[i]!), list, candidates);
          continue;
        }
        if (groupBytes + len + SEPARATOR.length > this.maxJoinedBytes) flush();
        group.push(i);
        groupBytes += len + SEPARATOR.length;
      }
      flush();
    }

    if (this.perBuffer !== null) {
      const scanOne = (i: number) => {
        const matches = this.perBuffer!.scan(buffers[i]!);
        for (const m of matches) {
          const e = this.entryFor(m, true);
          if (e !== undefined) list(i).push(e);
        }
      };
      if (candidates === null) for (let i = 0; i < n; i++) scanOne(i);
      else for (const i of [...candidates].sort((a, b) => a - b)) scanOne(i);
    }

    const out: YaraHit[][] = new Array(n);
    for (let i = 0; i < n; i++) {
      const entries = found[i];
      if (entries === undefined || entries.length === 0) out[i] = [];
      else if (entries.length === 1) out[i] = [entries[0]!.hit];
      else out[i] = [...new Set(entries)].sort((a, b) => a.order - b.order).map((e) => e.hit);
    }
    return out;
  }

  /** Scans the buffers `group` (indices into `buffers`) joined into one, and maps the matches back. */
  private scanJoined(
    rules: YaraXRules,
    buffers: readonly Buffer[],
    group: number[],
    totalBytes: number,
    list: (i: number) => RuleEntry[],
    candidates: Set<number> | null,
  ): void {
    const big = Buffer.allocUnsafe(totalBytes);
    const starts = new Array<number>(group.length);
    let pos = 0;
    for (let k = 0; k < group.length; k++) {
      starts[k] = pos;
      pos += buffers[group[k]!]!.copy(big, pos);
      pos += SEPARATOR.copy(big, pos);
    }
    const matches = rules.scan(big);
    if (matches.length === 0) return;

    const rescan = new Set<number>(); // positions in `group`
    const direct = new Map<number, Set<RuleEntry>>();
    for (const m of matches) {
      const prefilter = this.prefilters?.has(m.ruleIdentifier) === true;
      const e = prefilter ? undefined : this.entryFor(m, false);
      if (!prefilter && e === undefined) continue;
      for (const pm of m.matches) {
        // the last buffer that starts at or before the match
        let lo = 0;
        let hi = group.length - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (starts[mid]! <= pm.offset) lo = mid;
          else hi = mid - 1;
        }
        const end = starts[lo]! + buffers[group[lo]!]!.length;
        if (pm.offset >= end) continue; // starts in a separator: belongs to no buffer
        if (prefilter) {
          candidates?.add(group[lo]!);
        } else if (e!.mode === 'any' && pm.offset + pm.length <= end) {
          let set = direct.get(lo);
          if (set === undefined) direct.set(lo, (set = new Set()));
          set.add(e!);
        } else {
          rescan.add(lo);
        }
      }
    }
    for (const k of rescan) {
      for (const m of rules.scan(buffers[group[k]!]!)) {
        if (this.prefilters?.has(m.ruleIdentifier)) continue;
        const e = this.entryFor(m, false);
        if (e !== undefined) list(group[k]!).push(e);
      }
    }
    for (const [k, set] of direct) if (!rescan.has(k)) list(group[k]!).push(...set);
  }
}

interface FileRules {
  file: YaraSourceFile;
  parsed: ParsedYaraFile;
}

const PREFILTER_PREFIX = '__vigil_prefilter_';

/**
 * Compiles the given files (each already known to compile on its own, with no rule name used twice) into an
 * engine. Throws `YaraCompileError` when the compiler rejects them anyway, and a plain Error when the binding is
 * unavailable on this machine.
 */
export function createYaraEngine(files: readonly YaraSourceFile[], opts: YaraEngineOptions = {}): YaraEngine {
  let binding = opts.binding;
  if (binding === undefined) {
    const loaded = loadYaraXBinding();
    if ('error' in loaded) throw new Error(loaded.error);
    binding = loaded.binding;
  }

  const parsedFiles: FileRules[] = files.map((file) => ({ file, parsed: parseYaraSource(file.source) }));
  const anyGlobal = parsedFiles.some((f) => f.parsed.rules.some((r) => r.isGlobal));
  const anyOpaque = parsedFiles.some((f) => f.parsed.opaque);
  const forcePerBuffer = opts.strategy === 'per-buffer' || anyGlobal;

  // Every public rule, its scan mode, and (per-buffer rules) its prefilter rule text.
  const entries = new Map<string, RuleEntry>();
  const owned = (r: ParsedRule) => {
    const e = entries.get(r.name);
    return e !== undefined && e.rule === r ? e : undefined;
  };
  let order = 0;
  for (const { parsed } of parsedFiles) {
    for (const rule of parsed.rules) {
      order++;
      if (rule.isPrivate || entries.has(rule.name)) continue;
      const mode: ScanMode = forcePerBuffer ? 'per-buffer' : ruleScanMode(rule, parsed.opaque);
      entries.set(rule.name, { rule, name: rule.name, order, mode, hit: freezeHit(rule.name, rule.tags, rule.meta) });
    }
  }

  const joinedText: string[] = [];
  const prefilterText: string[] = [];
  let prefiltersPossible = !forcePerBuffer && !anyOpaque;
  for (const { file, parsed } of parsedFiles) {
    for (const r of parsed.rules) {
      const e = owned(r);
      if (e === undefined) continue;
      if (e.mode !== 'per-buffer') {
        joinedText.push(file.source.slice(r.start, r.end));
        continue;
      }
      if (!prefiltersPossible) continue;
      const pats = prefilterPatterns(r, parsed.opaque);
      if (pats === null) {
        prefiltersPossible = false;
        continue;
      }
      const decls = pats.map((p) => `    ${file.source.slice(p.start, p.end)}`).join('\n');
      prefilterText.push(`rule ${PREFILTER_PREFIX}${prefilterText.length} {\n  strings:\n${decls}\n  condition:\n    any of them\n}`);
    }
  }
  const hasPerBuffer = () => [...entries.values()].some((e) => e.mode === 'per-buffer');

  // Joined set: the `any` / `verify` rules (they reference nothing and use no module) and the prefilters.
  let joined: YaraXRules | null = null;
  let prefilters: Set<string> | null = null;
  const withPrefilters = prefiltersPossible && prefilterText.length > 0 && !forcePerBuffer;
  const attempts = withPrefilters ? [[...joinedText, ...prefilterText], joinedText] : [joinedText];
  for (const parts of attempts) {
    if (parts.length === 0) break;
    try {
      joined = binding.compile(parts.join('\n'), COMPILER_OPTIONS);
      if (parts.length > joinedText.length) prefilters = new Set(prefilterText.map((_, k) => `${PREFILTER_PREFIX}${k}`));
      break;
    } catch {
      joined = null;
    }
  }
  if (joined === null && joinedText.length > 0) {
    // The reader cut something wrongly: the always-correct per-buffer scan for every rule.
    for (const e of entries.values()) e.mode = 'per-buffer';
    prefilters = null;
  }

  // Per-buffer set: the `per-buffer` rules, the rules they reference (same file), and their files' imports.
  let perBuffer: YaraXRules | null = null;
  if (hasPerBuffer() || anyOpaque) {
    const parts: string[] = [];
    for (const { file, parsed } of parsedFiles) {
      if (parsed.opaque) {
        parts.push(file.source);
        continue;
      }
      const byName = new Map(parsed.rules.map((r) => [r.name, r]));
      const needed = new Set<string>();
      const work = parsed.rules.filter((r) => owned(r)?.mode === 'per-buffer').map((r) => r.name);
      while (work.length > 0) {
        const name = work.pop()!;
        if (needed.has(name)) continue;
        needed.add(name);
        const r = byName.get(name);
        if (r !== undefined) work.push(...referencedRules(r, byName));
      }
      if (needed.size === 0) continue;
      for (const imp of parsed.imports) parts.push(`import ${JSON.stringify(imp)}`);
      for (const r of parsed.rules) if (needed.has(r.name)) parts.push(file.source.slice(r.start, r.end));
    }
    try {
      perBuffer = binding.compile(parts.join('\n'), COMPILER_OPTIONS);
    } catch {
      // The reader missed a dependency: every file, whole (hits are still filtered to the per-buffer rules).
      perBuffer = compileOrThrow(binding, files.map((f) => f.source).join('\n'));
    }
  }

  return new YaraXEngine(
    entries,
    joined,
    perBuffer,
    perBuffer === null ? null : prefilters,
    opts.maxJoinedBytes ?? 512 * 1024,
    opts.maxJoinedItem ?? 64 * 1024,
  );
}
