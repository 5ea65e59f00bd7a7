/** Sigma correlation rules: loading (load.ts) and the Redis-backed engine (engine.ts). */
export * from './types.js';
export {
  asCompiledRule,
  compileCorrelationSources,
  isActiveCorrelation,
  loadCorrelationRules,
  MAX_COUNT_THRESHOLD,
  parseTimespan,
  silencedRuleIds,
  type CorrelationRuleset,
  type CorrelationSource,
} from './load.js';
export {
  createCorrelationEngine,
  type CorrelationEngine,
  type CorrelationEngineOptions,
  type CorrelationFiring,
  type CorrelationHit,
  type CorrelationHitEvent,
} from './engine.js';
