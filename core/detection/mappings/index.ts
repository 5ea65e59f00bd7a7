/**
 * Field and logsource mappings as data (`rules/mappings/*.yml`): events as sources shape them (for example Windows
 * event log records rendered as JSON: `Event.System.EventID`, `Event.EventData.<Name>`) become events with Sigma
 * field names and a Sigma logsource before they are matched. The format is described in schema.ts and
 * rules/README.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import type { Logsource } from '../../domain/event.js';
import type { MatchableEvent, RuleLoadError } from '../rule.js';
import { compileGetter, type Getter } from '../sigma/fields.js';
import { lineOfPath } from '../sigma/source.js';
import {
  mappingDocumentSchema,
  type FlattenSpec,
  type LogsourceEntry,
  type MappingDocument,
  type MappingLogsource,
} from './schema.js';
import type { NormalizedEvent } from './types.js';

export type { NormalizedEvent } from './types.js';
export { mappingDocumentSchema, type MappingDocument } from './schema.js';

type Fields = Record<string, unknown>;

/** The working copy of one event while the documents apply. Fields and logsource are copied on first write. */
interface State {
  logsource: Logsource;
  fields: Fields;
  also: Logsource[] | null;
  fieldsCopied: boolean;
  logsourceCopied: boolean;
  /** Top-level keys the current document removes: left out when the fields are copied. */
  exclude: ReadonlySet<string> | null;
}

export interface CompiledMapping {
  title: string;
  id: string | null;
  file: string;
  order: number;
  /** True when the document handles the event as it is at this point. */
  applies(logsource: Logsource, fields: Fields): boolean;
  /** Applies the document; paths of `flatten` are read from the fields as they were before it started. */
  apply(state: State): void;
}

const LOGSOURCE_KEYS = ['product', 'category', 'service'] as const;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function copyFields(fields: Fields, exclude: ReadonlySet<string> | null): Fields {
  if (exclude === null) return { ...fields };
  const out: Fields = {};
  for (const k of Object.keys(fields)) if (!exclude.has(k)) out[k] = fields[k];
  return out;
}

function writable(state: State): Fields {
  if (!state.fieldsCopied) {
    state.fields = copyFields(state.fields, state.exclude);
    state.fieldsCopied = true;
  }
  return state.fields;
}

function setLogsource(state: State, key: (typeof LOGSOURCE_KEYS)[number], value: string): void {
  if (state.logsource[key] === value) return;
  if (!state.logsourceCopied) {
    state.logsource = { ...state.logsource };
    state.logsourceCopied = true;
  }
  state.logsource[key] = value;
}

/** Lowercased text of a scalar for value comparisons; null for anything else. */
function valueKey(v: unknown): string | null {
  if (typeof v === 'string') return v.toLowerCase();
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v).toLowerCase();
  return null;
}

function compileLogsourceTest(ls: MappingLogsource | undefined): (l: Logsource) => boolean {
  if (ls === undefined) return () => true;
  const checks = LOGSOURCE_KEYS.filter((k) => ls[k] !== undefined).map((k) => ({ k, want: ls[k]!.toLowerCase() }));
  return (l) => {
    for (const c of checks) {
      const got = l[c.k];
      if (got === undefined || got.toLowerCase() !== c.want) return false;
    }
    return true;
  };
}

/** Every object at a dotted path, `*` standing for each child (of an object or list). */
function compileResolver(from: string): (fields: Fields) => unknown[] {
  const segs = from.split('.');
  if (!segs.includes('*')) {
    const none: unknown[] = [];
    return (fields) => {
      let cur: unknown = fields;
      for (let i = 0; i < segs.length; i++) {
        if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, segs[i]!)) return none;
        cur = (cur as Fields)[segs[i]!];
      }
      return cur === undefined || cur === null ? none : [cur];
    };
  }
  return (fields) => {
    let cur: unknown[] = [fields];
    for (const seg of segs) {
      const next: unknown[] = [];
      for (const c of cur) {
        if (c === null || typeof c !== 'object') continue;
        if (seg === '*') {
          if (Array.isArray(c)) next.push(...c);
          else for (const k of Object.keys(c)) next.push((c as Fields)[k]);
        } else if (!Array.isArray(c) && Object.hasOwn(c, seg)) {
          next.push((c as Fields)[seg]);
        }
      }
      cur = next;
      if (cur.length === 0) break;
    }
    return cur.filter((v) => v !== undefined && v !== null);
  };
}

