/**
 * Pure builders for the saved-view queries (no mongoose), checked in memory with mingo in
 * test/integration/storage.mongo-mingo.test.ts like incident-queries.ts.
 */
import type { SavedView } from '../../domain/types.js';
import { viewNameKey } from '../shared/saved-views.js';
import type { SavedViewViewer } from '../storage.port.js';
import type { MongoFilter } from './incident-queries.js';
import type { SavedViewDoc } from './models.js';

/** By name ignoring case, then id: the listing order. */
export const savedViewSortSpec = { nameKey: 1, _id: 1 } as const;

/** The viewer's own views and the shared ones of their scope (null = national: matches null). */
export function savedViewsVisibleQuery(viewer: SavedViewViewer): MongoFilter {
  return { $or: [{ ownerId: viewer.ownerId }, { shared: true, scope: viewer.scope }] };
}

export const savedViewToDoc = (v: SavedView): SavedViewDoc => {
  const { id, ...rest } = v;
  return { _id: id, ...rest, nameKey: viewNameKey(v.name) };
};

export const docToSavedView = (d: SavedViewDoc): SavedView => ({
  id: String(d._id),
  name: d.name,
  query: d.query ?? '',
  shared: Boolean(d.shared),
  owner: d.owner,
  ownerId: d.ownerId,
  scope: d.scope ?? null,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});
