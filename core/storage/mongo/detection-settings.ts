import type { ExceptionStore, RuleSettingStore, StoredException } from '../storage.port.js';
import type { MongoConnection } from './connection.js';
import { conflictOnDuplicate } from './errors.js';
import type { ExceptionDoc } from './models.js';

const toException = (d: ExceptionDoc): StoredException => {
  const { _id, ...rest } = d;
  const out: StoredException = { id: String(_id), ...rest };
  // Optional keys that were never set are left out, as the SQLite adapter returns them.
  for (const k of ['agencyId', 'host', 'user', 'fields'] as const) if (out[k] == null) delete out[k];
  return out;
};

/** Analyst exceptions, oldest first. */
export function createMongoExceptionStore(c: MongoConnection): ExceptionStore {
  return {
    async create(exception) {
      const { id, ...rest } = exception;
      await conflictOnDuplicate(() => c.models.Exception.create({ _id: id, ...rest }), `exception ${id} already exists`);
      return exception;
    },
    async get(id) {
      const doc = await c.models.Exception.findById(id).lean();
      return doc ? toException(doc as ExceptionDoc) : null;
    },
    async list() {
      const docs = await c.models.Exception.find().sort({ createdAt: 1, _id: 1 }).lean();
      return (docs as ExceptionDoc[]).map(toException);
    },
    async delete(id) {
      return (await c.models.Exception.deleteOne({ _id: id })).deletedCount > 0;
    },
  };
}

/** Per-rule on/off switches, by rule id. */
export function createMongoRuleSettingStore(c: MongoConnection): RuleSettingStore {
  return {
    async set(setting) {
      await c.models.RuleSetting.updateOne(
        { _id: setting.ruleId },
        { $set: { enabled: setting.enabled, updatedBy: setting.updatedBy, updatedAt: setting.updatedAt } },
        { upsert: true },
      );
      return { ...setting };
    },
    async list() {
      const docs = await c.models.RuleSetting.find().sort({ _id: 1 }).lean();
      return docs.map((d) => ({ ruleId: String(d._id), enabled: d.enabled, updatedBy: d.updatedBy, updatedAt: d.updatedAt }));
    },
  };
}
