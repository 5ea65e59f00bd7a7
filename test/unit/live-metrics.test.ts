import assert from 'node:assert/strict';
import {
  BUCKET_MS,
  METRICS_TTL_SECONDS,
  SERIES_POINTS,
  addCount,
  bucketStart,
  bucketTotal,
  metricKey,
  seriesBuckets,
  slidingCount,
  summarizeCounts,
} from '../../core/metrics/live-metrics.js';

const T = Date.parse('2026-05-04T10:20:35.250Z');

describe('live metrics: keys, buckets and rates (pure parts)', function () {
  it('names one hash per kind and bucket start', function () {
    assert.equal(bucketStart(T, BUCKET_MS.events), Date.parse('2026-05-04T10:20:30.000Z'));
    assert.equal(bucketStart(T, BUCKET_MS.alerts), Date.parse('2026-05-04T10:20:00.000Z'));
    assert.equal(metricKey('events', bucketStart(T, 10_000)), `vigil:metrics:events:${Date.parse('2026-05-04T10:20:30.000Z')}`);
    assert.equal(metricKey('alerts', 0), 'vigil:metrics:alerts:0');
    assert.ok(METRICS_TTL_SECONDS * 1000 > SERIES_POINTS * BUCKET_MS.alerts, 'buckets outlive the longest series');
  });

  it('adds HINCRBY then EXPIRE of the bucket to a transaction', function () {
    const calls: unknown[][] = [];
    const tx = {
      hincrby(...args: unknown[]) {
        calls.push(['hincrby', ...args]);
        return tx;
      },
      expire(...args: unknown[]) {
        calls.push(['expire', ...args]);
        return tx;
      },
    };
    addCount(tx as never, 'alerts', 'agency-1', 3, T);
    const key = `vigil:metrics:alerts:${Date.parse('2026-05-04T10:20:00.000Z')}`;
    assert.deepEqual(calls, [
      ['hincrby', key, 'agency-1', 3],
      ['expire', key, METRICS_TTL_SECONDS],
    ]);
  });

  it('lists the series buckets oldest first, ending with the current one', function () {
    const events = seriesBuckets(T, BUCKET_MS.events);
    assert.equal(events.length, 60);
    assert.equal(events[59], Date.parse('2026-05-04T10:20:30.000Z'));
    assert.equal(events[0], Date.parse('2026-05-04T10:10:40.000Z'));
    for (let i = 1; i < events.length; i++) assert.equal(events[i]! - events[i - 1]!, 10_000);
    const alerts = seriesBuckets(T, BUCKET_MS.alerts);
    assert.equal(alerts[0], Date.parse('2026-05-04T09:21:00.000Z'));
    assert.equal(alerts[59], Date.parse('2026-05-04T10:20:00.000Z'));
    assert.deepEqual(seriesBuckets(T, 1000, 3), [T - 2250, T - 1250, T - 250]);
  });

  it('estimates a trailing window from the current and the previous bucket', function () {
    const start = Date.parse('2026-05-04T10:20:30.000Z');
    assert.equal(slidingCount(5, 100, start, 10_000), 105, 'at a bucket start the whole previous bucket counts');
    assert.equal(slidingCount(5, 100, start + 2_500, 10_000), 80, 'three quarters of it later on');
    assert.equal(slidingCount(5, 100, start + 9_999, 10_000), 5.01);
    assert.equal(slidingCount(0, 0, start + 5_000, 10_000), 0);
  });

  it('summarises bucket counts into rates and zero-filled, timestamped series', function () {
    const events = Array.from({ length: 60 }, (_, i) => (i === 58 ? 40 : i === 59 ? 12 : 0));
    const alerts = Array.from({ length: 60 }, (_, i) => (i === 0 ? 7 : i === 58 ? 8 : i === 59 ? 2 : 0));
    const m = summarizeCounts(T, events, alerts);
    // 5.25 s into the 10-s bucket: 12 + 40 * 0.475 = 31 events in the last 10 s.
    assert.equal(m.eventsPerSecond, 3.1);
    // 35.25 s into the minute: 2 + 8 * 24.75 / 60 = 5.3 alerts in the last minute.
    assert.equal(m.alertsPerMinute, 5.3);
    assert.equal(m.series.events.length, 60);
    assert.equal(m.series.alerts.length, 60);
    assert.deepEqual(m.series.events[59], { t: '2026-05-04T10:20:30.000Z', count: 12 });
    assert.deepEqual(m.series.events[0], { t: '2026-05-04T10:10:40.000Z', count: 0 });
    assert.deepEqual(m.series.alerts[0], { t: '2026-05-04T09:21:00.000Z', count: 7 });
    assert.equal(m.series.alerts.reduce((n, p) => n + p.count, 0), 17);
    const idle = summarizeCounts(T, new Array(60).fill(0), new Array(60).fill(0));
    assert.equal(idle.eventsPerSecond, 0);
    assert.equal(idle.alertsPerMinute, 0);
  });

  it('sums HVALS replies and reads HGET replies, treating missing values as 0', function () {
    assert.equal(bucketTotal(['3', '4', '10']), 17);
    assert.equal(bucketTotal([]), 0);
    assert.equal(bucketTotal('5'), 5);
    assert.equal(bucketTotal(null), 0);
    assert.equal(bucketTotal(['x', '2']), 2);
  });
});
