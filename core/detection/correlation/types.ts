/** Sigma correlation rules (Sigma correlation specification v2.1) as Vigil loads and runs them. */
import type { Severity } from '../../domain/types.js';

export const CORRELATION_TYPES = [
  'event_count',
  'value_count',
  'temporal',
  'temporal_ordered',
  'value_sum',
  'value_avg',
  'value_percentile',
] as const;
export type CorrelationType = (typeof CORRELATION_TYPES)[number];

/** The comparison operators of a correlation condition; several given together are ANDed (a range). */
export const CONDITION_OPERATORS = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

export interface CorrelationCondition {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  eq?: number;
  neq?: number;
}

/** A correlation document that loaded: its references resolved to rule ids and its chain depth known. */
export interface CorrelationRule {
  id: string;
  /** Sigma v2.1 `name`, when given (other correlations may reference this rule by it). */
  name?: string;
  title: string;
  level: Severity;
  status: string | null;
  description: string | null;
  author: string | null;
  references: string[];
  falsepositives: string[];
  tags: string[];
  /** Repository-relative path of the file the rule came from. */
  file: string;
  /** 1-based line of the document's `correlation:` key. */
  line: number | null;
  /** ENISA class slug (taxonomy.ts), as for detection rules. */
  category: string;
  /** Custom `vigil.suppression`, as on detection rules. */
  suppressionMs?: number;

  type: CorrelationType;
  /** Ids of the referenced rules (detection or correlation), in the order written (which temporal_ordered uses). */
  rules: string[];
  /** The references as written (id or name), parallel to `rules`. */
  ruleRefs: string[];
  /** Field names (or alias names) whose values must be equal for events to correlate. May be empty. */
  groupBy: string[];
  /** alias name → referenced rule id → field name in the events of that rule. */
  aliases: Record<string, Record<string, string>>;
  /** As written, e.g. `5m`. */
  timespan: string;
  timespanMs: number;
  /** The comparison(s); for temporal types without a condition: `gte` = number of rules. */
  condition: CorrelationCondition;
  /** `condition.field` (value_* types), as a list (several fields combine into one value). Null for the others. */
  field: string[] | null;
  /** value_percentile only: pySigma's `condition.percentile` extension (0-100), when given. */
  percentile: number | null;
  /** Whether the referenced rules also alert on their own (spec default: false). */
  generate: boolean;
  /** 0 when only detection rules are referenced, else 1 + the deepest referenced correlation. */
  depth: number;
}

/** Mirrors RuleLoadError. */
export interface CorrelationLoadError {
  file: string;
  line: number | null;
  message: string;
}
