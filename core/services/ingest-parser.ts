import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { eventSchema, MAX_EVENT_JSON_BYTES, type StoredEvent } from '../domain/event.js';
import { PayloadTooLargeError, ValidationError } from '../errors/app-error.js';

export interface IngestLimits {
  maxEvents: number;
  maxBytes: number;
}

export interface ParsedBatch {
  batchId: string | null;
  accepted: StoredEvent[];
  rejected: { index: number; error: string }[];
}

const batchIdSchema = z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

function isNdjson(contentType: string | undefined): boolean {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return ct === 'application/x-ndjson' || ct === 'application/ndjson' || ct === 'application/jsonl';
}

/**
 * Turns a request body into accepted and rejected events. Each event is judged on its own, so one bad event never
 * costs the good ones beside it. Throws only for problems with the batch as a whole (unparsable, too many events).
 */
export function parseEventBatch(
  body: Buffer,
  meta: { contentType?: string; headerBatchId?: string | null; agentId: string; agencyId: string; now: string },
  limits: IngestLimits,
): ParsedBatch {
  if (body.length > limits.maxBytes) {
    throw new PayloadTooLargeError(`body is ${body.length} bytes; the limit is ${limits.maxBytes}`, {
      maxBytes: limits.maxBytes,
    });
  }
  let rawEvents: unknown[];
  let batchId: unknown = meta.headerBatchId ?? null;
  // Lines that are not even JSON are per-event rejections in NDJSON, so they are collected before validation.
  const unparsable = new Map<number, string>();

  if (isNdjson(meta.contentType)) {
    const lines = body.toString('utf8').split('\n');
    rawEvents = [];
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        rawEvents.push(JSON.parse(line));
      } catch (err) {
        unparsable.set(rawEvents.length, `not valid JSON: ${(err as Error).message}`);
        rawEvents.push(undefined);
      }
    }
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw new ValidationError(`body is not valid JSON: ${(err as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || !Array.isArray((parsed as { events?: unknown }).events)) {
      throw new ValidationError('body must be an object { batchId?, events: [...] } or NDJSON (one event per line)');
    }
    const obj = parsed as { batchId?: unknown; events: unknown[] };
    rawEvents = obj.events;
    if (obj.batchId !== undefined) batchId = obj.batchId;
  }

  if (rawEvents.length === 0) throw new ValidationError('the batch has no events');
  if (rawEvents.length > limits.maxEvents) {
    throw new PayloadTooLargeError(`batch has ${rawEvents.length} events; the limit is ${limits.maxEvents}`, {
      maxEvents: limits.maxEvents,
    });
  }
  let checkedBatchId: string | null = null;
  if (batchId !== null && batchId !== undefined) {
    const r = batchIdSchema.safeParse(batchId);
    if (!r.success) throw new ValidationError(`batchId: ${describeIssues(r.error)}`);
    checkedBatchId = r.data;
  }

  const accepted: StoredEvent[] = [];
  const rejected: { index: number; error: string }[] = [];
  rawEvents.forEach((raw, index) => {
    const parseError = unparsable.get(index);
    if (parseError) {
      rejected.push({ index, error: parseError });
      return;
    }
    const r = eventSchema.safeParse(raw);
    if (!r.success) {
      rejected.push({ index, error: describeIssues(r.error) });
      return;
    }
    const ev = r.data;
    if (Buffer.byteLength(JSON.stringify(ev.fields)) > MAX_EVENT_JSON_BYTES) {
      rejected.push({ index, error: `fields exceed ${MAX_EVENT_JSON_BYTES} bytes` });
      return;
    }
    accepted.push({
      // The agent's id keeps reprocessing idempotent; otherwise the id is fixed here, before the job is queued.
      id: ev.id ?? randomUUID(),
      time: new Date(ev.time).toISOString(),
      logsource: ev.logsource,
      host: ev.host ?? null,
      fields: ev.fields,
      ...(ev.payload ? { payload: ev.payload } : {}),
      agencyId: meta.agencyId,
      agentId: meta.agentId,
      receivedAt: meta.now,
    });
  });
  return { batchId: checkedBatchId, accepted, rejected };
}
