import type { Severity } from '../domain/types.js';
import type { Logsource } from '../domain/event.js';
import type { CompiledFilter } from './filters/sigma-filter.js';

/** What the matcher sees of an event: its logsource and its fields as the source wrote them. */
export interface MatchableEvent {
  logsource: Logsource;
  fields: Record<string, unknown>;
}

/** A detection rule compiled once into a matcher. */
export interface CompiledRule {
  id: string;
  title: string;
  level: Severity;
  status: string | null;
  description: string | null;
  author: string | null;
  references: string[];
  falsepositives: string[];
  tags: string[];
  logsource: Logsource;
  /** Repository-relative path of the file the rule came from. */
  file: string;
  /** Fields whose values group alerts into one incident (besides rule and host); empty = rule + host. */
  groupBy: string[];
  /** Custom `vigil.suppression`: how long alerts keep joining the open incident; the configured default otherwise. */
  suppressionMs?: number;
  /** ENISA Reference Security Incident Taxonomy class slug (see taxonomy.ts), computed when the rule compiles. */
  category: string;
  matches(event: MatchableEvent): boolean;
  /** Sigma v2.1 `name` (a readable unique reference for correlation and filter documents), when the rule has one. */
  name?: string;
  /**
   * Sigma filters bound to this rule by `loadRuleset`: `RuleEngine.match` reports the rule only when the event
   * also satisfies every filter's condition.
   */
  filters?: readonly CompiledFilter[];
}

/** A rule file that could not be loaded: reported, skipped, and never unloads the good rules. */
export interface RuleLoadError {
  file: string;
  /** 1-based line in the file where the problem is, when it can be located. */
  line: number | null;
  message: string;
}

export interface Ruleset {
  rules: CompiledRule[];
  errors: RuleLoadError[];
  /** Sigma filter documents that loaded (already bound to the rules they apply to). */
  filters?: CompiledFilter[];
  /** Problems that do not stop anything loading (e.g. a filter naming a rule that is not loaded). */
  warnings?: RuleLoadError[];
  /** The `%name%` placeholder values in force (from `placeholders.yml` and the options). */
  placeholders?: Readonly<Record<string, readonly string[]>>;
}
