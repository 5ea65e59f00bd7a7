/**
 * Absence rules: "this expected event did not arrive", which Sigma cannot say. Data in `RULES_DIR/absence/*.yml`:
 *
 *   title: Nightly backup did not run
 *   id: 5f0c...                       # unique
 *   level: high
 *   description: ...
 *   expect:
 *     rule: <id or name of a detection rule>   # events this rule matches count as the expected event
 *     within: 26h                             # s, m, h or d
 *     hosts: [mof-backup01]                   # optional: hosts that must report; otherwise every host seen once
 *   generate: false                           # whether the expected rule also alerts on its own (default false)
 *
 * The last arrival per agency and host is kept in Redis by the workers; a schedule raises an incident when a
 * host is overdue and resolves it when the event arrives again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { SEVERITIES, type Severity } from '../domain/types.js';
import type { CompiledRule, RuleLoadError } from './rule.js';
import { categoryForRule } from './taxonomy.js';

export interface AbsenceRule {
  id: string;
  title: string;
  level: Severity;
  description: string | null;
  author: string | null;
  tags: string[];
  file: string;
  /** The detection rule whose matches are the expected event. */
  expectRuleId: string;
  withinMs: number;
  /** Hosts that must report (lower-cased); empty = every host that has reported once. */
  hosts: string[];
  generate: boolean;
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

const schema = z
  .object({
    title: z.string().min(1).max(256),
    id: z.string().min(1).max(128),
    level: z.enum(SEVERITIES).default('medium'),
    description: z.string().optional(),
    author: z.string().optional(),
    tags: z.array(z.string()).default([]),
    expect: z
      .object({
        rule: z.string().min(1),
        within: z.string().regex(/^\d+\s*[smhd]$/, 'a duration such as 30m, 26h or 7d'),
        hosts: z.array(z.string().min(1)).default([]),
      })
      .strict(),
    generate: z.boolean().default(false),
    status: z.string().optional(),
    date: z.unknown().optional(),
    references: z.array(z.string()).optional(),
    falsepositives: z.array(z.string()).optional(),
  })
  .strict();

export function parseDuration(text: string): number {
  const m = /^(\d+)\s*([smhd])$/.exec(text.trim())!;
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/** Reads `<rulesDir>/absence/*.yml`; a broken file is reported with file and line and the others still load. */
export function loadAbsenceRules(
  rulesDir: string,
  detectionRules: readonly CompiledRule[],
  opts: { baseDir?: string } = {},
): { rules: AbsenceRule[]; errors: RuleLoadError[] } {
  const dir = path.join(rulesDir, 'absence');
  const rules: AbsenceRule[] = [];
  const errors: RuleLoadError[] = [];
  if (!fs.existsSync(dir)) return { rules, errors };
  const rel = (p: string) => path.relative(opts.baseDir ?? process.cwd(), p).split(path.sep).join('/');
  const byIdOrName = new Map<string, CompiledRule>();
  for (const r of detectionRules) {
    byIdOrName.set(r.id, r);
    if (r.name) byIdOrName.set(r.name, r);
  }
  const seen = new Set<string>();
  for (const name of fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    const file = rel(path.join(dir, name));
    const text = fs.readFileSync(path.join(dir, name), 'utf8');
    const lc = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lc });
    if (doc.errors.length) {
      const e = doc.errors[0]!;
      errors.push({ file, line: e.linePos?.[0]?.line ?? null, message: e.message.split('\n')[0]! });
      continue;
    }
    const lineOf = (keys: (string | number)[]): number | null => {
      const node = doc.getIn(keys, true) as { range?: [number, number, number] } | undefined;
      return node?.range ? lc.linePos(node.range[0]).line : null;
    };
    const parsed = schema.safeParse(doc.toJS());
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const at = issue.path.map(String);
      errors.push({ file, line: lineOf(at) ?? lineOf(at.slice(0, -1)), message: `${at.join('.') || '(rule)'}: ${issue.message}` });
      continue;
    }
    const r = parsed.data;
    const target = byIdOrName.get(r.expect.rule);
    if (!target) {
      errors.push({ file, line: lineOf(['expect', 'rule']), message: `expect.rule: no detection rule with id or name '${r.expect.rule}'` });
      continue;
    }
    if (seen.has(r.id)) {
      errors.push({ file, line: lineOf(['id']), message: `duplicate absence rule id '${r.id}'` });
      continue;
    }
    seen.add(r.id);
    rules.push({
      id: r.id,
      title: r.title,
      level: r.level,
      description: r.description ?? null,
      author: r.author ?? null,
      tags: r.tags,
      file,
      expectRuleId: target.id,
      withinMs: parseDuration(r.expect.within),
      hosts: r.expect.hosts.map((h) => h.toLowerCase()),
      generate: r.generate,
    });
  }
  return { rules, errors };
}

/** An absence rule presented as a Vigil rule, for the catalog and the alerts it raises. */
export function absenceAsRule(a: AbsenceRule): CompiledRule {
  return {
    id: a.id,
    title: a.title,
    level: a.level,
    status: 'stable',
    description: a.description,
    author: a.author,
    references: [],
    falsepositives: [],
    tags: a.tags,
    logsource: {},
    file: a.file,
    groupBy: [],
    category: categoryForRule({ tags: a.tags }),
    matches: () => false,
  };
}
