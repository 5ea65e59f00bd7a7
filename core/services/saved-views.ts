/**
 * Saved incident-list views ("my open criticals"): per person, optionally shared.
 *
 * Who sees what: everyone sees their own views; a shared view is also visible to the people whose scope equals its
 * owner's scope, fixed when it was made: an agency admin's scope is their agency, every national role (admin,
 * analyst, leadership) shares the one national scope. Who changes what: the owner, or an admin, among the views they
 * can see; a view the caller cannot see is "not found", a visible shared view of someone else is "forbidden".
 */
import { z } from 'zod';
import type { PublicSavedView, Role, SavedView } from '../domain/types.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors/app-error.js';
import type { Storage } from '../storage/storage.port.js';
import { incidentListQuerySchema, queryStringToObject } from './incident-list-query.js';

export const MAX_VIEWS_PER_USER = 50;
export const VIEW_NAME_MAX = 80;
export const VIEW_QUERY_MAX = 1000;

/** What the API returns for a view (PublicSavedView, shared with the console). */
export function publicView(v: SavedView): PublicSavedView {
  return { id: v.id, name: v.name, query: v.query, shared: v.shared, owner: v.owner, createdAt: v.createdAt, updatedAt: v.updatedAt };
}

export interface ViewUser {
  id: string;
  username: string;
  role: Role;
  agencyId: string | null;
}

/** The scope a person's shared views are visible in: their agency for an agency admin, null (national) otherwise. */
export function viewScopeOf(user: Pick<ViewUser, 'role' | 'agencyId'>): string | null {
  // An agency admin without an agency (should not exist) shares with nobody rather than with the national roles.
  return user.role === 'agency_admin' ? (user.agencyId ?? '__none__') : null;
}

const viewName = z.string().trim().min(1).max(VIEW_NAME_MAX);

/** The incident list's query string: the same parameters and rules as GET /incidents; unknown parameters are kept. */
const viewQuery = z
  .string()
  .max(VIEW_QUERY_MAX)
  .superRefine((s, ctx) => {
    if (s.startsWith('?')) {
      ctx.addIssue({ code: 'custom', message: 'the query string without its leading "?"' });
      return;
    }
    const parsed = incidentListQuerySchema.safeParse(queryStringToObject(s));
    if (parsed.success) return;
    for (const issue of parsed.error.issues) {
      ctx.addIssue({ code: 'custom', path: issue.path, message: `${issue.path.join('.') || 'query'}: ${issue.message}` });
    }
  });

export const newViewSchema = z.object({ name: viewName, query: viewQuery, shared: z.boolean().optional() }).strict();

export const viewPatchSchema = z
  .object({ name: viewName.optional(), query: viewQuery.optional(), shared: z.boolean().optional() })
  .strict()
  .refine((p) => p.name !== undefined || p.query !== undefined || p.shared !== undefined, {
    message: 'nothing to change: give name, query or shared',
  });

export function createSavedViewService(deps: { storage: Pick<Storage, 'views' | 'audit'>; now?: () => string }) {
  const { storage } = deps;
  const now = deps.now ?? (() => new Date().toISOString());

  const canSee = (user: ViewUser, v: SavedView) => v.ownerId === user.id || (v.shared && v.scope === viewScopeOf(user));

  /** The view if the caller may change it; NotFoundError when they cannot see it, ForbiddenError when not theirs. */
  async function changeable(user: ViewUser, id: string): Promise<SavedView> {
    const view = await storage.views.get(id);
    if (!view || !canSee(user, view)) throw new NotFoundError('view');
    if (view.ownerId !== user.id && user.role !== 'admin') {
      throw new ForbiddenError('only the owner of a view or an admin may change it');
    }
    return view;
  }

  const audit = (user: ViewUser, action: string, view: SavedView, details: Record<string, unknown>, at: string) =>
    storage.audit.record({ at, actor: user.username, action, targetType: 'view', target: view.id, details });

  return {
    async list(user: ViewUser): Promise<SavedView[]> {
      return storage.views.listVisible({ ownerId: user.id, scope: viewScopeOf(user) });
    },

    async create(user: ViewUser, input: unknown): Promise<SavedView> {
      const parsed = newViewSchema.safeParse(input);
      if (!parsed.success) throw new ValidationError('invalid view', parsed.error.issues);
      const at = now();
      const view = await storage.views.create(
        {
          ownerId: user.id,
          owner: user.username,
          scope: viewScopeOf(user),
          name: parsed.data.name,
          query: parsed.data.query,
          shared: parsed.data.shared ?? false,
          at,
        },
        { maxPerOwner: MAX_VIEWS_PER_USER },
      );
      await audit(user, 'view.created', view, { name: view.name, shared: view.shared }, at);
      return view;
    },

    async update(user: ViewUser, id: string, input: unknown): Promise<SavedView> {
      const parsed = viewPatchSchema.safeParse(input);
      if (!parsed.success) throw new ValidationError('invalid view', parsed.error.issues);
      const before = await changeable(user, id);
      const at = now();
      const after = await storage.views.update(id, parsed.data, at);
      if (!after) throw new NotFoundError('view');
      await audit(user, 'view.updated', after, { owner: before.owner, changed: Object.keys(parsed.data) }, at);
      return after;
    },

    async remove(user: ViewUser, id: string): Promise<void> {
      const view = await changeable(user, id);
      if (!(await storage.views.delete(id))) throw new NotFoundError('view');
      await audit(user, 'view.deleted', view, { name: view.name, owner: view.owner }, now());
    },
  };
}

export type SavedViewService = ReturnType<typeof createSavedViewService>;