type Step = (state: State, source: Fields) => void;

function compileFlatten(spec: FlattenSpec): Step {
  const resolve = compileResolver(spec.from);
  const template = spec.attributes;
  const names = new Map<string, Map<string, string>>();
  const attrName = (element: string, attribute: string): string => {
    let byAttr = names.get(element);
    if (byAttr === undefined) {
      if (names.size > 10_000) names.clear();
      names.set(element, (byAttr = new Map()));
    }
    let n = byAttr.get(attribute);
    if (n === undefined) {
      n = template!.replaceAll('{element}', element).replaceAll('{attribute}', attribute);
      if (byAttr.size < 1000) byAttr.set(attribute, n);
    }
    return n;
  };
  if (spec.list !== undefined) {
    const getName = compileGetter(spec.list.name);
    const getValue = compileGetter(spec.list.value);
    return (state, source) => {
      for (const node of resolve(source)) {
        const items = Array.isArray(node) ? node : [node];
        for (const item of items) {
          if (!isPlainObject(item)) continue;
          const n = getName(item);
          if (typeof n !== 'string' && typeof n !== 'number') continue;
          const v = getValue(item);
          writable(state)[String(n)] = v === undefined ? null : v;
        }
      }
    };
  }
  return (state, source) => {
    for (const node of resolve(source)) {
      if (!isPlainObject(node)) continue;
      for (const k of Object.keys(node)) {
        if (k === '#attributes') continue;
        const v = node[k];
        if (template !== undefined && isPlainObject(v) && isPlainObject(v['#attributes'])) {
          const attrs = v['#attributes'];
          for (const a of Object.keys(attrs)) writable(state)[attrName(k, a)] = attrs[a];
          if (Object.hasOwn(v, '#text')) writable(state)[k] = v['#text'];
          continue;
        }
        writable(state)[k] = v;
      }
    }
  };
}

function applyFieldmappings(state: State, pairs: readonly (readonly [string, string])[]): void {
  for (const [sigma, source] of pairs) {
    if (Object.hasOwn(state.fields, sigma) || !Object.hasOwn(state.fields, source)) continue;
    writable(state)[sigma] = state.fields[source];
  }
}

interface CompiledEntry {
  tests: { get: Getter; values: Set<string> }[];
  logsource: MappingLogsource;
  also: MappingLogsource[];
  fieldmappings: (readonly [string, string])[];
}

function compileEntries(entries: readonly LogsourceEntry[]): Step {
  const compiled: CompiledEntry[] = entries.map((e) => ({
    tests: Object.entries(e.when).map(([field, want]) => ({
      get: compileGetter(field),
      values: new Set((Array.isArray(want) ? want : [want]).map((v) => valueKey(v)!)),
    })),
    logsource: e.logsource,
    also: e.also ?? [],
    fieldmappings: Object.entries(e.fieldmappings ?? {}),
  }));
  // Index on a field every entry tests (e.g. Channel): only the entries for the event's value are tried.
  const keys = Object.keys(entries[0]!.when).filter((k) => entries.every((e) => Object.hasOwn(e.when, k)));
  const indexKey = keys[0];
  let pick: (fields: Fields) => readonly CompiledEntry[];
  if (indexKey === undefined) {
    pick = () => compiled;
  } else {
    const get = compileGetter(indexKey);
    const index = new Map<string, CompiledEntry[]>();
    entries.forEach((e, i) => {
      const want = e.when[indexKey]!;
      for (const v of Array.isArray(want) ? want : [want]) {
        const k = valueKey(v)!;
        const list = index.get(k);
        if (list === undefined) index.set(k, [compiled[i]!]);
        else if (!list.includes(compiled[i]!)) list.push(compiled[i]!);
      }
    });
    const none: readonly CompiledEntry[] = [];
    pick = (fields) => {
      const k = valueKey(get(fields));
      return k === null ? none : (index.get(k) ?? none);
    };
  }
  return (state) => {
    const list = pick(state.fields);
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      let ok = true;
      for (const t of e.tests) {
        const k = valueKey(t.get(state.fields));
        if (k === null || !t.values.has(k)) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      for (const key of LOGSOURCE_KEYS) {
        const v = e.logsource[key];
        if (v !== undefined) setLogsource(state, key, v);
      }
      if (e.also.length > 0) {
        const primary = state.logsource;
        const extra = e.also.map((a) => ({ ...primary, ...a }));
        state.also = state.also === null ? extra : [...state.also, ...extra];
      }
      applyFieldmappings(state, e.fieldmappings);
      return;
    }
  };
}

