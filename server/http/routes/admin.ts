import { Router, type Request } from 'express';
import { agentStatus } from '../../../core/services/agent-health.js';
import { z } from 'zod';
import { ForbiddenError, NotFoundError, ValidationError } from '../../../core/errors/app-error.js';
import { publicAgent } from '../../../core/services/agent-service.js';
import { ASSIGNABLE_ROLES } from '../../../core/services/incident-service.js';
import { publicUser } from '../../../core/services/user-service.js';
import type { ServerContext } from '../../context.js';
import { agencyScope, currentUser, requireRole } from '../middleware/auth.js';

const newAgencySchema = z
  .object({
    name: z.string().trim().min(2).max(200),
    code: z
      .string()
      .trim()
      .min(2)
      .max(32)
      .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only'),
  })
  .strict();

/** Agencies, users and agents: the records an admin manages. */
export function adminRoutes(ctx: ServerContext): Router {
  const r = Router();
  const anyone = requireRole('admin', 'analyst', 'agency_admin', 'leadership');

  r.get('/agencies', anyone, async (req, res) => {
    const scope = agencyScope(currentUser(req));
    const all = await ctx.storage.agencies.list();
    res.json({ items: scope ? all.filter((a) => scope.includes(a.id)) : all });
  });

  r.post('/agencies', requireRole('admin'), async (req, res) => {
    const parsed = newAgencySchema.safeParse(req.body);
    if (!parsed.success) throw new ValidationError('invalid agency', parsed.error.issues);
    res.status(201).json(await ctx.storage.agencies.create(parsed.data));
  });

  r.get('/users', requireRole('admin'), async (_req, res) => {
    res.json({ items: (await ctx.storage.users.list()).map(publicUser) });
  });

  // Who incidents may be assigned to (the console's assignee picker): active admins and analysts, by username.
  r.get('/assignees', requireRole('admin', 'analyst'), async (_req, res) => {
    const users = await ctx.storage.users.list();
    res.json({
      items: users.filter((u) => !u.disabled && ASSIGNABLE_ROLES.includes(u.role)).map((u) => ({ username: u.username, role: u.role })),
    });
  });

  r.post('/users', requireRole('admin'), async (req, res) => {
    res.status(201).json(publicUser(await ctx.users.create(req.body)));
  });

  r.get('/agents', requireRole('admin', 'analyst', 'agency_admin'), async (req, res) => {
    const scope = agencyScope(currentUser(req));
    const asked = typeof req.query.agencyId === 'string' ? req.query.agencyId : undefined;
    if (scope && asked && !scope.includes(asked)) throw new ForbiddenError('not your agency');
    const agencyId = asked ?? (scope ? scope[0] : undefined);
    const [items, health] = await Promise.all([
      ctx.storage.agents.list(agencyId ? { agencyId } : {}),
      ctx.storage.agentHealth.list(),
    ]);
    const byAgent = new Map(health.map((h) => [h.agentId, h]));
    const now = Date.now();
    res.json({
      items: items.map((a) => {
        const h = byAgent.get(a.id) ?? null;
        return {
          ...publicAgent(a),
          status: agentStatus(a, h, ctx.config.agentSilenceMinutes, now),
          silenceMinutes: h?.silenceMinutes ?? ctx.config.agentSilenceMinutes,
          silentSince: h?.silentSince ?? null,
          silenceIncidentId: h?.incidentId ?? null,
        };
      }),
    });
  });

  const visibleAgent = async (req: Request, id: string) => {
    const agent = await ctx.storage.agents.get(id);
    const scope = agencyScope(currentUser(req));
    if (!agent || (scope && !scope.includes(agent.agencyId))) throw new NotFoundError('agent');
    return agent;
  };

  r.patch('/agents/:id', requireRole('admin', 'agency_admin'), async (req, res) => {
    const agent = await visibleAgent(req, String(req.params.id));
    const parsed = z
      .object({ silenceMinutes: z.number().int().min(1).max(7 * 24 * 60).nullable() })
      .strict()
      .safeParse(req.body);
    if (!parsed.success) throw new ValidationError('invalid agent settings', parsed.error.issues);
    const health = await ctx.storage.agentHealth.set(agent.id, { silenceMinutes: parsed.data.silenceMinutes }, new Date().toISOString());
    await ctx.storage.audit.record({
      at: health.updatedAt,
      actor: currentUser(req).username,
      action: 'agent.silence_threshold_changed',
      targetType: 'agent',
      target: agent.id,
      details: { silenceMinutes: parsed.data.silenceMinutes },
    });
    res.json({ ...publicAgent(agent), silenceMinutes: health.silenceMinutes ?? ctx.config.agentSilenceMinutes });
  });

  // Status history: silences and returns, threshold changes, revocation.
  r.get('/agents/:id/history', requireRole('admin', 'analyst', 'agency_admin'), async (req, res) => {
    const agent = await visibleAgent(req, String(req.params.id));
    res.json({ items: await ctx.storage.audit.list({ target: agent.id, targetType: 'agent' }, { limit: 200 }) });
  });

  // An agency admin manages the agents of their own agency only.
  r.post('/agents', requireRole('admin', 'agency_admin'), async (req, res) => {
    const scope = agencyScope(currentUser(req));
    const agencyId = (req.body as { agencyId?: unknown } | undefined)?.agencyId;
    if (scope && (typeof agencyId !== 'string' || !scope.includes(agencyId))) {
      throw new ForbiddenError('not your agency');
    }
    const { agent, key } = await ctx.agents.create(req.body);
    res.status(201).json({ id: agent.id, key, agent: publicAgent(agent) });
  });

  r.post('/agents/:id/revoke', requireRole('admin', 'agency_admin'), async (req, res) => {
    const id = String(req.params.id);
    const existing = await ctx.storage.agents.get(id);
    const scope = agencyScope(currentUser(req));
    if (!existing || (scope && !scope.includes(existing.agencyId))) throw new NotFoundError('agent');
    const revoked = await ctx.agents.revoke(id);
    await ctx.storage.audit.record({
      at: revoked.revokedAt!,
      actor: currentUser(req).username,
      action: 'agent.revoked',
      targetType: 'agent',
      target: id,
      details: {},
    });
    res.json(publicAgent(revoked));
  });

  return r;
}
