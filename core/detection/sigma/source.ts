/** One rule file's text → its compiled rules and its errors (with 1-based lines). */
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { compileFilter, isFilterDocument, type CompiledFilter } from '../filters/sigma-filter.js';
import type { CompiledRule, RuleLoadError } from '../rule.js';
import { compileRule } from './compile.js';
import { SigmaRuleError, type YamlPath } from './errors.js';
import type { ValueContext } from './values.js';

export interface RuleSourceResult {
  rules: { rule: CompiledRule; /** line of the `id` key, for duplicate reports */ idLine: number | null }[];
  errors: RuleLoadError[];
  /** Sigma filter documents found in the file. */
  filters?: { filter: CompiledFilter; idLine: number | null }[];
}

export type CompileSourceOptions = ValueContext;

/** Line of the deepest node along `path` that exists (the key itself for map entries), or null. */
export function lineOfPath(doc: Document, path: YamlPath, lc: LineCounter): number | null {
  let node: unknown = doc.contents;
  let line: number | null = null;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
      if (!pair) break;
      const key = pair.key;
      if (isScalar(key) && key.range) line = lc.linePos(key.range[0]).line;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) break;
      if ((isScalar(item) || isMap(item) || isSeq(item)) && item.range) line = lc.linePos(item.range[0]).line;
      node = item;
    } else {
      break;
    }
  }
  return line;
}

/** Detection rules can sit beside documents of other Sigma kinds, which other components handle. */
function isOtherSigmaKind(v: Record<string, unknown>): boolean {
  return Object.hasOwn(v, 'correlation') && !Object.hasOwn(v, 'detection');
}

/**
 * Compiles every document of a rule file. Each document is a complete rule; a broken document is reported and
 * skipped without affecting the others. Legacy rule collections (`action: global / reset / repeat`) are
 * rejected as a whole because their documents are not complete rules on their own. Sigma correlation documents
 * are skipped (they are not detection rules).
 */
export function compileRuleSource(text: string, file: string, opts: CompileSourceOptions = {}): RuleSourceResult {
  const out: RuleSourceResult = { rules: [], errors: [] };
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [];
  const nonEmpty = list.filter((d) => d.contents !== null || d.errors.length > 0);
  if (nonEmpty.length === 0) {
    out.errors.push({ file, line: null, message: 'file contains no YAML document' });
    return out;
  }

  // Legacy multi-document collections.
  for (const doc of nonEmpty) {
    if (doc.errors.length === 0 && isMap(doc.contents) && doc.has('action')) {
      out.errors.push({
        file,
        line: lineOfPath(doc, ['action'], lc),
        message:
          `legacy rule collection ('action: ${String(doc.get('action'))}') is not supported: ` +
          'write each rule as a complete document (one rule per file is recommended)',
      });
      return out;
    }
  }

  nonEmpty.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      const err = doc.errors[0]!;
      const line = err.linePos?.[0]?.line ?? lc.linePos(err.pos[0]).line;
      const first = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      out.errors.push({ file, line, message: `YAML syntax error: ${first}` });
      return;
    }
    let js: unknown;
    try {
      js = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      out.errors.push({ file, line: null, message: `YAML error: ${err instanceof Error ? err.message : String(err)}` });
      return;
    }
    if (js !== null && typeof js === 'object' && !Array.isArray(js) && isOtherSigmaKind(js as Record<string, unknown>)) {
      return;
    }
    const fallbackId = nonEmpty.length > 1 ? `${file}#${index + 1}` : file;
    if (isFilterDocument(js)) {
      try {
        const filter = compileFilter(js, { file, fallbackId, placeholders: opts.placeholders });
        (out.filters ??= []).push({ filter, idLine: lineOfPath(doc, ['id'], lc) });
      } catch (err) {
        if (err instanceof SigmaRuleError) {
          out.errors.push({ file, line: lineOfPath(doc, err.path, lc), message: err.message });
        } else {
          out.errors.push({ file, line: null, message: `internal error: ${err instanceof Error ? err.message : String(err)}` });
        }
      }
      return;
    }
    try {
      const rule = compileRule(js, {
        file,
        fallbackId,
        placeholders: opts.placeholders,
      });
      out.rules.push({ rule, idLine: lineOfPath(doc, ['id'], lc) });
    } catch (err) {
      if (err instanceof SigmaRuleError) {
        out.errors.push({ file, line: lineOfPath(doc, err.path, lc), message: err.message });
      } else {
        out.errors.push({ file, line: null, message: `internal error: ${err instanceof Error ? err.message : String(err)}` });
      }
    }
  });
  return out;
}
