/** The pure pieces shared by the storage adapters. */
import assert from 'node:assert/strict';
import { ValidationError } from '../../core/errors/app-error.js';
import { incidentFilterToQuery, escapeRegex } from '../../core/storage/mongo/incident-queries.js';
import {
  joinWindowStart,
  maxSeverity,
  unionCapped,
} from '../../core/storage/shared/incident-rules.js';
import { clampLimit, decodeCursor, encodeCursor } from '../../core/storage/shared/paging.js';
import { toIso } from '../../core/storage/shared/time.js';
import { escapeLike, incidentWhere } from '../../core/storage/sqlite/incident-sql.js';

describe('storage rules (pure)', function () {
  it('unionCapped keeps order, drops duplicates and stops at the cap', function () {
    assert.deepEqual(unionCapped(['a', 'b'], ['b', 'c', 'a', 'd', 'c']), ['a', 'b', 'c', 'd']);
    assert.deepEqual(unionCapped(['a', 'b'], ['c', 'd'], 3), ['a', 'b', 'c']);
    assert.deepEqual(unionCapped([], []), []);
  });

  it('maxSeverity follows SEVERITIES order', function () {
    assert.equal(maxSeverity('low', 'critical'), 'critical');
    assert.equal(maxSeverity('high', 'medium'), 'high');
    assert.equal(maxSeverity('informational', 'informational'), 'informational');
  });

  it('joinWindowStart is firstEventAt minus the suppression window', function () {
    assert.equal(
      joinWindowStart({ firstEventAt: '2025-01-01T00:10:00.000Z', suppressionMs: 600_000 }),
      '2025-01-01T00:00:00.000Z',
    );
  });

  it('toIso normalises any ISO-8601 form and rejects garbage', function () {
    assert.equal(toIso('2025-01-01T02:00:00+02:00', 'at'), '2025-01-01T00:00:00.000Z');
    assert.throws(() => toIso('soon', 'at'), ValidationError);
  });

  it('cursors round-trip as base64url JSON [lastSeen, id] and reject anything else', function () {
    const c = encodeCursor({ lastSeen: '2025-01-01T00:00:00.000Z', id: 'abc' });
    assert.equal(Buffer.from(c, 'base64url').toString(), '["2025-01-01T00:00:00.000Z","abc"]');
    assert.deepEqual(decodeCursor(c), { lastSeen: '2025-01-01T00:00:00.000Z', id: 'abc' });
    for (const bad of ['', '!!', Buffer.from('[1,2]').toString('base64url'), Buffer.from('["a"]').toString('base64url')]) {
      assert.throws(() => decodeCursor(bad), ValidationError, bad);
    }
  });

  it('clampLimit defaults to 50 and bounds to 1..500', function () {
    assert.deepEqual([undefined, 0, -3, 1, 7.9, 500, 501, Number.NaN].map(clampLimit), [50, 1, 1, 1, 7, 500, 500, 50]);
  });

  it('escapes LIKE wildcards and regex metacharacters', function () {
    assert.equal(escapeLike('a%b_c\\d'), 'a\\%b\\_c\\\\d');
    assert.equal(escapeRegex('a.b*(c)[d]$^+?{}|\\'), 'a\\.b\\*\\(c\\)\\[d\\]\\$\\^\\+\\?\\{\\}\\|\\\\');
  });

  it('builds the Mongo filter and the SQL WHERE for the same IncidentFilter', function () {
    const filter = { status: ['new' as const], agencyIds: ['a1'], from: '2025-01-01T00:00:00Z', q: 'x.y' };
    assert.deepEqual(incidentFilterToQuery(filter), {
      $and: [
        { status: { $in: ['new'] } },
        { agencyId: { $in: ['a1'] } },
        { lastSeen: { $gte: '2025-01-01T00:00:00.000Z' } },
        {
          $or: [
            { title: { $regex: 'x\\.y', $options: 'i' } },
            { host: { $regex: 'x\\.y', $options: 'i' } },
            { ruleId: { $regex: 'x\\.y', $options: 'i' } },
            { 'entities.hosts': { $regex: 'x\\.y', $options: 'i' } },
            { 'entities.users': { $regex: 'x\\.y', $options: 'i' } },
            { 'entities.ips': { $regex: 'x\\.y', $options: 'i' } },
          ],
        },
      ],
    });
    assert.deepEqual(incidentFilterToQuery({}), {});
    assert.deepEqual(incidentFilterToQuery({ severity: ['high'] }), { severity: { $in: ['high'] } });
    const where = incidentWhere({ status: ['new'], to: '2025-01-01T00:00:00.000Z' });
    assert.equal(where.sql, 'WHERE status IN (SELECT value FROM json_each(?)) AND last_seen <= ?');
    assert.deepEqual(where.params, ['["new"]', '2025-01-01T00:00:00.000Z']);
    assert.deepEqual(incidentWhere({}), { sql: '', params: [] });
  });
});
