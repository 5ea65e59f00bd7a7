import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logging/logger.js';
import type { CompiledRule, RuleLoadError } from './rule.js';
import { RuleEngine, loadRuleset } from './ruleset.js';
import { compileExceptions, type Exception, type ExceptionCheck } from './filters/exceptions.js';
import { createEventNormalizer, type EventNormalizer } from './mappings/index.js';
import { absenceAsRule, loadAbsenceRules, type AbsenceRule } from './absence.js';
import {
  asCompiledRule,
  loadCorrelationRules,
  silencedRuleIds,
  type CorrelationRule,
} from './correlation/index.js';
import { loadYaraRules, type YaraEngine, type YaraRuleInfo } from './yara/index.js';

/** YARA rules in force: the compiled engine and, by YARA rule name, the Vigil rule its alerts are raised under. */
export interface YaraInForce {
  engine: YaraEngine;
  rulesByName: ReadonlyMap<string, CompiledRule>;
}

/** A YARA rule presented as a Vigil rule, so its hits become alerts like any Sigma match. */
function yaraAsRule(info: YaraRuleInfo): CompiledRule {
  return {
    id: info.id,
    title: info.description ? `YARA ${info.name}: ${info.description}` : `YARA ${info.name}`,
    level: info.level,
    status: 'stable',
    description: info.description,
    author: info.author,
    references: info.references,
    falsepositives: [],
    tags: info.attack,
    logsource: {},
    file: `${info.file}:${info.line}`,
    groupBy: [],
    category: info.category,
    // Never matched field by field: the YARA engine scans payloads and fields for the whole batch.
    matches: () => false,
  };
}

/** What people decided about detection: rules switched off and exceptions. Kept in storage, applied here. */
export interface DetectionSettings {
  disabledRuleIds: ReadonlySet<string>;
  /** True when an exception says this rule must not alert for this event. */
  isExcepted: ExceptionCheck;
}

export interface DetectionSettingsSource {
  ruleSettings: { list(): Promise<{ ruleId: string; enabled: boolean }[]> };
  exceptions: { list(): Promise<Exception[]> };
}

const NO_SETTINGS: DetectionSettings = { disabledRuleIds: new Set(), isExcepted: () => false };

export interface LiveRuleset {
  engine(): RuleEngine;
  /** Sigma correlation rules in force (the same array until the next reload). */
  correlations(): readonly CorrelationRule[];
  /** Absence rules ("expected event did not arrive") in force. */
  absence(): readonly AbsenceRule[];
  /** Detection rules that only feed correlations and must not alert on their own (Sigma `generate: false`). */
  silenced(): ReadonlySet<string>;
  /** Maps source-specific event shapes (rules/mappings) to Sigma field names and logsources before matching. */
  normalizer(): EventNormalizer;
  settings(): DetectionSettings;
  /** Re-reads rule switches and exceptions from storage (after a change anywhere, or periodically). */
  refreshSettings(): Promise<void>;
  yara(): YaraInForce | null;
  rules(): ReadonlyMap<string, CompiledRule>;
  errors(): readonly RuleLoadError[];
  reload(): Promise<{ rules: number; errors: RuleLoadError[] }>;
  close(): void;
}

/**
 * The rules in force, reloaded when files under `dir` change. A file that breaks while being edited is reported
 * and its last good rules stay in force, so a typo never silently switches a detection off.
 */
