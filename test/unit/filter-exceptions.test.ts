import assert from 'node:assert/strict';
import {
  compileExceptionMatcher,
  compileExceptions,
  exceptionSchema,
  parseExceptions,
  type Exception,
} from '../../core/detection/filters/exceptions.js';

const RULE = { id: '0b7f4a57-8a1c-4c8e-9a3e-1d2f3a4b5c6d' };
const OTHER = { id: 'f00df00d-0000-4000-8000-000000000000' };
const NOW = Date.parse('2025-06-01T12:00:00Z');

function exc(over: Partial<Exception>): Exception {
  return {
    id: 'exc-1',
    ruleId: RULE.id,
    comment: 'Backup job runs this every night',
    createdBy: 'analyst.tran',
    createdAt: '2025-05-01T08:00:00Z',
    ...over,
  } as Exception;
}

const ev = (fields: Record<string, unknown>, agencyId?: string) => ({ fields, agencyId });

describe('analyst exceptions', () => {
  it('silence the rule for a host (case-insensitive, wildcards, short name of an FQDN)', () => {
    const check = compileExceptions([exc({ host: 'BACKUP-0?' })], { now: () => NOW });
    assert.equal(check(RULE, ev({}), 'backup-01'), true);
    assert.equal(check(RULE, ev({}), 'BACKUP-02.minfin.local'), true);
    assert.equal(check(RULE, ev({}), 'backup-10'), false);
    assert.equal(check(RULE, ev({}), null), false);
    assert.equal(check(OTHER, ev({}), 'backup-01'), false, 'other rules still alert');
  });

  it('silence it for a user found in any user field, whole or by account part', () => {
    const check = compileExceptions([exc({ user: 'svc_backup' })], { now: () => NOW });
    assert.equal(check(RULE, ev({ User: 'MINFIN\\svc_backup' }), 'h'), true);
    assert.equal(check(RULE, ev({ SubjectUserName: 'SVC_BACKUP' }), 'h'), true);
    assert.equal(check(RULE, ev({ 'cs-username': 'svc_backup@minfin.gov.vn' }), 'h'), true);
    assert.equal(check(RULE, ev({ user: { name: 'svc_backup' } }), 'h'), true);
    assert.equal(check(RULE, ev({ User: 'MINFIN\\svc_backup2' }), 'h'), false);
    assert.equal(check(RULE, ev({ Image: 'svc_backup' }), 'h'), false);
    const custom = compileExceptions([exc({ user: 'bob' })], { now: () => NOW, userFields: ['actor'] });
    assert.equal(custom(RULE, ev({ actor: 'bob' }), 'h'), true);
    assert.equal(custom(RULE, ev({ User: 'bob' }), 'h'), false);
  });

  it('silence it when fields have values (all of them; lists match by item; numbers as text)', () => {
    const check = compileExceptions([exc({ fields: { ParentImage: '*\\veeam\\agent*', EventID: 4688, tags: 'nightly' } })], { now: () => NOW });
    const hit = { ParentImage: 'C:\\Program Files\\Veeam\\agent.exe', EventID: 4688, tags: ['x', 'NIGHTLY'] };
    assert.equal(check(RULE, ev(hit), 'h'), true);
    assert.equal(check(RULE, ev({ ...hit, EventID: '4688' }), 'h'), true);
    assert.equal(check(RULE, ev({ ...hit, EventID: 1 }), 'h'), false);
    assert.equal(check(RULE, ev({ ...hit, tags: ['x'] }), 'h'), false);
    assert.equal(check(RULE, ev({ EventID: 4688, tags: 'nightly' }), 'h'), false);
  });

  it('combine host, user, fields and agency with AND; * applies to every rule', () => {
    const check = compileExceptions([exc({ ruleId: '*', host: 'lab-*', user: 'tester', agencyId: 'MOF' })], { now: () => NOW });
    assert.equal(check(OTHER, ev({ User: 'tester' }, 'MOF'), 'lab-3'), true);
    assert.equal(check(OTHER, ev({ User: 'tester' }, 'MOH'), 'lab-3'), false);
    assert.equal(check(OTHER, ev({ User: 'other' }, 'MOF'), 'lab-3'), false);
    assert.equal(check(OTHER, ev({ User: 'tester' }, 'MOF'), 'prod-1'), false);
  });

  it('stop applying when they expire', () => {
    let now = Date.parse('2025-06-30T23:59:59Z');
    const check = compileExceptions([exc({ host: 'h1', expiresAt: '2025-07-01T00:00:00Z' })], { now: () => now });
    assert.equal(check(RULE, ev({}), 'h1'), true);
    now = Date.parse('2025-07-01T00:00:00Z');
    assert.equal(check(RULE, ev({}), 'h1'), false);
    const never = compileExceptions([exc({ host: 'h1', expiresAt: null })], { now: () => Date.parse('2099-01-01T00:00:00Z') });
    assert.equal(never(RULE, ev({}), 'h1'), true);
  });

  it('the matcher tells which exception applied (the first in the list)', () => {
    const match = compileExceptionMatcher(
      [exc({ id: 'a', host: 'x' }), exc({ id: 'b', ruleId: '*', host: 'h*' }), exc({ id: 'c', host: 'h1' })],
      { now: () => NOW },
    );
    assert.equal(match(RULE, ev({}), 'h1')?.id, 'b');
    assert.equal(match(RULE, ev({}), 'x')?.id, 'a');
    assert.equal(match(RULE, ev({}), 'zzz'), null);
  });

  it('the shape is checked: a comment, an author, a condition, a sane expiry', () => {
    assert.equal(exceptionSchema.safeParse(exc({ host: 'h' })).success, true);
    const bad: [Partial<Exception> & Record<string, unknown>, RegExp][] = [
      [{ host: 'h', comment: '  ' }, /comment/],
      [{ host: 'h', createdBy: '' }, /createdBy/],
      [{}, /at least one of host, user, fields or agencyId/],
      [{ host: 'h', expiresAt: '2025-04-01T00:00:00Z' }, /expiresAt must be after createdAt/],
      [{ host: 'h', createdAt: 'yesterday' }, /createdAt/],
      [{ host: 'h', fields: {} }, /fields/],
      [{ host: 'h', color: 'red' }, /color|unrecognized/i],
    ];
    for (const [over, re] of bad) {
      const r = parseExceptions([exc(over as Partial<Exception>)]);
      assert.equal(r.exceptions.length, 0, JSON.stringify(over));
      assert.match(r.errors[0]!.message, re);
    }
    const dup = parseExceptions([exc({ host: 'a' }), exc({ host: 'b' })]);
    assert.equal(dup.exceptions.length, 1);
    assert.match(dup.errors[0]!.message, /duplicate exception id/);
    assert.match(parseExceptions({}).errors[0]!.message, /list/);
    assert.throws(() => compileExceptions([{ id: 'x' } as unknown as Exception]), /exception #0 \(x\) is invalid/);
  });

  it('are pure: the same inputs give the same answer, the input list is not modified', () => {
    const list = [exc({ host: 'h1' })];
    const copy = JSON.parse(JSON.stringify(list));
    const check = compileExceptions(list, { now: () => NOW });
    assert.equal(check(RULE, ev({}), 'h1'), check(RULE, ev({}), 'h1'));
    assert.deepEqual(list, copy);
  });
});
