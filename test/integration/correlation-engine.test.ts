import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import {
  compileCorrelationSources,
  createCorrelationEngine,
  type CorrelationEngineOptions,
  type CorrelationFiring,
  type CorrelationHit,
  type CorrelationRule,
} from '../../core/detection/correlation/index.js';
import type { CompiledRule } from '../../core/detection/rule.js';
import type { EmbeddedRedis } from '../../workers/redis-launcher.js';
import { startTestRedis } from '../support/harness.js';

/** Detection rules the correlations below reference (by name). */
const DETECTION: CompiledRule[] = ['a', 'b', 'c', 'failed', 'success', 'http_error', 'new_connection', 'transfer', 'proc'].map((name) => ({
  id: `rule-${name}`,
  name,
  title: name,
  level: 'low',
  status: null,
  description: null,
  author: null,
  references: [],
  falsepositives: [],
  tags: [],
  logsource: {},
  file: 'test.yml',
  groupBy: [],
  category: 'other',
  matches: () => false,
}));

function correlations(yaml: string): CorrelationRule[] {
  const r = compileCorrelationSources([{ file: 'test.yml', text: yaml }], DETECTION);
  assert.deepEqual(r.errors, []);
  return r.rules;
}

/** `title`/`id` plus a correlation section written in flow style. */
function rule(id: string, correlation: string, extra = ''): string {
  return `title: ${id}\nid: ${id}\n${extra}correlation: ${correlation}\n`;
}

const T0 = Date.UTC(2025, 2, 4, 10, 0, 0);
const MIN = 60_000;

let seq = 0;
function hit(
  ruleName: string,
  atMs: number,
  fields: Record<string, unknown> = {},
  opts: { id?: string; host?: string | null; agency?: string } = {},
): CorrelationHit {
  return {
    ruleId: `rule-${ruleName}`,
    event: {
      id: opts.id ?? `ev-${++seq}`,
      time: new Date(T0 + atMs).toISOString(),
      host: opts.host === undefined ? 'host-1' : opts.host,
      fields,
      agencyId: opts.agency ?? 'MOF',
    },
  };
}

/** What must be identical between runs: which rule fired for which group, on which events, with which value. */
function signature(f: CorrelationFiring) {
  return { rule: f.rule.id, firingId: f.firingId, group: f.groupKey, agency: f.agencyId, value: f.value, events: f.events.map((e) => e.id), start: f.windowStart, end: f.windowEnd };
}

