import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Router } from 'express';
import { z } from 'zod';
import { exceptionSchema } from '../../../core/detection/filters/exceptions.js';
import { asCompiledRule, loadCorrelationRules } from '../../../core/detection/correlation/index.js';
import type { CompiledRule } from '../../../core/detection/rule.js';
import { loadRuleset } from '../../../core/detection/ruleset.js';
import { loadYaraRules } from '../../../core/detection/yara/index.js';
import { ConflictError, NotFoundError, ValidationError } from '../../../core/errors/app-error.js';
import { RULE_HITS_KEY } from '../../../core/services/detection-sync.js';
import type { ServerContext } from '../../context.js';
import { currentUser, requireRole } from '../middleware/auth.js';

const uploadSchema = z
  .object({
    kind: z.enum(['sigma', 'yara']).default('sigma'),
    content: z.string().min(1).max(512 * 1024),
  })
  .strict();

const newExceptionSchema = z
  .object({
    ruleId: z.string().min(1).max(128),
    agencyId: z.string().min(1).max(128).optional(),
    host: z.string().min(1).max(1024).optional(),
    user: z.string().min(1).max(1024).optional(),
    fields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    comment: z.string().min(1).max(2000),
    expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
  })
  .strict();

/**
 * Checks an uploaded rule with exactly the loader that will run it, in a scratch directory, so a rule is accepted
 * only if it will load. Returns the ids it defines.
 */
async function validateUpload(
  kind: 'sigma' | 'yara',
  content: string,
  inForce: readonly CompiledRule[],
): Promise<{ ids: string[]; fileName: string }> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-upload-'));
  try {
    if (kind === 'sigma') {
      fs.mkdirSync(path.join(scratch, 'sigma'));
      fs.writeFileSync(path.join(scratch, 'sigma', 'upload.yml'), content);
      const r = await loadRuleset(scratch, { baseDir: scratch });
      // Correlation documents may reference the rules in force as well as those in the same file.
      const corr = await loadCorrelationRules(scratch, [...inForce, ...r.rules], { baseDir: scratch });
      const errors = [...r.errors, ...corr.errors];
      if (errors.length) {
        throw new ValidationError('the rule was not accepted', errors.map((e) => ({ line: e.line, message: e.message })));
      }
      const all = [...r.rules, ...corr.rules.map(asCompiledRule)];
      if (!all.length) throw new ValidationError('the file holds no detection or correlation rule');
      const first = all[0]!;
      const slug = first.title.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '').slice(0, 60);
      return { ids: all.map((x) => x.id), fileName: path.join('sigma', 'uploaded', `${slug}_${first.id.slice(0, 8)}.yml`) };
    }
    fs.writeFileSync(path.join(scratch, 'upload.yar'), content);
    const r = await loadYaraRules(scratch, { baseDir: scratch });
    if (r.errors.length) {
      throw new ValidationError('the rule was not accepted', r.errors.map((e) => ({ line: e.line, message: e.message })));
    }
    if (!r.rules.length) throw new ValidationError('the file holds no YARA rule');
    return { ids: r.rules.map((x) => x.id), fileName: path.join('yara', `uploaded_${r.rules[0]!.name}.yar`) };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Rules, their switches and hit counts, uploads, reloads and analyst exceptions. */
