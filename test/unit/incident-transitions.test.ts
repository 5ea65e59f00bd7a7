import assert from 'node:assert/strict';
import { INCIDENT_STATUSES, ROLES, type IncidentStatus, type StatusDefinition } from '../../core/domain/types.js';
import {
  allowedNextStatuses,
  canTransition,
  nextStages,
  resolveStatus,
  TRANSITIONS,
} from '../../core/services/incident-transitions.js';

/**
 * The expected table, written out independently of TRANSITIONS: for each from-status, what an analyst may move to
 * (A), what only an admin may (a), and what nobody may (.). Columns in INCIDENT_STATUSES order:
 *                 new  triaged  investigating  contained  resolved  false_positive  closed
 */
const EXPECTED: Record<IncidentStatus, string> = {
  new: '.AAAAA.',
  triaged: '..AAAA.',
  investigating: '...AAA.',
  contained: '..A.AA.',
  resolved: '..A...A',
  false_positive: '......A',
  closed: '..a....',
};

const def = (key: string, stage: IncidentStatus): StatusDefinition => ({ key, label: key, stage, createdBy: 'root', createdAt: '2025-01-01T00:00:00.000Z' });

describe('incident transition table', function () {
  it('covers every status, and the written-out table has a row and a column per status', function () {
    assert.deepEqual(Object.keys(TRANSITIONS).sort(), [...INCIDENT_STATUSES].sort());
    for (const row of Object.values(EXPECTED)) assert.equal(row.length, INCIDENT_STATUSES.length);
  });

  for (const from of INCIDENT_STATUSES) {
    for (const [col, to] of INCIDENT_STATUSES.entries()) {
      const cell = EXPECTED[from][col];
      it(`${from} → ${to}: analyst ${cell === 'A' ? 'yes' : 'no'}, admin ${cell === '.' ? 'no' : 'yes'}`, function () {
        assert.equal(canTransition(from, to, 'analyst'), cell === 'A');
        assert.equal(canTransition(from, to, 'admin'), cell !== '.');
        assert.equal(canTransition(from, to, 'agency_admin'), false);
        assert.equal(canTransition(from, to, 'leadership'), false);
      });
    }
  }

  it('never allows staying in the same status, and allows every open status to become a false positive', function () {
    for (const s of INCIDENT_STATUSES) for (const role of ROLES) assert.equal(canTransition(s, s, role), false);
    for (const s of ['new', 'triaged', 'investigating', 'contained'] as const) assert.ok(canTransition(s, 'false_positive', 'analyst'));
    for (const s of ['resolved', 'false_positive', 'closed'] as const) assert.equal(canTransition(s, 'false_positive', 'admin'), false);
  });

  it('lists next stages in lifecycle order, and none for a merged incident', function () {
    assert.deepEqual(nextStages('new', 'analyst'), ['triaged', 'investigating', 'contained', 'resolved', 'false_positive']);
    assert.deepEqual(nextStages('closed', 'analyst'), []);
    assert.deepEqual(nextStages('closed', 'admin'), ['investigating']);
    assert.deepEqual(nextStages('new', 'admin', { merged: true }), []);
  });
});

describe('admin-defined statuses', function () {
  const defs = [def('awaiting_vendor', 'investigating'), def('isolated', 'contained'), def('escalated', 'investigating'), def('archived', 'closed')];

  it('resolve to their stage; built-in statuses resolve to themselves; unknown keys to null', function () {
    assert.deepEqual(resolveStatus('awaiting_vendor', defs), { stage: 'investigating', customStatus: 'awaiting_vendor' });
    assert.deepEqual(resolveStatus('triaged', defs), { stage: 'triaged', customStatus: null });
    assert.equal(resolveStatus('nope', defs), null);
  });

  it('are offered where their stage is allowed, plus the other statuses of the current stage', function () {
    assert.deepEqual(allowedNextStatuses({ status: 'new' }, 'analyst', defs), [
      'triaged', 'investigating', 'contained', 'resolved', 'false_positive', 'awaiting_vendor', 'escalated', 'isolated',
    ]);
    // In awaiting_vendor (stage investigating): where investigating may go, back to investigating, and escalated.
    assert.deepEqual(allowedNextStatuses({ status: 'investigating', customStatus: 'awaiting_vendor' }, 'analyst', defs), [
      'investigating', 'contained', 'resolved', 'false_positive', 'escalated', 'isolated',
    ]);
    assert.deepEqual(allowedNextStatuses({ status: 'investigating' }, 'analyst', defs), [
      'contained', 'resolved', 'false_positive', 'awaiting_vendor', 'escalated', 'isolated',
    ]);
    // Contained → investigating (reopen) includes the admin-defined statuses of stage investigating.
    assert.deepEqual(allowedNextStatuses({ status: 'contained', customStatus: 'isolated' }, 'analyst', defs), [
      'investigating', 'contained', 'resolved', 'false_positive', 'awaiting_vendor', 'escalated',
    ]);
    assert.deepEqual(allowedNextStatuses({ status: 'closed' }, 'analyst', defs), ['archived']);
    assert.deepEqual(allowedNextStatuses({ status: 'closed' }, 'admin', defs), ['investigating', 'archived', 'awaiting_vendor', 'escalated']);
  });

  it('offers nothing for a merged incident or to roles that cannot change status', function () {
    assert.deepEqual(allowedNextStatuses({ status: 'closed', mergedInto: 'x' }, 'admin', defs), []);
    assert.deepEqual(allowedNextStatuses({ status: 'new' }, 'agency_admin', defs), []);
    assert.deepEqual(allowedNextStatuses({ status: 'new' }, 'leadership', defs), []);
  });
});