/** Compiles one validated mapping document. */
export function compileMapping(doc: MappingDocument, file: string): CompiledMapping {
  const lsTest = compileLogsourceTest(doc.when?.logsource);
  const present = (doc.when?.fields ?? []).map((f) => compileGetter(f));
  const steps: Step[] = [];
  for (const spec of doc.flatten ?? []) steps.push(compileFlatten(spec));
  const exclude = doc.remove !== undefined ? new Set(doc.remove) : null;
  if (exclude !== null) {
    // Copies made while this document applies already leave the keys out; this catches the rest.
    steps.push((state) => {
      for (const k of exclude) {
        if (Object.hasOwn(state.fields, k)) {
          state.fields = copyFields(state.fields, exclude);
          state.fieldsCopied = true;
          return;
        }
      }
    });
  }
  if (doc.spaces === 'strip') {
    steps.push((state) => {
      for (const k of Object.keys(state.fields)) {
        if (!k.includes(' ')) continue;
        const stripped = k.replace(/ /g, '');
        if (stripped !== '' && !Object.hasOwn(state.fields, stripped)) writable(state)[stripped] = state.fields[k];
      }
    });
  }
  if (doc.fieldmappings !== undefined) {
    const pairs = Object.entries(doc.fieldmappings);
    steps.push((state) => applyFieldmappings(state, pairs));
  }
  if (doc.logsource !== undefined) {
    const defaults = doc.logsource;
    steps.push((state) => {
      for (const key of LOGSOURCE_KEYS) {
        const v = defaults[key];
        if (v !== undefined && state.logsource[key] === undefined) setLogsource(state, key, v);
      }
    });
  }
  if (doc.logsources !== undefined) steps.push(compileEntries(doc.logsources));
  return {
    title: doc.title,
    id: doc.id ?? null,
    file,
    order: doc.order ?? 100,
    applies(logsource, fields) {
      if (!lsTest(logsource)) return false;
      for (const g of present) if (g(fields) === undefined) return false;
      return true;
    },
    apply(state) {
      const source = state.fields;
      state.exclude = exclude;
      for (const step of steps) step(state, source);
      state.exclude = null;
    },
  };
}

export interface MappingSourceResult {
  mappings: CompiledMapping[];
  errors: RuleLoadError[];
}

