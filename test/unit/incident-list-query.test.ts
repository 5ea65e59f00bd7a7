import assert from 'node:assert/strict';
import {
  incidentFilterFromQuery,
  incidentListQuerySchema,
  queryStringToObject,
} from '../../core/services/incident-list-query.js';
import { newViewSchema, viewPatchSchema, viewScopeOf } from '../../core/services/saved-views.js';

const people = {
  me: 'ana',
  canonicalUsername: async (name: string) => (name.toLowerCase() === 'ben' ? 'Ben' : name),
};
const parse = (query: string) => incidentListQuerySchema.parse(queryStringToObject(query));

describe('incident list query: parameters to storage filter', function () {
  it('maps category, assignee tokens and pivots onto the filter', async function () {
    const f = await incidentFilterFromQuery(
      parse('category=fraud,%20intrusions&assignee=me,NONE,ben,BEN,ana&host=%20DC01%20&user=CORP%5Cbob&ip=10.0.0.1&status=new'),
      people,
    );
    assert.deepEqual(f, {
      status: ['new'],
      categories: ['fraud', 'intrusions'],
      assignees: ['ana', null, 'Ben'],
      host: 'DC01',
      user: 'CORP\\bob',
      ip: '10.0.0.1',
    });
    assert.deepEqual(await incidentFilterFromQuery(parse(''), people), {});
    assert.deepEqual(await incidentFilterFromQuery(parse('assignee=none'), people), { assignees: [null] });
  });

  it('refuses what the list does not know how to filter by', function () {
    const bad = (query: string) => assert.equal(incidentListQuerySchema.safeParse(queryStringToObject(query)).success, false, query);
    bad('category=ransomware');
    bad('category=');
    bad('assignee=,,');
    bad(`assignee=${'x'.repeat(65)}`);
    bad(`assignee=${Array.from({ length: 51 }, (_, i) => `u${i}`).join(',')}`);
    bad('host=');
    bad(`ip=${'1'.repeat(256)}`);
    bad('user=%20%20');
    bad('status=new&status=triaged');
    assert.equal(incidentListQuerySchema.safeParse(queryStringToObject('unknown=1&status=new')).success, true);
  });

  it('reads a query string like Express does: repeated keys become a list', function () {
    assert.deepEqual(queryStringToObject('a=1&b=2&a=3&a=4&c=x%2Cy'), { a: ['1', '3', '4'], b: '2', c: 'x,y' });
    assert.deepEqual(queryStringToObject(''), {});
  });
});

describe('saved views: scope and input rules', function () {
  it('shares within the agency of an agency admin and among the national roles', function () {
    assert.equal(viewScopeOf({ role: 'agency_admin', agencyId: 'a1' }), 'a1');
    assert.equal(viewScopeOf({ role: 'analyst', agencyId: null }), null);
    assert.equal(viewScopeOf({ role: 'analyst', agencyId: 'a1' }), null, 'an analyst with an agency is still national');
    assert.equal(viewScopeOf({ role: 'leadership', agencyId: null }), null);
    assert.equal(viewScopeOf({ role: 'admin', agencyId: null }), null);
    assert.equal(viewScopeOf({ role: 'agency_admin', agencyId: null }), '__none__', 'never the national scope');
  });

  it('trims names, checks the query like the list does and refuses unknown fields', function () {
    assert.deepEqual(newViewSchema.parse({ name: ' x ', query: 'assignee=me' }), { name: 'x', query: 'assignee=me' });
    assert.equal(newViewSchema.safeParse({ name: 'x', query: '?a=1' }).success, false);
    assert.equal(newViewSchema.safeParse({ name: 'x', query: 'severity=huge' }).success, false);
    assert.equal(newViewSchema.safeParse({ name: 'x'.repeat(80), query: '' }).success, true);
    assert.equal(newViewSchema.safeParse({ name: 'x'.repeat(81), query: '' }).success, false);
    assert.equal(newViewSchema.safeParse({ name: 'x', query: 'q='.padEnd(1001, 'a') }).success, false);
    assert.equal(newViewSchema.safeParse({ name: 'x', query: '', id: 'mine' }).success, false);
    assert.equal(viewPatchSchema.safeParse({}).success, false);
    assert.deepEqual(viewPatchSchema.parse({ shared: false }), { shared: false });
  });
});
