/**
 * Correlation rules for `npm run rules:check`: the same shape as the RulesChecker of scripts/rules-check.ts, so it
 * can be added to its DEFAULT_CHECKERS.
 */
import path from 'node:path';
import type { RuleLoadError } from '../rule.js';
import { loadRuleset } from '../ruleset.js';
import { loadCorrelationRules } from './load.js';

export async function checkCorrelationRules(
  rulesDir: string,
  rel: (p: string) => string,
): Promise<{ errors: RuleLoadError[]; warnings: RuleLoadError[]; checked: string }> {
  const base = process.cwd();
  const detection = await loadRuleset(rulesDir, { baseDir: base });
  const res = await loadCorrelationRules(rulesDir, detection.rules, { baseDir: base });
  const relocate = (e: RuleLoadError) => ({ ...e, file: rel(path.resolve(base, e.file)) });
  return { errors: res.errors.map(relocate), warnings: [], checked: `${res.rules.length} correlation rules` };
}
