/** YARA scanning (DESIGN.md §5): rules in `rules/yara/*.yar` compiled once with YARA-X, scanned over event payloads. */
export { createYaraEngine, YaraCompileError, type YaraEngine, type YaraEngineOptions, type YaraHit, type YaraSourceFile } from './engine.js';
export {
  attackTagsOf,
  loadYaraRules,
  severityFromMeta,
  type LoadYaraOptions,
  type YaraLoadError,
  type YaraRuleInfo,
  type YaraRuleset,
} from './load.js';
export { DEFAULT_YARA_FIELDS, scanEvents, scanTargets, type YaraScannable } from './targets.js';
export type { MetaValue, ScanMode } from './source.js';