export function ruleRoutes(ctx: ServerContext): Router {
  const r = Router();
  const readers = requireRole('admin', 'analyst');

  r.get('/rules', readers, async (_req, res) => {
    const [hits, settings] = await Promise.all([
      ctx.redis.hgetall(RULE_HITS_KEY).catch(() => ({}) as Record<string, string>),
      ctx.storage.ruleSettings.list(),
    ]);
    const disabled = new Set(settings.filter((s) => !s.enabled).map((s) => s.ruleId));
    const correlationIds = new Set(ctx.ruleset.correlations().map((c) => c.id));
    const items = [...ctx.ruleset.rules().values()].map((rule) => ({
      id: rule.id,
      kind: rule.id.startsWith('yara:') ? 'yara' : correlationIds.has(rule.id) ? 'correlation' : 'sigma',
      title: rule.title,
      level: rule.level,
      status: rule.status,
      description: rule.description,
      author: rule.author,
      tags: rule.tags,
      references: rule.references,
      falsepositives: rule.falsepositives,
      logsource: rule.logsource,
      category: rule.category,
      file: rule.file,
      enabled: !disabled.has(rule.id),
      hits: Number(hits[rule.id] ?? 0),
    }));
    items.sort((a, b) => b.hits - a.hits || a.title.localeCompare(b.title));
    res.json({ items, errors: ctx.ruleset.errors() });
  });

  for (const action of ['enable', 'disable'] as const) {
    r.post(`/rules/:id/${action}`, requireRole('admin'), async (req, res) => {
      const id = String(req.params.id);
      if (!ctx.ruleset.rules().has(id)) throw new NotFoundError('rule');
      const setting = await ctx.storage.ruleSettings.set({
        ruleId: id,
        enabled: action === 'enable',
        updatedBy: currentUser(req).username,
        updatedAt: new Date().toISOString(),
      });
      await ctx.detectionSync.announce('settings');
      res.json(setting);
    });
  }

  r.post('/rules', requireRole('admin'), async (req, res) => {
    const parsed = uploadSchema.safeParse(req.body);
    if (!parsed.success) throw new ValidationError('invalid upload', parsed.error.issues);
    const { ids, fileName } = await validateUpload(parsed.data.kind, parsed.data.content, [...ctx.ruleset.rules().values()]);
    const target = path.join(ctx.config.rulesDir, fileName);
    const current = ctx.ruleset.rules();
    const clash = ids.find((id) => current.has(id) && path.resolve(current.get(id)!.file.replace(/:\d+$/, '')) !== target);
    if (clash) throw new ConflictError(`rule ${clash} already exists in ${current.get(clash)!.file}`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    // Write then rename, so a watcher never loads half a file.
    const tmp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, parsed.data.content);
    fs.renameSync(tmp, target);
    await ctx.detectionSync.announce('rules');
    res.status(201).json({ ids, file: path.relative(process.cwd(), target) });
  });

  r.post('/rules/reload', requireRole('admin'), async (_req, res) => {
    await ctx.detectionSync.announce('rules');
    res.json({ rules: ctx.ruleset.rules().size, errors: ctx.ruleset.errors() });
  });

  r.get('/exceptions', readers, async (_req, res) => {
    const now = Date.now();
    const items = (await ctx.storage.exceptions.list()).map((e) => ({
      ...e,
      expired: e.expiresAt ? Date.parse(e.expiresAt) <= now : false,
    }));
    res.json({ items });
  });

  r.post('/exceptions', readers, async (req, res) => {
    const parsed = newExceptionSchema.safeParse(req.body);
    if (!parsed.success) throw new ValidationError('invalid exception', parsed.error.issues);
    const candidate = {
      ...parsed.data,
      id: randomUUID(),
      createdBy: currentUser(req).username,
      createdAt: new Date().toISOString(),
    };
    // The detection module's schema has the matching rules (at least one condition, expiry after creation).
    const checked = exceptionSchema.safeParse(candidate);
    if (!checked.success) throw new ValidationError('invalid exception', checked.error.issues);
    if (candidate.ruleId !== '*' && !ctx.ruleset.rules().has(candidate.ruleId)) {
      throw new ValidationError(`rule ${candidate.ruleId} is not loaded`);
    }
    const stored = await ctx.storage.exceptions.create(checked.data);
    await ctx.detectionSync.announce('settings');
    res.status(201).json(stored);
  });

  r.delete('/exceptions/:id', readers, async (req, res) => {
    if (!(await ctx.storage.exceptions.delete(String(req.params.id)))) throw new NotFoundError('exception');
    await ctx.detectionSync.announce('settings');
    res.status(204).end();
  });

  return r;
}