export async function createLiveRuleset(opts: {
  dir: string;
  logger: Logger;
  watch?: boolean;
  settingsSource?: DetectionSettingsSource;
}): Promise<LiveRuleset> {
  let rules: CompiledRule[] = [];
  let byId = new Map<string, CompiledRule>();
  let engine = new RuleEngine([]);
  let errors: RuleLoadError[] = [];
  let yara: YaraInForce | null = null;
  let normalizer = createEventNormalizer(path.join(opts.dir, 'mappings'));
  let correlations: CorrelationRule[] = [];
  let silenced: ReadonlySet<string> = new Set();
  let absence: AbsenceRule[] = [];

  async function reload() {
    const [loaded, yaraLoaded] = await Promise.all([
      loadRuleset(opts.dir),
      loadYaraRules(path.join(opts.dir, 'yara')),
    ]);
    // As with Sigma, a broken YARA file is reported while the engine built from the good files takes over.
    const yaraRules = yaraLoaded.rules.map(yaraAsRule);
    yara = yaraLoaded.engine
      ? { engine: yaraLoaded.engine, rulesByName: new Map(yaraLoaded.rules.map((r, i) => [r.name, yaraRules[i]!])) }
      : yara && yaraLoaded.errors.length
        ? yara
        : null;
    const ids = new Set(loaded.rules.map((r) => r.id));
    const brokenFiles = new Set(loaded.errors.map((e) => e.file));
    const kept = rules.filter((r) => brokenFiles.has(r.file) && !ids.has(r.id));
    const next = [...loaded.rules, ...kept];
    const yaraInForce = yara ? [...yara.rulesByName.values()] : [];
    const corr = await loadCorrelationRules(opts.dir, [...next, ...yaraInForce]);
    correlations = corr.rules;
    const abs = loadAbsenceRules(opts.dir, next);
    absence = abs.rules;
    silenced = new Set([...silencedRuleIds(corr.rules), ...abs.rules.filter((a) => !a.generate).map((a) => a.expectRuleId)]);
    const catalog = [...next, ...yaraInForce, ...corr.rules.map(asCompiledRule), ...abs.rules.map(absenceAsRule)];
    rules = next;
    byId = new Map(catalog.map((r) => [r.id, r]));
    engine = new RuleEngine(next);
    const nextNormalizer = createEventNormalizer(path.join(opts.dir, 'mappings'));
    // Mapping documents that fail are skipped by the normalizer itself; the good ones apply.
    normalizer = nextNormalizer;
    errors = [...loaded.errors, ...yaraLoaded.errors, ...corr.errors, ...abs.errors, ...nextNormalizer.errors];
    for (const w of loaded.warnings ?? []) opts.logger.warn({ file: w.file, line: w.line }, `rule warning: ${w.message}`);
    for (const e of errors) {
      opts.logger.warn({ file: e.file, line: e.line }, `rule rejected: ${e.message}`);
    }
    opts.logger.info({ rules: next.length, correlations: correlations.length, yaraRules: yara?.engine.ruleCount ?? 0, rejected: errors.length, keptFromBrokenFiles: kept.length }, 'rules loaded');
    return { rules: next.length, errors };
  }

  let settings = NO_SETTINGS;
  async function refreshSettings() {
    if (!opts.settingsSource) return;
    const [switches, exceptions] = await Promise.all([
      opts.settingsSource.ruleSettings.list(),
      opts.settingsSource.exceptions.list(),
    ]);
    settings = {
      disabledRuleIds: new Set(switches.filter((s) => !s.enabled).map((s) => s.ruleId)),
      isExcepted: compileExceptions(exceptions),
    };
  }

  await reload();
  await refreshSettings();

  let watcher: fs.FSWatcher | null = null;
  let timer: NodeJS.Timeout | null = null;
  if (opts.watch !== false && fs.existsSync(opts.dir)) {
    try {
      watcher = fs.watch(opts.dir, { recursive: true }, () => {
        // Editors write files in several steps; reload once they settle.
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          reload().catch((err) => opts.logger.error({ err }, 'rule reload failed; previous rules stay in force'));
        }, 300);
      });
    } catch (err) {
      opts.logger.warn({ err }, 'cannot watch the rules directory; rules reload on restart only');
    }
  }

  return {
    engine: () => engine,
    correlations: () => correlations,
    absence: () => absence,
    silenced: () => silenced,
    normalizer: () => normalizer,
    settings: () => settings,
    refreshSettings,
    yara: () => yara,
    rules: () => byId,
    errors: () => errors,
    reload,
    close() {
      if (timer) clearTimeout(timer);
      watcher?.close();
    },
  };
}
