import fs from 'node:fs';
import type { Logger } from '../logging/logger.js';
import type { CompiledRule, RuleLoadError } from './rule.js';
import { RuleEngine, loadRuleset } from './ruleset.js';

export interface LiveRuleset {
  engine(): RuleEngine;
  rules(): ReadonlyMap<string, CompiledRule>;
  errors(): readonly RuleLoadError[];
  reload(): Promise<{ rules: number; errors: RuleLoadError[] }>;
  close(): void;
}

/**
 * The rules in force, reloaded when files under `dir` change. A file that breaks while being edited is reported
 * and its last good rules stay in force, so a typo never silently switches a detection off.
 */
export async function createLiveRuleset(opts: { dir: string; logger: Logger; watch?: boolean }): Promise<LiveRuleset> {
  let rules: CompiledRule[] = [];
  let byId = new Map<string, CompiledRule>();
  let engine = new RuleEngine([]);
  let errors: RuleLoadError[] = [];

  async function reload() {
    const loaded = await loadRuleset(opts.dir);
    const ids = new Set(loaded.rules.map((r) => r.id));
    const brokenFiles = new Set(loaded.errors.map((e) => e.file));
    const kept = rules.filter((r) => brokenFiles.has(r.file) && !ids.has(r.id));
    const next = [...loaded.rules, ...kept];
    rules = next;
    byId = new Map(next.map((r) => [r.id, r]));
    engine = new RuleEngine(next);
    errors = loaded.errors;
    for (const e of errors) {
      opts.logger.warn({ file: e.file, line: e.line }, `rule rejected: ${e.message}`);
    }
    opts.logger.info({ rules: next.length, rejected: errors.length, keptFromBrokenFiles: kept.length }, 'rules loaded');
    return { rules: next.length, errors };
  }

  await reload();

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
    rules: () => byId,
    errors: () => errors,
    reload,
    close() {
      if (timer) clearTimeout(timer);
      watcher?.close();
    },
  };
}
