/**
 * What YARA scans in an event: the decoded payload (`payload.base64`) and a configured list of string fields
 * (command lines, script blocks, URLs, request bodies, messages). All targets of all events of a batch go to the
 * engine in one `scan` call.
 */
import type { StoredEvent } from '../../domain/event.js';
import type { YaraEngine, YaraHit } from './engine.js';

/** Fields scanned when none are configured. Dotted names reach nested objects (`http.request.body`). */
export const DEFAULT_YARA_FIELDS: readonly string[] = Object.freeze([
  'CommandLine',
  'ParentCommandLine',
  'ScriptBlockText',
  'c-uri',
  'c-uri-query',
  'cs-uri-query',
  'request_body',
  'http.request.body',
  'url',
  'query',
  'message',
]);

/** The part of an event YARA looks at. */
export type YaraScannable = Pick<StoredEvent, 'fields' | 'payload'>;

/** A field's value by exact key first, then by dotted path through nested objects. */
function fieldValue(fields: Record<string, unknown>, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(fields, name)) return fields[name];
  if (!name.includes('.')) return undefined;
  let cur: unknown = fields;
  for (const part of name.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/;

/** Percent-decoding that never throws (invalid UTF-8 sequences are decoded byte by byte as Latin-1). */
function percentDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s.replace(/\+/g, ' ').replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
}

/**
 * The buffers to scan for one event: the decoded payload, then each named field holding a string (or the strings
 * of an array), in `fieldNames` order. A value with `%XX` escapes (URLs, query strings, form bodies) is also
 * scanned percent-decoded, since web shells and exploits usually arrive encoded. The same text is never listed
 * twice.
 */
export function scanTargets(event: YaraScannable, fieldNames: readonly string[] = DEFAULT_YARA_FIELDS): Buffer[] {
  const out: Buffer[] = [];
  const b64 = event.payload?.base64;
  if (typeof b64 === 'string' && b64.length > 0) {
    const bytes = Buffer.from(b64, 'base64');
    if (bytes.length > 0) out.push(bytes);
  }
  const fields = event.fields;
  if (fields === null || typeof fields !== 'object') return out;
  const seen = new Set<string>();
  const add = (s: string) => {
    if (s.length === 0 || seen.has(s)) return;
    seen.add(s);
    out.push(Buffer.from(s, 'utf8'));
    if (PERCENT_ESCAPE.test(s)) {
      const decoded = percentDecode(s);
      if (decoded !== s && !seen.has(decoded)) {
        seen.add(decoded);
        out.push(Buffer.from(decoded, 'utf8'));
      }
    }
  };
  for (const name of fieldNames) {
    const v = fieldValue(fields, name);
    if (typeof v === 'string') add(v);
    else if (Array.isArray(v)) for (const item of v) if (typeof item === 'string') add(item);
  }
  return out;
}

const ranks = new WeakMap<YaraEngine, Map<string, number>>();

function rankOf(engine: YaraEngine): Map<string, number> {
  let rank = ranks.get(engine);
  if (rank === undefined || rank.size !== engine.ruleNames.length) {
    rank = new Map(engine.ruleNames.map((n, i) => [n, i]));
    ranks.set(engine, rank);
  }
  return rank;
}

/**
 * Scans every target of every event in one `engine.scan` call and returns, per event (in input order), the rules
 * that matched any of its targets, each once, in rule load order.
 */
export function scanEvents(
  engine: YaraEngine,
  events: readonly YaraScannable[],
  fieldNames: readonly string[] = DEFAULT_YARA_FIELDS,
): YaraHit[][] {
  const buffers: Buffer[] = [];
  const owner: number[] = [];
  for (let i = 0; i < events.length; i++) {
    for (const b of scanTargets(events[i]!, fieldNames)) {
      buffers.push(b);
      owner.push(i);
    }
  }
  const out: YaraHit[][] = events.map(() => []);
  if (buffers.length === 0) return out;
  const perBuffer = engine.scan(buffers);
  const rank = rankOf(engine);
  for (let k = 0; k < perBuffer.length; k++) {
    const hits = perBuffer[k]!;
    if (hits.length === 0) continue;
    const list = out[owner[k]!]!;
    for (const h of hits) if (!list.some((x) => x.rule === h.rule && x.namespace === h.namespace)) list.push(h);
  }
  for (const list of out) {
    if (list.length > 1) list.sort((a, b) => (rank.get(a.rule) ?? rank.size) - (rank.get(b.rule) ?? rank.size));
  }
  return out;
}
