/**
 * Loading the YARA rules folder (`rules/yara`): every `*.yar` / `*.yara` file at any depth is compiled on its own
 * first, so a broken file is reported (file, line, reason) and skipped without unloading the good ones; the good
 * files are then compiled together into one engine. Call again to reload.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { SEVERITIES, type Severity } from '../../domain/types.js';
import { categoryForRule, isEnisaClass } from '../taxonomy.js';
import { COMPILER_OPTIONS, describeDiagnostic, loadYaraXBinding, type YaraXBinding } from './binding.js';
import { createYaraEngine, YaraCompileError, type YaraEngine, type YaraEngineOptions, type YaraSourceFile } from './engine.js';
import { parseYaraSource, ruleScanMode, type MetaValue, type ParsedRule, type ScanMode } from './source.js';

/** A YARA file (or the folder) that could not be loaded, or a compiler warning. Same shape as Sigma's. */
export interface YaraLoadError {
  file: string;
  /** 1-based line in the file, when known. */
  line: number | null;
  message: string;
}

/** What the pipeline needs to turn a hit of this rule into a Vigil alert. */
export interface YaraRuleInfo {
  /** Vigil rule id of the rule's alerts: `yara:<name>`. */
  id: string;
  name: string;
  /** Repository-relative path (relative to `baseDir`). */
  file: string;
  /** 1-based line of the `rule` keyword. */
  line: number;
  /** The rule's YARA tags as written. */
  tags: string[];
  /** All meta entries (first value of a repeated key), booleans and numbers kept as such. */
  meta: Record<string, MetaValue>;
  author: string | null;
  description: string | null;
  /** `reference` / `references` / `url` meta values (every entry of a repeated key). */
  references: string[];
  /** From meta `severity` or `level` (see `severityFromMeta`); `high` when absent or not understood. */
  level: Severity;
  /** ATT&CK tags in Vigil's (Sigma's) form, e.g. `attack.t1505.003`, `attack.credential-access`. */
  attack: string[];
  /** ENISA class: meta `taxonomy` when valid, else derived from `attack`. */
  category: string;
  /** How the engine scans the rule in a batch (see engine.ts). */
  scanMode: ScanMode;
}

export interface YaraRuleset {
  /** null when no rule loaded (empty folder, every file broken, or no YARA-X binding on this machine). */
  engine: YaraEngine | null;
  rules: YaraRuleInfo[];
  errors: YaraLoadError[];
  /** Compiler warnings (slow patterns, invariant conditions, ...) and meta values that were not understood. */
  warnings: YaraLoadError[];
}

export interface LoadYaraOptions {
  /** Paths in rules and errors are relative to this directory (default: the working directory). */
  baseDir?: string;
  /** Options passed to the engine (strategy, joined-buffer limits). */
  engine?: Omit<YaraEngineOptions, 'binding'>;
  /** The binding to use; `null` behaves as a machine without one (tests). Default: `@litko/yara-x`. */
  binding?: YaraXBinding | null;
}

const DEFAULT_LEVEL: Severity = 'high';

const SEVERITY_ALIASES: Record<string, Severity> = {
  info: 'informational',
  informational: 'informational',
  information: 'informational',
  low: 'low',
  medium: 'medium',
  moderate: 'medium',
  med: 'medium',
  high: 'high',
  critical: 'critical',
  crit: 'critical',
};

/**
 * Vigil severity of a rule from its meta `severity` (or `level`): a name (`informational`/`info`, `low`,
 * `medium`/`moderate`, `high`, `critical`, any case) or a 0-100 score (`>= 90` critical, `>= 70` high, `>= 40`
 * medium, `>= 20` low, else informational). Anything else, or no such meta, gives `high` and `understood: false`
 * when a value was present.
 */
export function severityFromMeta(meta: Record<string, MetaValue>): { level: Severity; understood: boolean } {
  const raw = meta['severity'] ?? meta['level'];
  if (raw === undefined) return { level: DEFAULT_LEVEL, understood: true };
  if (typeof raw === 'string') {
    const s = SEVERITY_ALIASES[raw.trim().toLowerCase()];
    if (s !== undefined) return { level: s, understood: true };
    if (/^\d+$/.test(raw.trim())) return severityFromMeta({ severity: Number(raw.trim()) });
    return { level: DEFAULT_LEVEL, understood: false };
  }
  if (typeof raw === 'number' && raw >= 0 && raw <= 100) {
    const level: Severity = raw >= 90 ? 'critical' : raw >= 70 ? 'high' : raw >= 40 ? 'medium' : raw >= 20 ? 'low' : 'informational';
    return { level, understood: true };
  }
  return { level: DEFAULT_LEVEL, understood: false };
}

const TACTICS = [
  'reconnaissance',
  'resource-development',
  'initial-access',
  'execution',
  'persistence',
  'privilege-escalation',
  'defense-evasion',
  'credential-access',
  'discovery',
  'lateral-movement',
  'collection',
  'command-and-control',
  'exfiltration',
  'impact',
];

