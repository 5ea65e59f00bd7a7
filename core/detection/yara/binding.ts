/**
 * Loads the YARA-X Node binding (`@litko/yara-x`) lazily. Its loader throws when no prebuilt native module exists
 * for the platform (it ships linux-x64-gnu, darwin-x64 and darwin-arm64 only), so it is required inside a try and
 * a missing binding turns into a load error instead of a crash at import time.
 *
 * The package's own typings name types they never declare, so the small part Vigil uses is typed here.
 */
import { createRequire } from 'node:module';

export interface YaraXPatternMatch {
  offset: number;
  length: number;
  data: string;
  identifier: string;
}

export interface YaraXRuleMatch {
  ruleIdentifier: string;
  namespace: string;
  meta: Record<string, unknown>;
  tags: string[];
  matches: YaraXPatternMatch[];
}

export interface YaraXDiagnostic {
  code: string;
  message: string;
  line?: number;
  column?: number;
}

export interface YaraXCompilerOptions {
  enableIncludes?: boolean;
  errorOnSlowPattern?: boolean;
  errorOnSlowLoop?: boolean;
}

export interface YaraXRules {
  /** Synchronous scan. (The binding's `scanAsync` costs hundreds of microseconds per call: never used.) */
  scan(data: Buffer): YaraXRuleMatch[];
  getWarnings(): YaraXDiagnostic[];
}

export interface YaraXBinding {
  compile(source: string, options?: YaraXCompilerOptions): YaraXRules;
  validate(source: string, options?: YaraXCompilerOptions): { errors: YaraXDiagnostic[]; warnings: YaraXDiagnostic[] };
}

let cached: { binding: YaraXBinding } | { error: string } | undefined;

/** The YARA-X binding, or why it cannot be used on this machine. Loaded once. */
export function loadYaraXBinding(): { binding: YaraXBinding } | { error: string } {
  if (cached !== undefined) return cached;
  try {
    const require = createRequire(import.meta.url);
    const mod = require('@litko/yara-x') as Partial<YaraXBinding>;
    if (typeof mod.compile !== 'function' || typeof mod.validate !== 'function') {
      cached = { error: '@litko/yara-x does not export compile() and validate()' };
    } else {
      cached = { binding: mod as YaraXBinding };
    }
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0] ?? String(err);
    cached = { error: `YARA-X binding unavailable on ${process.platform}-${process.arch}: ${msg}` };
  }
  return cached;
}

/** Options every Vigil compilation uses: includes are off (files are compiled from memory, joined together). */
export const COMPILER_OPTIONS: YaraXCompilerOptions = { enableIncludes: false };

/**
 * Turns a compiler diagnostic into one line and a 1-based line number. YARA-X messages look like
 * `error[E025]: unknown pattern `$zz`\n --> line:1:23\n  |\n1 | ...\n  |   ^^^ this pattern is not declared`.
 */
export function describeDiagnostic(d: { code?: string; message: string; line?: number }): {
  line: number | null;
  message: string;
} {
  const text = d.message.replace(/^Compilation error \([^)]*\):\s*/, '');
  const lines = text.split('\n');
  const loc = /-->\s*line:(\d+):(\d+)/.exec(text);
  const line = typeof d.line === 'number' && d.line > 0 ? d.line : loc ? Number(loc[1]) : null;
  const title = (lines[0] ?? '').replace(/^(error|warning)\[([^\]]+)\]:\s*/, '$2: ').trim();
  let label = '';
  for (const l of lines.slice(1)) {
    const m = /^\s*\d*\s*\|\s*\^+\s*(.*)$/.exec(l);
    if (m && m[1]) {
      label = m[1].trim();
      break;
    }
  }
  return { line, message: label && !title.includes(label) ? `${title}: ${label}` : title };
}
