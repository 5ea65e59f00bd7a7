/**
 * The storage contract against a real MongoDB, when MONGODB_URI is set (each storage gets its own throw-away
 * database, dropped afterwards). Without it the suite is reported as one skipped test.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createMongoStorage } from '../../core/storage/mongo/index.js';
import { mongoConnectionOf } from '../../core/storage/mongo/registry.js';
import { dropDatabase, setIncidentStatus } from '../../core/storage/mongo/test-support.js';
import type { Storage } from '../../core/storage/storage.port.js';
import { alertInput } from '../factories/incidents.js';
import { runStorageContract } from './storage.contract.js';

/** The same URI pointing at another database (keeps hosts, credentials and options). */
export function withDatabase(uri: string, db: string): string {
  const [base, query] = uri.split('?', 2) as [string, string | undefined];
  const m = /^(mongodb(?:\+srv)?:\/\/[^/]+)(?:\/.*)?$/.exec(base);
  if (!m) throw new Error(`not a MongoDB URI: ${uri}`);
  return `${m[1]}/${db}${query ? `?${query}` : ''}`;
}

const uri = process.env.MONGODB_URI;

if (!uri) {
  describe('storage contract: mongo', function () {
    it('skipped: MONGODB_URI not set', function () {
      this.skip();
    });
  });
} else {
  const made: Storage[] = [];
  const make = async () => {
    const s = createMongoStorage({ uri: withDatabase(uri, `vigil_test_${randomUUID().slice(0, 8)}`) });
    made.push(s);
    return s;
  };

  after(async function () {
    this.timeout(60_000);
    for (const s of made) {
      await s.connect();
      await dropDatabase(s);
      await s.close();
    }
  });

  runStorageContract('mongo', make, { setIncidentStatus });

  describe('mongo storage specifics', function () {
    let s: Storage;
    beforeEach(async function () {
      s = await make();
      await s.connect();
    });
    afterEach(async function () {
      await s.close();
    });

    it('creates the unique and query indexes on connect', async function () {
      const { models } = mongoConnectionOf(s);
      const keys = async (m: { collection: { indexes(): Promise<{ key: Record<string, unknown>; unique?: boolean }[]> } }) =>
        (await m.collection.indexes()).map((i) => `${JSON.stringify(i.key)}${i.unique ? ' unique' : ''}`).sort();
      assert.ok((await keys(models.Agency)).includes('{"code":1} unique'));
      assert.ok((await keys(models.Agent)).includes('{"keyPrefix":1} unique'));
      assert.ok((await keys(models.User)).includes('{"usernameKey":1} unique'));
      const incident = await keys(models.Incident);
      for (const k of ['{"groupKey":1,"status":1,"lastSeen":1}', '{"lastSeen":-1,"_id":-1}', '{"agencyId":1,"lastSeen":-1}']) {
        assert.ok(incident.includes(k), `missing incident index ${k}`);
      }
    });

    it('stores string _ids, no __v, and applied alerts linked to their incident', async function () {
      const agency = await s.agencies.create({ name: 'A', code: 'A' });
      const res = await s.incidents.recordAlert(alertInput({ agencyId: agency.id }));
      const { models } = mongoConnectionOf(s);
      const raw = await models.Incident.collection.findOne({ _id: res.incident.id } as never);
      assert.ok(raw);
      assert.equal(raw._id, res.incident.id);
      assert.equal('__v' in raw, false);
      assert.equal(raw.severityRank, 2);
      const alert = await models.Alert.collection.findOne({ _id: res.alert.id } as never);
      assert.equal(alert?.incidentId, res.incident.id);
      assert.equal(alert?.claimedAt, null);
    });
  });
}
