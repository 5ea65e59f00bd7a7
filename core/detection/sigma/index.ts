/** Sigma detection rules: parse → compile → match. */
export { compileRule, INACTIVE_STATUSES, RULE_STATUSES, type CompileRuleOptions } from './compile.js';
export { compileRuleSource, type CompileSourceOptions, type RuleSourceResult } from './source.js';
export { SigmaRuleError, type YamlPath } from './errors.js';
export { SUPPORTED_MODIFIERS, type ValueContext } from './values.js';
