/** A parsed Sigma rule document (plain JS object) checked and compiled into a CompiledRule. */
import { SEVERITIES, type Severity } from '../../domain/types.js';
import type { Logsource } from '../../domain/event.js';
import type { CompiledRule, MatchableEvent } from '../rule.js';
import { categoryForRule, ENISA_CLASSES, isEnisaClass } from '../taxonomy.js';
import { compileDetection } from './detection.js';
import { SigmaRuleError } from './errors.js';
import { reqOf, withReq, type ReqLit } from './literals.js';
import type { ValueContext } from './values.js';

export const RULE_STATUSES = ['stable', 'test', 'experimental', 'deprecated', 'unsupported'] as const;
/** Statuses of rules that are loaded (and listed) but never matched. */
export const INACTIVE_STATUSES: readonly string[] = ['deprecated', 'unsupported'];

export interface CompileRuleOptions extends ValueContext {
  /** Repository-relative path of the source file, stored on the rule. */
  file: string;
  /** Id used when the rule has none (the spec makes `id` optional). */
  fallbackId: string;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function optString(doc: Record<string, unknown>, key: string): string | null {
  const v = doc[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new SigmaRuleError(`'${key}' must be a string`, [key]);
}

/** A list of strings; a single string counts as a list of one. */
function stringList(doc: Record<string, unknown>, key: string): string[] {
  const v = doc[key];
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v)) throw new SigmaRuleError(`'${key}' must be a list of strings`, [key]);
  return v.map((item, i) => {
    if (typeof item === 'string') return item;
    if (typeof item === 'number' || typeof item === 'boolean') return String(item);
    throw new SigmaRuleError(`'${key}' must be a list of strings`, [key, i]);
  });
}

const LOGSOURCE_KEYS = ['product', 'category', 'service'] as const;

function compileLogsource(v: unknown): { logsource: Logsource; test: (ls: Logsource | undefined) => boolean } {
  if (!isPlainObject(v)) throw new SigmaRuleError("'logsource' must be a map (product / category / service)", ['logsource']);
  const logsource: Logsource = {};
  const checks: { key: (typeof LOGSOURCE_KEYS)[number]; want: string }[] = [];
  for (const key of LOGSOURCE_KEYS) {
    const val = v[key];
    if (val === undefined || val === null) continue;
    if (typeof val !== 'string' || val.trim() === '') {
      throw new SigmaRuleError(`'logsource.${key}' must be a non-empty string`, ['logsource', key]);
    }
    logsource[key] = val;
    checks.push({ key, want: val.toLowerCase() });
  }
  const test = (ls: Logsource | undefined): boolean => {
    for (let i = 0; i < checks.length; i++) {
      const c = checks[i]!;
      const got = ls?.[c.key];
      if (got === undefined || (got !== c.want && got.toLowerCase() !== c.want)) return false;
    }
    return true;
  };
  return { logsource, test };
}

/**
 * Lowercased strings at least one of which occurs in a string value of every event the rule matches (in the
 * value of the given top-level field, or of any field), or null when the rule's detection guarantees none (see
 * literals.ts). Only rules compiled here have them.
 */
export function requiredLiterals(rule: Pick<CompiledRule, 'matches'>): readonly ReqLit[] | null {
  return reqOf(rule.matches);
}

