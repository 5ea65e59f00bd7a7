/** Sigma detection rules: parse → compile → match. */
export { compileRule, INACTIVE_STATUSES, requiredLiterals, RULE_STATUSES, type CompileRuleOptions } from './compile.js';
export { compileRuleSource, type CompileSourceOptions, type RuleSourceResult } from './source.js';
export { SigmaRuleError, type YamlPath } from './errors.js';
export { SUPPORTED_MODIFIERS, type ValueContext } from './values.js';
export { AhoCorasick } from './aho-corasick.js';
export { LiteralPrefilter } from './prefilter.js';
export type { ReqLit } from './literals.js';
