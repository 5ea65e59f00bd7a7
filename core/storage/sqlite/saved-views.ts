import { randomUUID } from 'node:crypto';
import type { SavedView } from '../../domain/types.js';
import { duplicateViewName, viewLimitReached, viewNameKey } from '../shared/saved-views.js';
import { toIso } from '../shared/time.js';
import type { NewSavedView, SavedViewStore } from '../storage.port.js';
import type { SqliteHandle } from './connection.js';
import { isUniqueViolation } from './errors.js';

interface SavedViewRow {
  id: string;
  owner_id: string;
  owner: string;
  scope: string | null;
  name: string;
  name_key: string;
  query: string;
  shared: number;
  created_at: string;
  updated_at: string;
}

const toView = (r: SavedViewRow): SavedView => ({
  id: r.id,
  name: r.name,
  query: r.query,
  shared: r.shared !== 0,
  owner: r.owner,
  ownerId: r.owner_id,
  scope: r.scope,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const SQL = {
  byId: 'SELECT * FROM saved_views WHERE id = ?',
  countOwned: 'SELECT COUNT(*) AS n FROM saved_views WHERE owner_id = ?',
  insert: `INSERT INTO saved_views (id, owner_id, owner, scope, name, name_key, query, shared, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  // `scope IS ?` so that NULL (national) equals NULL. Served by saved_views_owner_name and saved_views_shared.
  visible: `SELECT * FROM saved_views WHERE owner_id = ? OR (shared = 1 AND scope IS ?) ORDER BY name_key, id`,
  update: 'UPDATE saved_views SET name = ?, name_key = ?, query = ?, shared = ?, updated_at = ? WHERE id = ?',
  delete: 'DELETE FROM saved_views WHERE id = ?',
} as const;

/** Saved views; create checks the per-owner limit and inserts in one IMMEDIATE transaction. */
export function createSqliteSavedViewStore(h: SqliteHandle): SavedViewStore {
  const byId = (id: string): SavedView | null => {
    const row = h.stmt(SQL.byId).get(id) as SavedViewRow | undefined;
    return row ? toView(row) : null;
  };

  const createTx = (view: SavedView, maxPerOwner: number | null): void => {
    if (maxPerOwner !== null) {
      const { n } = h.stmt(SQL.countOwned).get(view.ownerId) as { n: number };
      if (n >= maxPerOwner) throw viewLimitReached(maxPerOwner);
    }
    h.stmt(SQL.insert).run(
      view.id,
      view.ownerId,
      view.owner,
      view.scope,
      view.name,
      viewNameKey(view.name),
      view.query,
      view.shared ? 1 : 0,
      view.createdAt,
      view.updatedAt,
    );
  };

  const updateTx = (id: string, patch: { name?: string; query?: string; shared?: boolean }, at: string): SavedView | null => {
    const current = byId(id);
    if (!current) return null;
    const next: SavedView = {
      ...current,
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.query !== undefined ? { query: patch.query } : {}),
      ...(patch.shared !== undefined ? { shared: patch.shared } : {}),
      updatedAt: at,
    };
    h.stmt(SQL.update).run(next.name, viewNameKey(next.name), next.query, next.shared ? 1 : 0, next.updatedAt, id);
    return next;
  };

  return {
    async create(input: NewSavedView, opts) {
      const at = toIso(input.at, 'at');
      const view: SavedView = {
        id: randomUUID(),
        name: input.name,
        query: input.query,
        shared: input.shared,
        owner: input.owner,
        ownerId: input.ownerId,
        scope: input.scope,
        createdAt: at,
        updatedAt: at,
      };
      try {
        h.tx('views.create', createTx).immediate(view, opts?.maxPerOwner ?? null);
      } catch (err) {
        if (isUniqueViolation(err)) throw duplicateViewName(input.name);
        throw err;
      }
      return view;
    },

    async get(id) {
      return byId(id);
    },

    async listVisible(viewer) {
      return (h.stmt(SQL.visible).all(viewer.ownerId, viewer.scope) as SavedViewRow[]).map(toView);
    },

    async update(id, patch, at) {
      const when = toIso(at, 'at');
      try {
        return h.tx('views.update', updateTx).immediate(id, patch, when);
      } catch (err) {
        if (isUniqueViolation(err) && patch.name !== undefined) throw duplicateViewName(patch.name);
        throw err;
      }
    },

    async delete(id) {
      return h.stmt(SQL.delete).run(id).changes > 0;
    },
  };
}
