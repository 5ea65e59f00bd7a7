import type { Logsource } from '../../domain/event.js';
import type { MatchableEvent } from '../rule.js';

/**
 * An event after the field mappings: fields under Sigma names, and its logsource. Some records belong to several
 * Sigma logsources at once (a Sysmon registry value set is both `registry_set` and `registry_event`): the others are
 * in `alsoLogsources`, which `RuleEngine.match` routes too.
 */
export interface NormalizedEvent extends MatchableEvent {
  alsoLogsources?: readonly Logsource[];
}