describe('correlation engine (real Redis)', function () {
  this.timeout(60_000);
  let server: EmbeddedRedis;
  let redis: Redis;
  const clients: Redis[] = [];

  before(async () => {
    server = await startTestRedis();
    redis = new Redis(server.url);
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    redis?.disconnect();
    await server?.stop();
  });
  beforeEach(async () => {
    await redis.flushdb();
  });

  const engine = (rules: CorrelationRule[], opts: Partial<CorrelationEngineOptions> = {}) => createCorrelationEngine({ redis, rules, ...opts });

  describe('event_count', () => {
    const rules = () => correlations(rule('ec', '{type: event_count, rules: [failed], group-by: [ip], timespan: 5m, condition: {gte: 3}}'));

    it('fires once the count is reached within the timespan, with exactly those events', async () => {
      const e = engine(rules());
      const hits = [hit('failed', 0, { ip: '1.1.1.1' }), hit('failed', MIN, { ip: '1.1.1.1' }), hit('failed', 2 * MIN, { ip: '1.1.1.1' })];
      const f = await e.observe(hits);
      assert.equal(f.length, 1);
      assert.equal(f[0]!.value, 3);
      assert.deepEqual(f[0]!.groupKey, { ip: '1.1.1.1' });
      assert.equal(f[0]!.agencyId, 'MOF');
      assert.deepEqual(f[0]!.events.map((x) => x.id), hits.map((h) => h.event.id));
      assert.deepEqual(f[0]!.events[0], { id: hits[0]!.event.id, time: hits[0]!.event.time, host: 'host-1' });
      assert.equal(f[0]!.windowStart, new Date(T0).toISOString());
      assert.equal(f[0]!.windowEnd, new Date(T0 + 2 * MIN).toISOString());
      assert.equal(f[0]!.alert, true);
      assert.match(f[0]!.firingId, /^[0-9a-f]{32}$/);
    });

    it('does not fire below the count, nor when the events are spread wider than the timespan', async () => {
      const e = engine(rules());
      assert.deepEqual(await e.observe([hit('failed', 0, { ip: '1.1.1.1' }), hit('failed', MIN, { ip: '1.1.1.1' })]), []);
      await redis.flushdb();
      const spread = [0, 3, 6, 9, 12].map((m) => hit('failed', m * MIN, { ip: '2.2.2.2' }));
      assert.deepEqual(await e.observe(spread), []);
    });

    it('a continuing attack fires once per window, then starts a new window (never on every event)', async () => {
      const e = engine(rules());
      const hits = Array.from({ length: 10 }, (_, i) => hit('failed', i * 10_000, { ip: '1.1.1.1' }));
      const f = await e.observe(hits);
      assert.deepEqual(f.map((x) => x.events.map((ev) => ev.id)), [0, 3, 6].map((s) => hits.slice(s, s + 3).map((h) => h.event.id)));
      assert.equal(new Set(f.map((x) => x.firingId)).size, 3);
      // One more event starts the next window, which needs three again.
      assert.deepEqual(await e.observe([hit('failed', 200_000, { ip: '1.1.1.1' })]), []);
    });

    it('gt is strict', async () => {
      const e = engine(correlations(rule('gt', '{type: event_count, rules: [failed], group-by: [ip], timespan: 5m, condition: {gt: 3}}')));
      assert.deepEqual(await e.observe([0, 1, 2].map((m) => hit('failed', m * MIN, { ip: 'x' }))), []);
      const f = await e.observe([hit('failed', 3 * MIN, { ip: 'x' })]);
      assert.equal(f.length, 1);
      assert.equal(f[0]!.value, 4);
    });
  });

  describe('value_count', () => {
    const rules = () => correlations(rule('vc', '{type: value_count, rules: [failed], group-by: [ip], timespan: 30m, condition: {field: user, gte: 5}}'));

    it('fires on the fifth distinct value, counting repeated values once (exact)', async () => {
      const e = engine(rules());
      const users = ['u1', 'u2', 'u1', 'u3', 'u2', 'u4', 'u4', 'u1', 'u5'];
      const hits = users.map((u, i) => hit('failed', i * MIN, { ip: '9.9.9.9', user: u }));
      const f = await e.observe(hits);
      assert.equal(f.length, 1);
      assert.equal(f[0]!.value, 5);
      assert.equal(f[0]!.events.length, users.length);
    });

    it('does not fire for many events of few values, nor for values that left the window', async () => {
      const e = engine(rules());
      const same = Array.from({ length: 40 }, (_, i) => hit('failed', i * 10_000, { ip: '9.9.9.9', user: `u${i % 4}` }));
      assert.deepEqual(await e.observe(same), []);
      await redis.flushdb();
      const slow = ['a', 'b', 'c', 'd', 'e'].map((u, i) => hit('failed', i * 10 * MIN, { ip: '8.8.8.8', user: u }));
      assert.deepEqual(await e.observe(slow), []);
    });

    it('combines several fields into one value', async () => {
      const e = engine(correlations(rule('vc2', '{type: value_count, rules: [failed], group-by: [ip], timespan: 30m, condition: {field: [user, domain], gte: 3}}')));
      const hits = [
        hit('failed', 0, { ip: 'i', user: 'u', domain: 'd1' }),
        hit('failed', 1, { ip: 'i', user: 'u', domain: 'd2' }),
        hit('failed', 2, { ip: 'i', user: 'u', domain: 'd1' }),
        hit('failed', 3, { ip: 'i', user: 'v', domain: 'd1' }),
      ];
      const f = await e.observe(hits);
      assert.equal(f.length, 1);
      assert.equal(f[0]!.value, 3);
    });
  });

  describe('temporal and temporal_ordered', () => {
    it('temporal: all rules within the timespan in any order', async () => {
      const e = engine(correlations(rule('t', '{type: temporal, rules: [a, b, c], group-by: [user], timespan: 5m}')));
      const f = await e.observe([hit('c', 0, { user: 'x' }), hit('a', MIN, { user: 'x' }), hit('b', 2 * MIN, { user: 'x' })]);
      assert.equal(f.length, 1);
      assert.equal(f[0]!.value, 3);
      assert.deepEqual(new Set(f[0]!.events.map((x) => x.id)).size, 3);
    });

    it('temporal: not when a rule is missing or outside the timespan', async () => {
      const e = engine(correlations(rule('t', '{type: temporal, rules: [a, b, c], group-by: [user], timespan: 5m}')));
      assert.deepEqual(await e.observe([hit('a', 0, { user: 'x' }), hit('b', MIN, { user: 'x' }), hit('b', 2 * MIN, { user: 'x' })]), []);
      await redis.flushdb();
      assert.deepEqual(await e.observe([hit('a', 0, { user: 'y' }), hit('b', MIN, { user: 'y' }), hit('c', 7 * MIN, { user: 'y' })]), []);
    });

    it('temporal with a condition: two of three rules', async () => {
      const e = engine(correlations(rule('t2', '{type: temporal, rules: [a, b, c], group-by: [user], timespan: 5m, condition: {gte: 2}}')));
      const f = await e.observe([hit('a', 0, { user: 'x' }), hit('a', MIN, { user: 'x' }), hit('c', 2 * MIN, { user: 'x' })]);
      assert.equal(f.length, 1);
      assert.equal(f[0]!.value, 2);
    });

    it('temporal counts one event matching two referenced rules for both', async () => {
      const e = engine(correlations(rule('t', '{type: temporal, rules: [a, b], group-by: [user], timespan: 5m}')));
      const f = await e.observe([hit('a', 0, { user: 'x' }, { id: 'same' }), hit('b', 0, { user: 'x' }, { id: 'same' })]);
      assert.equal(f.length, 1);
      assert.deepEqual(f[0]!.events.map((x) => x.id), ['same', 'same']);
    });

    it('temporal_ordered: in the order of the rules list by event time', async () => {
      const e = engine(correlations(rule('to', '{type: temporal_ordered, rules: [a, b, c], group-by: [user], timespan: 10m}')));
      // Arrival order differs from event order: event time decides.
      const f = await e.observe([hit('c', 5 * MIN, { user: 'x' }), hit('a', MIN, { user: 'x' }), hit('b', 3 * MIN, { user: 'x' })]);
      assert.equal(f.length, 1);
      assert.equal(f[0]!.value, 3);
      assert.equal(f[0]!.windowStart, new Date(T0 + MIN).toISOString());
    });

    it('temporal_ordered: not in the wrong order, and yes once the order completes later', async () => {
      const e = engine(correlations(rule('to', '{type: temporal_ordered, rules: [a, b], group-by: [user], timespan: 10m}')));
      assert.deepEqual(await e.observe([hit('b', 0, { user: 'x' }), hit('a', MIN, { user: 'x' })]), []);
      const f = await e.observe([hit('b', 2 * MIN, { user: 'x' })]);
      assert.equal(f.length, 1);
      assert.equal(f[0]!.value, 2);
    });
  });

  describe('value_sum, value_avg, value_percentile', () => {
    it('value_sum: fires when the sum passes the threshold within the timespan', async () => {
      const e = engine(correlations(rule('sum', '{type: value_sum, rules: [transfer], group-by: [user], timespan: 1h, condition: {field: bytes, gt: 1000}}')));
      const f = await e.observe([0, 10, 20].map((m) => hit('transfer', m * MIN, { user: 'u', bytes: 400 })));
      assert.equal(f.length, 1);
      assert.equal(f[0]!.value, 1200);
      await redis.flushdb();
      // Not when the sum is spread over more than the timespan, nor for non-numeric values.
      const spread = [0, 70, 140].map((m) => hit('transfer', m * MIN, { user: 'v', bytes: '600' }));
      assert.deepEqual(await e.observe([...spread, hit('transfer', 141 * MIN, { user: 'v', bytes: 'lots' })]), []);
    });

    it('value_avg: fires when the average passes the threshold, not otherwise', async () => {
      const e = engine(correlations(rule('avg', '{type: value_avg, rules: [transfer], group-by: [user], timespan: 1h, condition: {field: bytes, gt: 500}}')));
      assert.deepEqual(await e.observe([100, 200, 300, 600].map((b, i) => hit('transfer', i * MIN, { user: 'u', bytes: b }))), []);
      const f = await e.observe([hit('transfer', 5 * MIN, { user: 'u', bytes: 2000 })]);
      assert.equal(f.length, 1);
      assert.equal(f[0]!.value, 640);
    });

    it('value_percentile with percentile: the nearest-rank percentile of the numeric values', async () => {
      const e = engine(correlations(rule('p90', '{type: value_percentile, rules: [transfer], group-by: [user], timespan: 1h, condition: {field: ms, percentile: 90, gte: 1000}}')));
      const base = [100, 200, 300, 400, 500, 600, 700, 800, 900, 950].map((v, i) => hit('transfer', i * MIN, { user: 'u', ms: v }));
      assert.deepEqual(await e.observe(base), []);
      const f = await e.observe([hit('transfer', 11 * MIN, { user: 'u', ms: 5000 }), hit('transfer', 12 * MIN, { user: 'u', ms: 6000 })]);
      assert.equal(f.length, 1);
      assert.equal(f[0]!.value, 5000);
    });

    it('value_percentile as in the spec: a value seen in at most 1% of a group’s events (decided when the window closes)', async () => {
      const e = engine(correlations(rule('rare', '{type: value_percentile, rules: [proc], group-by: [ComputerName], timespan: 1h, condition: {field: Image, lte: 1}}')));
      const common = Array.from({ length: 199 }, (_, i) => hit('proc', i * 10_000, { ComputerName: 'pc1', Image: i % 2 ? 'svchost.exe' : 'explorer.exe' }));
      const normal = Array.from({ length: 60 }, (_, i) => hit('proc', i * 10_000, { ComputerName: 'pc2', Image: i % 2 ? 'svchost.exe' : 'explorer.exe' }));
      assert.deepEqual(await e.observe([...common, hit('proc', 40 * MIN, { ComputerName: 'pc1', Image: 'evil.exe' }), ...normal]), []);
      // The hour is over: the next hour's first event closes the window.
      const f = await e.observe([hit('proc', 61 * MIN, { ComputerName: 'pc1', Image: 'x.exe' }), hit('proc', 61 * MIN, { ComputerName: 'pc2', Image: 'x.exe' })]);
      assert.equal(f.length, 1);
      assert.deepEqual(f[0]!.groupKey, { ComputerName: 'pc1' });
      assert.equal(f[0]!.value, 0.5);
    });
  });

  describe('conditions with an upper bound (decided when the window closes)', () => {
    const ranged = () => correlations(rule('range', '{type: event_count, rules: [failed], group-by: [ip], timespan: 10m, condition: {gte: 3, lte: 5}}'));

    it('a range fires for a window whose count ends inside it, not above or below', async () => {
      const e = engine(ranged());
      const at = (ip: string, n: number) => Array.from({ length: n }, (_, i) => hit('failed', i * MIN, { ip }));
      assert.deepEqual(await e.observe([...at('in', 4), ...at('above', 7), ...at('below', 2)]), []);
      const f = await e.observe(['in', 'above', 'below'].map((ip) => hit('failed', 10 * MIN, { ip })));
      assert.deepEqual(f.map((x) => [x.groupKey.ip, x.value]), [['in', 4]]);
      assert.equal(f[0]!.windowStart, new Date(T0).toISOString());
      assert.equal(f[0]!.windowEnd, new Date(T0 + 10 * MIN - 1).toISOString());
    });

    it('sweep() closes windows whose end + grace has passed, once', async () => {
      const e = engine(ranged(), { closeGraceMs: 30_000 });
      await e.observe([0, 1, 2, 3].map((m) => hit('failed', m * MIN, { ip: 'in' })));
      assert.deepEqual(await e.sweep(T0 + 10 * MIN + 29_000), []);
      const f = await e.sweep(T0 + 10 * MIN + 30_000);
      assert.equal(f.length, 1);
      assert.equal(f[0]!.value, 4);
      assert.deepEqual(await e.sweep(T0 + 20 * MIN), []);
      // Late events of the closed window are ignored.
      assert.deepEqual(await e.observe([hit('failed', 5 * MIN, { ip: 'in' })]), []);
      assert.deepEqual(await e.sweep(T0 + 30 * MIN), []);
    });

    it('lt, eq and neq', async () => {
      const rules = correlations(
        [
          rule('lt', '{type: event_count, rules: [failed], group-by: [ip], timespan: 10m, condition: {lt: 2}}'),
          rule('eq', '{type: event_count, rules: [failed], group-by: [ip], timespan: 10m, condition: {eq: 2}}'),
          rule('neq', '{type: event_count, rules: [failed], group-by: [ip], timespan: 10m, condition: {neq: 2}}'),
        ].join('---\n'),
      );
      const e = engine(rules);
      await e.observe([hit('failed', 0, { ip: 'one' }), hit('failed', 0, { ip: 'two' }), hit('failed', MIN, { ip: 'two' })]);
      const f = await e.sweep(T0 + 20 * MIN);
      const got = f.map((x) => `${x.rule.id}:${x.groupKey.ip}`).sort();
      assert.deepEqual(got, ['eq:two', 'lt:one', 'neq:one']);
    });
  });

  describe('grouping', () => {
    it('aliases: different field names per rule join one group', async () => {
      const e = engine(
        correlations(
          rule(
            'alias',
            '{type: temporal, rules: [http_error, new_connection], group-by: [server_ip, peer_ip], timespan: 10s, aliases: {server_ip: {http_error: destination.ip, new_connection: source.ip}, peer_ip: {http_error: source.ip, new_connection: destination.ip}}}',
          ),
        ),
      );
      const err = hit('http_error', 0, { 'destination.ip': '10.0.0.5', 'source.ip': '203.0.113.9' });
      // Nested objects are reached by dotted path.
      const wrong = hit('new_connection', 1000, { source: { ip: '203.0.113.9' }, destination: { ip: '10.0.0.5' } });
      assert.deepEqual(await e.observe([err, wrong]), []);
      const right = hit('new_connection', 2000, { source: { ip: '10.0.0.5' }, destination: { ip: '203.0.113.9' } });
      const f = await e.observe([right]);
      assert.equal(f.length, 1);
      assert.deepEqual(f[0]!.groupKey, { server_ip: '10.0.0.5', peer_ip: '203.0.113.9' });
      assert.deepEqual(f[0]!.events.map((x) => x.id), [err.event.id, right.event.id]);
    });

    it('group-by values, agencies and missing fields keep groups apart', async () => {
      const e = engine(correlations(rule('ec', '{type: event_count, rules: [failed], group-by: [ip, user], timespan: 5m, condition: {gte: 3}}')));
      const hits = [
        hit('failed', 0, { ip: '1', user: 'a' }),
        hit('failed', 1, { ip: '2', user: 'a' }),
        hit('failed', 2, { ip: '1', user: 'b' }),
        hit('failed', 3, { ip: '1', user: 'a' }, { agency: 'MOH' }),
        hit('failed', 4, { ip: '1' }),
        hit('failed', 5, { ip: '1', user: null }),
        hit('failed', 6, { ip: '1', user: 'a' }),
      ];
      assert.deepEqual(await e.observe(hits), []);
      const third = hit('failed', 7, { ip: '1', user: 'a' });
      const f = await e.observe([third]);
      assert.equal(f.length, 1);
      assert.deepEqual(f[0]!.groupKey, { ip: '1', user: 'a' });
      assert.equal(f[0]!.agencyId, 'MOF');
      assert.deepEqual(f[0]!.events.map((x) => x.id), [hits[0]!.event.id, hits[6]!.event.id, third.event.id]);
    });

    it('group-by host falls back to the event’s host', async () => {
      const e = engine(correlations(rule('h', '{type: event_count, rules: [failed], group-by: [host], timespan: 5m, condition: {gte: 2}}')));
      const f = await e.observe([hit('failed', 0, {}, { host: 'srv-a' }), hit('failed', 1, {}, { host: 'srv-b' }), hit('failed', 2, {}, { host: 'srv-a' }), hit('failed', 3, {}, { host: null })]);
      assert.equal(f.length, 1);
      assert.deepEqual(f[0]!.groupKey, { host: 'srv-a' });
    });
  });

  describe('correlations of correlations', () => {
    const chain = () =>
      correlations(
        [
          rule('many_failed', '{type: event_count, rules: [failed], group-by: [user], timespan: 10m, condition: {gte: 3}}', 'name: many_failed\n'),
          rule('brute_then_success', '{type: temporal_ordered, rules: [many_failed, success], group-by: [user], timespan: 1h}', 'level: high\n'),
        ].join('---\n'),
      );

    it('a firing feeds the correlation that references it, in the same call; only the outer one alerts', async () => {
      const e = engine(chain());
      const hits = [0, 1, 2].map((m) => hit('failed', m * MIN, { user: 'bob' }));
      const ok = hit('success', 5 * MIN, { user: 'bob' });
      const f = await e.observe([...hits, ok]);
      assert.deepEqual(f.map((x) => [x.rule.id, x.alert]), [['many_failed', false], ['brute_then_success', true]]);
      const outer = f[1]!;
      assert.deepEqual(outer.events.map((x) => x.id), [`correlation:${f[0]!.firingId}`, ok.event.id]);
      assert.deepEqual(outer.groupKey, { user: 'bob' });
      assert.equal(outer.rule.level, 'high');
    });

    it('a window closed by sweep() feeds its dependents in the same sweep', async () => {
      const e = engine(
        correlations(
          [
            rule('exactly_two', '{type: event_count, rules: [failed], group-by: [user], timespan: 10m, condition: {eq: 2}}', 'name: exactly_two\n'),
            rule('then_success', '{type: temporal, rules: [exactly_two, success], group-by: [user], timespan: 1h}'),
          ].join('---\n'),
        ),
      );
      assert.deepEqual(await e.observe([hit('failed', MIN, { user: 'ann' }), hit('failed', 2 * MIN, { user: 'ann' }), hit('success', 3 * MIN, { user: 'ann' })]), []);
      const f = await e.sweep(T0 + 12 * MIN);
      assert.deepEqual(f.map((x) => [x.rule.id, x.alert]), [['exactly_two', false], ['then_success', true]]);
    });

    it('across calls, and not when the success comes first', async () => {
      const e = engine(chain());
      assert.deepEqual(await e.observe([hit('success', 0, { user: 'eve' })]), []);
      const inner = await e.observe([1, 2, 3].map((m) => hit('failed', m * MIN, { user: 'eve' })));
      assert.deepEqual(inner.map((x) => x.rule.id), ['many_failed']);
      const outer = await e.observe([hit('success', 20 * MIN, { user: 'eve' })]);
      assert.deepEqual(outer.map((x) => x.rule.id), ['brute_then_success']);
    });
  });

  describe('event time, windows and idempotence', () => {
    const rules = () => correlations(rule('ec', '{type: event_count, rules: [failed], group-by: [ip], timespan: 5m, condition: {gte: 4}}'));

    it('out-of-order events within the timespan count', async () => {
      const e = engine(rules());
      const hits = [4, 3, 2, 1].map((m) => hit('failed', m * MIN, { ip: 'o' }));
      assert.deepEqual(await e.observe([hits[0]!]), []);
      assert.deepEqual(await e.observe([hits[1]!, hits[2]!]), []);
      const f = await e.observe([hits[3]!]);
      assert.equal(f.length, 1);
      assert.deepEqual(f[0]!.events.map((x) => x.id), [...hits].reverse().map((h) => h.event.id));
      assert.equal(f[0]!.windowStart, new Date(T0 + MIN).toISOString());
    });

    it('events older than the timespan before the newest event are ignored', async () => {
      const e = engine(correlations(rule('ec2', '{type: event_count, rules: [failed], group-by: [ip], timespan: 5m, condition: {gte: 2}}')));
      assert.deepEqual(await e.observe([hit('failed', 10 * MIN, { ip: 'o' })]), []);
      assert.deepEqual(await e.observe([hit('failed', 4 * MIN, { ip: 'o' })]), []);
      assert.equal((await e.observe([hit('failed', 6 * MIN, { ip: 'o' })])).length, 1);
    });

    it('windows expire by event time (no sleeping), and every key has a TTL', async () => {
      const e = engine(rules());
      assert.deepEqual(await e.observe([0, 1, 2].map((m) => hit('failed', m * MIN, { ip: 'w' }))), []);
      // Six minutes later the first three are out of the window.
      assert.deepEqual(await e.observe([6, 7, 8].map((m) => hit('failed', m * MIN, { ip: 'w' }))), []);
      const keys = await redis.keys('*');
      assert.ok(keys.length >= 3);
      for (const k of keys) {
        const ttl = await redis.pttl(k);
        assert.ok(ttl > 0 && ttl <= 2 * 5 * MIN + 60_000 + 60_000, `${k}: ${ttl}`);
      }
      // The events zset holds only the window's events.
      const ez = keys.find((k) => k.endsWith(':e'))!;
      assert.equal(await redis.zcard(ez), 3);
    });

    it('the same batch observed twice fires once; the firing id is deterministic', async () => {
      const e = engine(rules());
      const batch = [0, 1, 2, 3, 4].map((m) => hit('failed', m * 30_000, { ip: 'i' }));
      const first = await e.observe(batch);
      assert.equal(first.length, 1);
      assert.deepEqual(await e.observe(batch), []);
      assert.deepEqual(await e.observe([...batch].reverse()), []);
      // The 5th event is in the next window once; replaying it does not count it twice.
      assert.deepEqual(await e.observe([0, 1].map((m) => hit('failed', 3 * MIN + m * 1000, { ip: 'i' }))), []);
      assert.equal((await e.observe([hit('failed', 4 * MIN, { ip: 'i' })])).length, 1);
      await redis.flushdb();
      const again = await e.observe(batch);
      assert.deepEqual(again.map(signature), first.map(signature));
    });

    it('events at the same time as a firing’s last event still count for the next window', async () => {
      const e = engine(correlations(rule('ec2', '{type: event_count, rules: [failed], group-by: [ip], timespan: 5m, condition: {gte: 2}}')));
      const batch = [hit('failed', 0, { ip: 's' }, { id: 'x1' }), hit('failed', MIN, { ip: 's' }, { id: 'x2' }), hit('failed', MIN, { ip: 's' }, { id: 'x3' }), hit('failed', MIN, { ip: 's' }, { id: 'x4' })];
      const f = await e.observe(batch);
      assert.deepEqual(f.map((x) => x.events.map((ev) => ev.id)), [['x1', 'x2'], ['x3', 'x4']]);
      assert.deepEqual(await e.observe(batch), []);
    });
  });

  describe('several workers', () => {
    /** A deterministic pseudo-random stream over three correlation types and many groups. */
    function stream(n: number) {
      let s = 42;
      const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      const hits: CorrelationHit[] = [];
      let t = 0;
      for (let i = 0; i < n; i++) {
        t += Math.floor(rnd() * 20_000);
        const ip = `10.0.0.${Math.floor(rnd() * 8)}`;
        const kind = rnd();
        const name = kind < 0.6 ? 'failed' : kind < 0.8 ? 'a' : 'b';
        // Some events arrive late (by up to two minutes).
        const at = t - (rnd() < 0.2 ? Math.floor(rnd() * 120_000) : 0);
        hits.push(hit(name, at, { ip, user: `u${Math.floor(rnd() * 6)}` }, { id: `s-${i}` }));
      }
      return hits;
    }
    const rules = () =>
      correlations(
        [
          rule('ec', '{type: event_count, rules: [failed], group-by: [ip], timespan: 2m, condition: {gte: 4}}'),
          rule('vc', '{type: value_count, rules: [failed], group-by: [ip], timespan: 10m, condition: {field: user, gte: 4}}'),
          rule('to', '{type: temporal_ordered, rules: [a, b], group-by: [ip], timespan: 3m}'),
          rule('range', '{type: event_count, rules: [a], group-by: [ip], timespan: 5m, condition: {gte: 2, lte: 3}}'),
        ].join('---\n'),
      );
    const batches = (hits: CorrelationHit[], size: number) => Array.from({ length: Math.ceil(hits.length / size) }, (_, i) => hits.slice(i * size, (i + 1) * size));

    it('two engine instances (own connections) alternating batches give exactly the firings of one', async () => {
      const hits = stream(1200);
      const one = engine(rules(), { keyPrefix: 'one:' });
      const expected: CorrelationFiring[] = [];
      for (const b of batches(hits, 25)) expected.push(...(await one.observe(b)));
      expected.push(...(await one.sweep(T0 + 10 * 24 * 60 * MIN)));

      const c1 = new Redis(server.url);
      const c2 = new Redis(server.url);
      clients.push(c1, c2);
      const w1 = createCorrelationEngine({ redis: c1, rules: rules(), keyPrefix: 'two:' });
      const w2 = createCorrelationEngine({ redis: c2, rules: rules(), keyPrefix: 'two:' });
      const got: CorrelationFiring[] = [];
      for (const [i, b] of batches(hits, 25).entries()) got.push(...(await (i % 2 ? w2 : w1).observe(b)));
      got.push(...(await w2.sweep(T0 + 10 * 24 * 60 * MIN)));

      assert.ok(expected.length > 20, `only ${expected.length} firings`);
      for (const id of ['ec', 'vc', 'to', 'range']) assert.ok(expected.some((f) => f.rule.id === id), `no ${id} firing`);
      assert.deepEqual(got.map(signature), expected.map(signature));
    });

    it('concurrent batches of different groups on two instances give the same firings as in sequence', async () => {
      const hits = stream(600);
      const byIp = (odd: boolean) => hits.filter((h) => Number(String(h.event.fields.ip).split('.')[3]) % 2 === (odd ? 1 : 0));
      const seq = engine(rules(), { keyPrefix: 'seq:' });
      const expected = [...(await seq.observe(byIp(false))), ...(await seq.observe(byIp(true)))];
      const c1 = new Redis(server.url);
      const c2 = new Redis(server.url);
      clients.push(c1, c2);
      const w1 = createCorrelationEngine({ redis: c1, rules: rules(), keyPrefix: 'par:' });
      const w2 = createCorrelationEngine({ redis: c2, rules: rules(), keyPrefix: 'par:' });
      const [g1, g2] = await Promise.all([w1.observe(byIp(false)), w2.observe(byIp(true))]);
      const key = (f: CorrelationFiring) => f.firingId;
      assert.deepEqual([...g1, ...g2].map(signature).sort((a, b) => (a.firingId < b.firingId ? -1 : 1)), expected.map(signature).sort((a, b) => (a.firingId < b.firingId ? -1 : 1)));
      assert.equal(new Set([...g1, ...g2].map(key)).size, g1.length + g2.length);
    });
  });

  describe('memory bound', () => {
    it('a flood of 10,000 distinct groups keeps at most 2 + 4 × maxGroupsPerRule keys, evicting the stalest groups', async () => {
      const maxGroups = 200;
      const e = engine(correlations(rule('ec', '{type: event_count, rules: [failed], group-by: [ip], timespan: 5m, condition: {gte: 5}}')), { maxGroupsPerRule: maxGroups });
      const bound = e.bounds().ec!;
      assert.equal(bound.maxKeys, 2 + 4 * maxGroups);
      for (let b = 0; b < 10; b++) {
        const hits = Array.from({ length: 1000 }, (_, i) => hit('failed', (b * 1000 + i) * 10, { ip: `g${b * 1000 + i}` }));
        assert.deepEqual(await e.observe(hits), []);
        assert.ok((await redis.dbsize()) <= bound.maxKeys, `after batch ${b}: ${await redis.dbsize()} keys`);
      }
      const groups = (await redis.keys('*')).filter((k) => k.endsWith('}:groups'));
      assert.equal(groups.length, 1);
      assert.equal(await redis.zcard(groups[0]!), maxGroups);
      // The most recent groups survive: 4 more events of the newest group fire, of an evicted one do not.
      const newest = await e.observe([1, 2, 3, 4].map((k) => hit('failed', 99_990 + k, { ip: 'g9999' })));
      assert.equal(newest.length, 1);
      const evicted = await e.observe([1, 2, 3, 4].map((k) => hit('failed', 99_990 + k, { ip: 'g0' })));
      assert.deepEqual(evicted, []);
    });

    it('events and distinct values per group are capped', async () => {
      const rules = correlations(
        [
          rule('sum', '{type: value_sum, rules: [transfer], group-by: [user], timespan: 1h, condition: {field: bytes, gt: 1000000000}}'),
          rule('vc', '{type: value_count, rules: [failed], group-by: [ip], timespan: 1h, condition: {field: user, lte: 50}}'),
        ].join('---\n'),
      );
      const e = engine(rules, { maxEventsPerGroup: 100 });
      assert.equal(e.bounds().sum!.maxEntriesPerKey >= 100, true);
      await e.observe(Array.from({ length: 1000 }, (_, i) => hit('transfer', i * 1000, { user: 'u', bytes: 1 })));
      await e.observe(Array.from({ length: 1000 }, (_, i) => hit('failed', i * 1000, { ip: 'i', user: `user${i}` })));
      for (const k of await redis.keys('*')) {
        const type = await redis.type(k);
        const n = type === 'zset' ? await redis.zcard(k) : type === 'hash' ? await redis.hlen(k) : 0;
        assert.ok(n <= 100 || (k.endsWith(':groups') && n <= 1), `${k}: ${n} entries`);
      }
      // 1000 distinct users in the window is not "at most 50", even though only 100 are kept.
      assert.deepEqual(await e.sweep(T0 + 3 * 60 * MIN), []);
    });

    it('value_sum and value_avg still count the events pushed out by the cap (as timespan/64 slices)', async () => {
      const rules = correlations(
        [
          rule('sum', '{type: value_sum, rules: [transfer], group-by: [user], timespan: 1h, condition: {field: bytes, gte: 1000}}'),
          rule('avg', '{type: value_avg, rules: [transfer], group-by: [user], timespan: 1h, condition: {field: bytes, gt: 1.5}}'),
        ].join('---\n'),
      );
      const e = engine(rules, { maxEventsPerGroup: 50 });
      // 999 events of 1 byte: the sum is 999, the average 1.
      assert.deepEqual(await e.observe(Array.from({ length: 999 }, (_, i) => hit('transfer', i * 1000, { user: 'u', bytes: 1 }))), []);
      const m = (await redis.keys('*:m'))[0]!;
      assert.ok((await redis.hlen(m)) <= 8 + 1 + 66);
      const f = await e.observe([hit('transfer', 999_000, { user: 'u', bytes: 1 })]);
      assert.deepEqual(f.map((x) => [x.rule.id, x.value, x.events.length]), [['sum', 1000, 50]]);
      await redis.flushdb();
      // Two hours of 1-byte events, then one of 1000 bytes: only the last hour counts (to a slice, 56 s here).
      const slow = Array.from({ length: 120 }, (_, i) => hit('transfer', i * MIN, { user: 'v', bytes: 1 }));
      assert.deepEqual(await e.observe(slow), []);
      const g = await e.observe([hit('transfer', 120 * MIN, { user: 'v', bytes: 900 })]);
      assert.equal(g.length, 1);
      assert.equal(g[0]!.rule.id, 'avg');
      assert.ok(g[0]!.value > 14 && g[0]!.value < 16, String(g[0]!.value));
    });
  });
});