/** One ATT&CK reference (`T1505.003`, `t1003_001`, `TA0006`, `attack.t1059`, `credential_access`) in Vigil form. */
function attackTag(token: string): string | null {
  let t = token.trim().toLowerCase();
  if (t.startsWith('attack.')) t = t.slice('attack.'.length);
  else if (t.startsWith('attack_')) t = t.slice('attack_'.length);
  const tech = /^(t\d{4})(?:[._](\d{3}))?$/.exec(t);
  if (tech) return `attack.${tech[1]}${tech[2] ? `.${tech[2]}` : ''}`;
  if (/^ta\d{4}$/.test(t)) return `attack.${t}`;
  const tactic = t.replace(/[_\s]+/g, '-');
  if (TACTICS.includes(tactic)) return `attack.${tactic}`;
  return null;
}

/**
 * ATT&CK tags of a rule: from meta `mitre_attack` / `attack` / `mitre` (several ids may be separated by commas,
 * semicolons, `|` or spaces) and from YARA tags that name a technique (`T1003_001`, `attack_t1059`) or a tactic
 * (`credential_access`). Sorted, without duplicates.
 */
export function attackTagsOf(rule: { tags: string[]; metaEntries: [string, MetaValue][] }): string[] {
  const out = new Set<string>();
  for (const [key, value] of rule.metaEntries) {
    if (!['mitre_attack', 'attack', 'mitre'].includes(key.toLowerCase()) || typeof value !== 'string') continue;
    const tokens = value.split(/[,;|]+/).flatMap((part) => {
      const whole = attackTag(part);
      return whole !== null ? [whole] : part.split(/\s+/).map(attackTag);
    });
    for (const t of tokens) if (t !== null) out.add(t);
  }
  for (const tag of rule.tags) {
    const t = attackTag(tag);
    if (t !== null) out.add(t);
  }
  return [...out].sort();
}

function metaString(meta: Record<string, MetaValue>, ...keys: string[]): string | null {
  for (const k of keys) {
    const v = meta[k];
    if (typeof v === 'string' && v.trim() !== '') return v;
  }
  return null;
}

function ruleInfo(rule: ParsedRule, file: string, scanMode: ScanMode): { info: YaraRuleInfo; warnings: string[] } {
  const warnings: string[] = [];
  const sev = severityFromMeta(rule.meta);
  if (!sev.understood) {
    warnings.push(`rule '${rule.name}': severity ${JSON.stringify(rule.meta['severity'] ?? rule.meta['level'])} not understood, using '${DEFAULT_LEVEL}' (one of ${SEVERITIES.join(', ')})`);
  }
  const attack = attackTagsOf(rule);
  const taxonomy = typeof rule.meta['taxonomy'] === 'string' ? rule.meta['taxonomy'] : null;
  if (taxonomy !== null && !isEnisaClass(taxonomy.trim().toLowerCase())) {
    warnings.push(`rule '${rule.name}': taxonomy '${taxonomy}' is not an ENISA class, deriving it from the ATT&CK tags`);
  }
  const references = rule.metaEntries
    .filter(([k, v]) => ['reference', 'references', 'url'].includes(k.toLowerCase()) && typeof v === 'string' && v !== '')
    .map(([, v]) => v as string);
  return {
    info: {
      id: `yara:${rule.name}`,
      name: rule.name,
      file,
      line: rule.line,
      tags: [...rule.tags],
      meta: { ...rule.meta },
      author: metaString(rule.meta, 'author'),
      description: metaString(rule.meta, 'description'),
      references,
      level: sev.level,
      attack,
      category: categoryForRule({ tags: attack, taxonomy }),
      scanMode,
    },
    warnings,
  };
}

async function listYaraFiles(root: string, errors: YaraLoadError[], rel: (p: string) => string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string, isRoot: boolean): Promise<void> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      // A missing YARA folder means no YARA rules, not an error.
      if (isRoot && (err as NodeJS.ErrnoException).code === 'ENOENT') return;
      errors.push({ file: rel(dir), line: null, message: `cannot read rules directory: ${(err as Error).message}` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') await walk(full, false);
      } else if ((e.isFile() || e.isSymbolicLink()) && /\.yara?$/i.test(e.name)) {
        out.push(full);
      }
    }
  }
  await walk(root, true);
  return out;
}

/** Where line `line` (1-based) of `files` joined with '\n' comes from. */
function locateJoinedLine(files: readonly YaraSourceFile[], line: number): { index: number; line: number } | null {
  let first = 1;
  for (let i = 0; i < files.length; i++) {
    const count = files[i]!.source.split('\n').length;
    if (line < first + count) return { index: i, line: line - first + 1 };
    first += count;
  }
  return null;
}

