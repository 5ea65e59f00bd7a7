import assert from 'node:assert/strict';
import { PayloadTooLargeError, ValidationError } from '../../core/errors/app-error.js';
import { parseEventBatch } from '../../core/services/ingest-parser.js';

const meta = { agentId: 'agent-1', agencyId: 'agency-1', now: '2026-11-23T10:00:00.000Z' };
const limits = { maxEvents: 3, maxBytes: 10_000 };
const ev = (extra: Record<string, unknown> = {}) => ({
  time: '2026-11-23T09:59:00+07:00',
  logsource: { product: 'linux', service: 'auth' },
  host: 'srv-1',
  fields: { message: 'Failed password for root' },
  ...extra,
});
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('ingest parser', () => {
  it('accepts valid events, normalises time to UTC and stamps agency and agent from the key', () => {
    const r = parseEventBatch(json({ batchId: 'b-1', events: [ev()] }), meta, limits);
    assert.equal(r.batchId, 'b-1');
    assert.equal(r.accepted.length, 1);
    const e = r.accepted[0]!;
    assert.equal(e.time, '2026-11-23T02:59:00.000Z');
    assert.equal(e.agencyId, 'agency-1');
    assert.equal(e.agentId, 'agent-1');
    assert.match(e.id, /^[0-9a-f-]{36}$/);
  });

  it('ignores agency claims in the body: unknown keys are rejected, not trusted', () => {
    const r = parseEventBatch(json({ events: [ev({ agencyId: 'someone-else' })] }), meta, limits);
    assert.equal(r.accepted.length, 0);
    assert.equal(r.rejected[0]!.index, 0);
  });

  it('keeps an agent-supplied event id so reprocessing is idempotent', () => {
    const r = parseEventBatch(json({ events: [ev({ id: 'evt-42' })] }), meta, limits);
    assert.equal(r.accepted[0]!.id, 'evt-42');
  });

  it('reports each invalid event by index with the reason', () => {
    const r = parseEventBatch(json({ events: [ev({ time: 'soon' }), ev(), ev({ fields: [] })] }), meta, limits);
    assert.equal(r.accepted.length, 1);
    assert.deepEqual(r.rejected.map((x) => x.index), [0, 2]);
    assert.match(r.rejected[0]!.error, /^time:/);
    assert.match(r.rejected[1]!.error, /^fields:/);
  });

  it('rejects payloads that are not base64', () => {
    const r = parseEventBatch(json({ events: [ev({ payload: { name: 'x', base64: '!!!' } }), ev({ payload: { name: 'y', base64: 'TVqQAAMAAAAEAAAA' } })] }), meta, limits);
    assert.deepEqual(r.rejected.map((x) => x.index), [0]);
    assert.equal(r.accepted[0]!.payload?.base64, 'TVqQAAMAAAAEAAAA');
  });

  it('parses NDJSON, rejecting bad lines by index', () => {
    const body = Buffer.from(`${JSON.stringify(ev())}\n\n{oops\n${JSON.stringify(ev())}\n`);
    const r = parseEventBatch(body, { ...meta, contentType: 'application/x-ndjson; charset=utf-8', headerBatchId: 'h-1' }, limits);
    assert.equal(r.batchId, 'h-1');
    assert.equal(r.accepted.length, 2);
    assert.deepEqual(r.rejected.map((x) => x.index), [1]);
  });

  it('throws ValidationError for an unparsable body, a wrong shape or an empty batch', () => {
    assert.throws(() => parseEventBatch(Buffer.from('{"events":'), meta, limits), ValidationError);
    assert.throws(() => parseEventBatch(json([ev()]), meta, limits), ValidationError);
    assert.throws(() => parseEventBatch(json({ events: [] }), meta, limits), ValidationError);
    assert.throws(() => parseEventBatch(json({ batchId: 'has space', events: [ev()] }), meta, limits), ValidationError);
  });

  it('throws PayloadTooLargeError past the event or byte limit', () => {
    assert.throws(() => parseEventBatch(json({ events: [ev(), ev(), ev(), ev()] }), meta, limits), PayloadTooLargeError);
    assert.throws(() => parseEventBatch(Buffer.alloc(10_001, 32), meta, limits), PayloadTooLargeError);
  });
});