/** Compiles one rule document. Throws SigmaRuleError (with the path of the offending key) when it is invalid. */
export function compileRule(doc: unknown, opts: CompileRuleOptions): CompiledRule {
  if (!isPlainObject(doc)) throw new SigmaRuleError('a Sigma rule must be a YAML map');

  const titleRaw = doc.title;
  if (titleRaw === undefined || titleRaw === null) throw new SigmaRuleError("missing 'title'");
  if (typeof titleRaw !== 'string' || titleRaw.trim() === '') throw new SigmaRuleError("'title' must be a non-empty string", ['title']);
  if (titleRaw.length > 256) throw new SigmaRuleError("'title' is longer than 256 characters", ['title']);
  const title = titleRaw.trim();

  let id = opts.fallbackId;
  if (doc.id !== undefined && doc.id !== null) {
    if (typeof doc.id !== 'string' || doc.id.trim() === '') throw new SigmaRuleError("'id' must be a non-empty string", ['id']);
    if (doc.id.length > 128) throw new SigmaRuleError("'id' is longer than 128 characters", ['id']);
    id = doc.id.trim();
  }

  const statusRaw = optString(doc, 'status');
  if (statusRaw !== null && !(RULE_STATUSES as readonly string[]).includes(statusRaw)) {
    throw new SigmaRuleError(`invalid status '${statusRaw}' (one of: ${RULE_STATUSES.join(', ')})`, ['status']);
  }

  let level: Severity = 'medium';
  const levelRaw = doc.level;
  if (levelRaw !== undefined && levelRaw !== null) {
    const l = typeof levelRaw === 'string' ? levelRaw.trim().toLowerCase() : '';
    if (!(SEVERITIES as readonly string[]).includes(l)) {
      throw new SigmaRuleError(`invalid level '${String(levelRaw)}' (one of: ${SEVERITIES.join(', ')})`, ['level']);
    }
    level = l as Severity;
  }

  if (doc.logsource === undefined || doc.logsource === null) throw new SigmaRuleError("missing 'logsource'");
  const { logsource, test: logsourceOk } = compileLogsource(doc.logsource);

  if (doc.detection === undefined || doc.detection === null) throw new SigmaRuleError("missing 'detection'");
  const detect = compileDetection(doc.detection, { placeholders: opts.placeholders });

  const tags = stringList(doc, 'tags');

  // Custom attribute: ENISA class. `sigma` is the Sigma specification's default field taxonomy, not a class.
  let taxonomy: string | null = null;
  const taxRaw = doc.taxonomy;
  if (taxRaw !== undefined && taxRaw !== null) {
    const t = typeof taxRaw === 'string' ? taxRaw.trim().toLowerCase() : '';
    if (t !== 'sigma') {
      if (!isEnisaClass(t)) {
        throw new SigmaRuleError(
          `invalid taxonomy '${String(taxRaw)}': expected an ENISA RSIT class (${ENISA_CLASSES.join(', ')})`,
          ['taxonomy'],
        );
      }
      taxonomy = t;
    }
  }

  // Custom attributes: vigil.group_by and vigil.suppression (e.g. 30m, 2h, 1d).
  let groupBy: string[] = [];
  let suppressionMs: number | undefined;
  const vigil = doc.vigil;
  if (vigil !== undefined && vigil !== null) {
    if (!isPlainObject(vigil)) throw new SigmaRuleError("'vigil' must be a map", ['vigil']);
    const gb = vigil.group_by;
    if (gb !== undefined && gb !== null) {
      const list = typeof gb === 'string' ? [gb] : gb;
      if (!Array.isArray(list)) throw new SigmaRuleError("'vigil.group_by' must be a list of field names", ['vigil', 'group_by']);
      groupBy = list.map((f, i) => {
        if (typeof f !== 'string' || f.trim() === '') {
          throw new SigmaRuleError("'vigil.group_by' must be a list of field names", ['vigil', 'group_by', i]);
        }
        return f.trim();
      });
    }
    if (vigil.suppression !== undefined && vigil.suppression !== null) {
      const m = /^(\d+)\s*(s|m|h|d)$/.exec(String(vigil.suppression).trim());
      const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
      if (!m || Number(m[1]) <= 0) {
        throw new SigmaRuleError("'vigil.suppression' must be a duration such as 30m, 2h or 1d", ['vigil', 'suppression']);
      }
      suppressionMs = Number(m[1]) * unit[m[2] as keyof typeof unit];
    }
  }

  // Sigma v2.1 `name`: a unique, human-readable reference used by correlation and filter documents.
  let name: string | undefined;
  if (doc.name !== undefined && doc.name !== null) {
    if (typeof doc.name !== 'string' || doc.name.trim() === '') throw new SigmaRuleError("'name' must be a non-empty string", ['name']);
    name = doc.name.trim();
  }

  const matches = withReq(
    (event: MatchableEvent): boolean => logsourceOk(event.logsource) && detect(event.fields),
    reqOf(detect),
  );

  return {
    ...(name !== undefined ? { name } : {}),
    id,
    title,
    level,
    status: statusRaw,
    description: optString(doc, 'description'),
    author: optString(doc, 'author'),
    references: stringList(doc, 'references'),
    falsepositives: stringList(doc, 'falsepositives'),
    tags,
    logsource,
    file: opts.file,
    groupBy,
    ...(suppressionMs !== undefined ? { suppressionMs } : {}),
    category: categoryForRule({ tags, taxonomy }),
    matches,
  };
}