/**
 * Loads every `*.yar` / `*.yara` file under `dir` (any depth, in path order; a missing folder gives no rules).
 * Each file is compiled alone first: a file the compiler rejects is reported with its line and reason and left
 * out. A file redefining a rule name of an earlier file is reported and left out (all rules share one YARA
 * namespace). The good files then compile together once into the engine. `engine` is null when no rule loaded.
 */
export async function loadYaraRules(dir: string, opts: LoadYaraOptions = {}): Promise<YaraRuleset> {
  const baseDir = path.resolve(opts.baseDir ?? process.cwd());
  const rel = (p: string) => path.relative(baseDir, p).split(path.sep).join('/') || '.';
  const errors: YaraLoadError[] = [];
  const warnings: YaraLoadError[] = [];
  const absDir = path.resolve(dir);

  const paths = await listYaraFiles(absDir, errors, rel);
  if (paths.length === 0) return { engine: null, rules: [], errors, warnings };

  let binding: YaraXBinding;
  if (opts.binding === null) {
    errors.push({ file: rel(absDir), line: null, message: 'YARA-X binding unavailable: YARA rules are not loaded' });
    return { engine: null, rules: [], errors, warnings };
  } else if (opts.binding !== undefined) {
    binding = opts.binding;
  } else {
    const loaded = loadYaraXBinding();
    if ('error' in loaded) {
      errors.push({ file: rel(absDir), line: null, message: `${loaded.error}; YARA rules are not loaded` });
      return { engine: null, rules: [], errors, warnings };
    }
    binding = loaded.binding;
  }

  // 1. Each file on its own.
  const good: YaraSourceFile[] = [];
  const definedIn = new Map<string, string>();
  for (const full of paths) {
    const file = rel(full);
    let source: string;
    try {
      source = await fs.readFile(full, 'utf8');
    } catch (err) {
      errors.push({ file, line: null, message: `cannot read file: ${(err as Error).message}` });
      continue;
    }
    let result: ReturnType<YaraXBinding['validate']>;
    try {
      result = binding.validate(source, COMPILER_OPTIONS);
    } catch (err) {
      const d = describeDiagnostic({ message: (err as Error).message });
      errors.push({ file, line: d.line, message: d.message });
      continue;
    }
    if (result.errors.length > 0) {
      for (const e of result.errors) errors.push({ file, ...describeDiagnostic(e) });
      continue;
    }
    for (const w of result.warnings) warnings.push({ file, ...describeDiagnostic(w) });
    const parsed = parseYaraSource(source);
    const dup = parsed.rules.find((r) => definedIn.has(r.name));
    if (dup !== undefined) {
      errors.push({ file, line: dup.line, message: `duplicate rule '${dup.name}': already defined in ${definedIn.get(dup.name)}` });
      continue;
    }
    for (const r of parsed.rules) definedIn.set(r.name, file);
    good.push({ file, source });
  }

  // 2. The good files together. Should the compiler still reject the whole (the reader missed a duplicate
  //    name), the file holding the error is reported and left out, and the rest tried again.
  let engine: YaraEngine | null = null;
  while (good.length > 0) {
    try {
      engine = createYaraEngine(good, { ...opts.engine, binding });
      break;
    } catch (err) {
      let dropped = false;
      if (err instanceof YaraCompileError) {
        const joined = binding.validate(good.map((f) => f.source).join('\n'), COMPILER_OPTIONS);
        const first = joined.errors[0];
        const d = first !== undefined ? describeDiagnostic(first) : null;
        const at = d?.line != null ? locateJoinedLine(good, d.line) : null;
        if (d !== null && at !== null) {
          errors.push({ file: good[at.index]!.file, line: at.line, message: d.message });
          good.splice(at.index, 1);
          dropped = true;
        }
      }
      if (!dropped) {
        errors.push({ file: rel(absDir), line: null, message: `YARA rules failed to compile together: ${(err as Error).message}` });
        return { engine: null, rules: [], errors, warnings };
      }
    }
  }
  if (engine === null) return { engine: null, rules: [], errors, warnings };

  // 3. What the pipeline needs to know about each rule.
  const rules: YaraRuleInfo[] = [];
  for (const f of good) {
    const parsed = parseYaraSource(f.source);
    if (parsed.opaque) {
      warnings.push({ file: f.file, line: null, message: 'the rule reader could not read the whole file: its rules scan one buffer at a time and rules after the unread part have no metadata' });
    }
    for (const r of parsed.rules) {
      if (r.isPrivate) continue;
      const { info, warnings: w } = ruleInfo(r, f.file, engine.scanModeOf(r.name) ?? ruleScanMode(r, parsed.opaque));
      rules.push(info);
      for (const message of w) warnings.push({ file: f.file, line: r.line, message });
    }
  }
  if (engine.ruleCount === 0) engine = null;
  return { engine, rules, errors, warnings };
}
