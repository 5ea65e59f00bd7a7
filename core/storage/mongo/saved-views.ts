import { randomUUID } from 'node:crypto';
import type { SavedView } from '../../domain/types.js';
import { duplicateViewName, viewLimitReached, viewNameKey } from '../shared/saved-views.js';
import { toIso } from '../shared/time.js';
import type { SavedViewStore } from '../storage.port.js';
import type { MongoConnection } from './connection.js';
import { isDuplicateKey } from './errors.js';
import { docToSavedView, savedViewSortSpec, savedViewsVisibleQuery, savedViewToDoc } from './saved-view-queries.js';
import type { SavedViewDoc } from './models.js';

/**
 * Saved views on MongoDB. Weaker than SQLite in one way: the per-owner limit is counted, then the view inserted
 * (no transaction), so two creates at the same moment can pass the limit by one.
 */
export function createMongoSavedViewStore(c: MongoConnection): SavedViewStore {
  const onDuplicate = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (isDuplicateKey(err)) throw duplicateViewName(name);
      throw err;
    }
  };

  return {
    async create(input, opts) {
      const { SavedView: Model } = c.models;
      const at = toIso(input.at, 'at');
      if (opts?.maxPerOwner !== undefined && (await Model.countDocuments({ ownerId: input.ownerId })) >= opts.maxPerOwner) {
        throw viewLimitReached(opts.maxPerOwner);
      }
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
      await onDuplicate(input.name, () => Model.create(savedViewToDoc(view)));
      return view;
    },

    async get(id) {
      const doc = await c.models.SavedView.findById(id).lean();
      return doc ? docToSavedView(doc) : null;
    },

    async listVisible(viewer) {
      const docs = await c.models.SavedView.find(savedViewsVisibleQuery(viewer)).sort(savedViewSortSpec).lean();
      return docs.map(docToSavedView);
    },

    async update(id, patch, at) {
      const set: Partial<SavedViewDoc> = { updatedAt: toIso(at, 'at') };
      if (patch.name !== undefined) Object.assign(set, { name: patch.name, nameKey: viewNameKey(patch.name) });
      if (patch.query !== undefined) set.query = patch.query;
      if (patch.shared !== undefined) set.shared = patch.shared;
      const doc = await onDuplicate(patch.name ?? '', () =>
        c.models.SavedView.findOneAndUpdate({ _id: id }, { $set: set }, { returnDocument: 'after', lean: true }),
      );
      return doc ? docToSavedView(doc as SavedViewDoc) : null;
    },

    async delete(id) {
      const res = await c.models.SavedView.deleteOne({ _id: id });
      return res.deletedCount > 0;
    },
  };
}