/** One mapping file's text → its compiled documents and its errors (with 1-based lines). */
export function compileMappingSource(text: string, file: string): MappingSourceResult {
  const out: MappingSourceResult = { mappings: [], errors: [] };
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: true });
  const list = (Array.isArray(docs) ? docs : []).filter((d) => d.contents !== null || d.errors.length > 0);
  if (list.length === 0) {
    out.errors.push({ file, line: null, message: 'file contains no YAML document' });
    return out;
  }
  for (const doc of list) {
    if (doc.errors.length > 0) {
      const err = doc.errors[0]!;
      const first = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      out.errors.push({ file, line: lc.linePos(err.pos[0]).line, message: `YAML syntax error: ${first}` });
      continue;
    }
    let js: unknown;
    try {
      js = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      out.errors.push({ file, line: null, message: `YAML error: ${err instanceof Error ? err.message : String(err)}` });
      continue;
    }
    const parsed = mappingDocumentSchema.safeParse(js);
    if (!parsed.success) {
      for (const issue of parsed.error.issues.slice(0, 5)) {
        const p = issue.path.filter((s): s is string | number => typeof s === 'string' || typeof s === 'number');
        const where = p.length > 0 ? `'${p.join('.')}': ` : '';
        let detail = issue.message;
        let at = p;
        if (issue.code === 'invalid_value') detail = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
        else if (issue.code === 'unrecognized_keys') {
          detail = `unknown key(s) ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
          at = [...p, issue.keys[0]!];
        }
        out.errors.push({ file, line: lineOfPath(doc, at, lc) ?? 1, message: `invalid mapping: ${where}${detail}` });
      }
      continue;
    }
    out.mappings.push(compileMapping(parsed.data, file));
  }
  return out;
}

export interface EventNormalizer {
  /**
   * The event with Sigma field names and logsource(s). Events no mapping handles come back as the same object;
   * others as a new object (other properties of the event are kept). The input is never modified.
   */
  normalize<E extends MatchableEvent>(event: E): E & NormalizedEvent;
  /** The documents in force, in the order they apply. */
  readonly mappings: readonly CompiledMapping[];
  /** Mapping files or documents that could not be loaded (they are skipped). */
  readonly errors: readonly RuleLoadError[];
}

/** A normalizer over already compiled documents (sorted by order, then file). */
export function normalizerFromMappings(mappings: readonly CompiledMapping[], errors: readonly RuleLoadError[] = []): EventNormalizer {
  const list = [...mappings].sort((a, b) => a.order - b.order || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return {
    mappings: list,
    errors,
    normalize<E extends MatchableEvent>(event: E): E & NormalizedEvent {
      const fields = event.fields;
      if (list.length === 0 || fields === null || typeof fields !== 'object') return event;
      const state: State = {
        logsource: event.logsource ?? {},
        fields,
        also: null,
        fieldsCopied: false,
        logsourceCopied: false,
        exclude: null,
      };
      for (const m of list) if (m.applies(state.logsource, state.fields)) m.apply(state);
      if (!state.fieldsCopied && !state.logsourceCopied && state.also === null) return event;
      const out: E & NormalizedEvent = { ...event, logsource: state.logsource, fields: state.fields };
      if (state.also !== null) out.alsoLogsources = state.also;
      return out;
    },
  };
}

function listYamlFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    const entries = fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (/\.ya?ml$/i.test(e.name)) out.push(full);
    }
  };
  walk(dir);
  return out;
}

export interface NormalizerOptions {
  /** Paths in errors and on mappings are relative to this directory (default: the working directory). */
  baseDir?: string;
}

/**
 * Loads every mapping document under `mappingsDir` (`*.yml` / `*.yaml`, any depth) into a normalizer. A missing
 * directory gives a normalizer that changes nothing; broken files are reported in `errors` and skipped.
 */
export function createEventNormalizer(mappingsDir: string, opts: NormalizerOptions = {}): EventNormalizer {
  const baseDir = path.resolve(opts.baseDir ?? process.cwd());
  const rel = (p: string) => path.relative(baseDir, p).split(path.sep).join('/') || '.';
  const errors: RuleLoadError[] = [];
  const mappings: CompiledMapping[] = [];
  let files: string[] = [];
  try {
    if (fs.statSync(mappingsDir).isDirectory()) files = listYamlFiles(mappingsDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      errors.push({ file: rel(mappingsDir), line: null, message: `cannot read mappings directory: ${(err as Error).message}` });
    }
  }
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      errors.push({ file: rel(file), line: null, message: `cannot read file: ${(err as Error).message}` });
      continue;
    }
    const res = compileMappingSource(text, rel(file));
    mappings.push(...res.mappings);
    errors.push(...res.errors);
  }
  return normalizerFromMappings(mappings, errors);
}
