/**
 * The STIX 2.1 export of a report, checked two independent ways: every object against JSON Schemas written from
 * the STIX 2.1 property tables (test/fixtures/stix/schemas, validated with ajv, draft 2020-12), and every indicator
 * pattern against the STIX patterning grammar (core/domain/report-stix-pattern.ts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import type { Report } from '../../core/domain/report.js';
import { computeDeadlines, DEFAULT_DEADLINE_POLICY, nextDueAt } from '../../core/domain/report-deadlines.js';
import { checkIndicator, type IndicatorType, type ReportIndicator } from '../../core/domain/report-indicators.js';
import { checkIndicatorPattern, comparisonsOf, parseStixPattern, stixString, StixPatternError } from '../../core/domain/report-stix-pattern.js';
import { TLP_LEVELS } from '../../core/domain/report-taxonomy.js';
import { indicatorPattern, reportToStixBundle, TLP2_MARKINGS, uuidv5 } from '../../core/services/report-stix.js';
import { REPO_ROOT } from '../support/harness.js';

const SCHEMA_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'stix', 'schemas');
const addFormats = ((formatsModule as unknown as { default?: unknown }).default ?? formatsModule) as (ajv: Ajv2020) => Ajv2020;

function loadAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
  addFormats(ajv);
  for (const file of fs.readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.json'))) {
    ajv.addSchema(JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, file), 'utf8')));
  }
  return ajv;
}

const SCHEMA_OF: Record<string, string> = {
  bundle: 'https://vigil.invalid/stix/bundle.json',
  identity: 'https://vigil.invalid/stix/identity.json',
  indicator: 'https://vigil.invalid/stix/indicator.json',
  report: 'https://vigil.invalid/stix/report.json',
  incident: 'https://vigil.invalid/stix/incident.json',
  'marking-definition': 'https://vigil.invalid/stix/marking-definition.json',
};

function indicator(type: IndicatorType, value: string, description?: string): ReportIndicator {
  const c = checkIndicator(type, value);
  if (!c.ok) throw new Error(c.message);
  return { type, kind: c.kind, value: c.value, ...(description ? { description } : {}) };
}

function sampleReport(over: Partial<Report> = {}): Report {
  const awarenessAt = '2026-03-02T08:15:00.000Z';
  const deadlines = computeDeadlines(awarenessAt, { earlyWarning: '2026-03-02T20:00:00.000Z' }, DEFAULT_DEADLINE_POLICY);
  return {
    id: '6c7d2b0e-3f41-4b8e-9a55-0c1d2e3f4a5b',
    agencyId: 'a1b2c3d4-0000-4000-8000-000000000001',
    reporter: 'mof-admin',
    reporterId: 'u-1',
    title: "Ransomware on finance file servers ('FIN-FS')",
    category: 'malicious-code',
    type: 'infected-system',
    description: 'Files encrypted on two servers; shadow copies deleted.\nRansom note found.',
    awarenessAt,
    occurredAt: '2026-03-02T06:40:00.000Z',
    severity: 'high',
    tlp: 'AMBER',
    impact: {
      systemsAffected: 2,
      usersAffected: 140,
      serviceDowntimeMinutes: 95,
      data: { confidentiality: false, integrity: true, availability: true },
      crossBorder: false,
      suspectedMalicious: true,
    },
    indicators: [
      indicator('ip', '203.0.113.7', 'C2'),
      indicator('ip', '2001:db8::7'),
      indicator('domain', 'evil-c2.example'),
      indicator('url', "https://evil-c2.example/p/a'b\\c?x=1"),
      indicator('hash', 'd41d8cd98f00b204e9800998ecf8427e'),
      indicator('hash', 'da39a3ee5e6b4b0d3255bfef95601890afd80709'),
      indicator('hash', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'),
      indicator('email', 'billing@phish.example'),
    ],
    actionsTaken: 'Servers isolated; restore from offline backups started.',
    incidentIds: ['inc-1', 'inc-2'],
    status: 'submitted',
    lastStage: 'early_warning',
    version: 1,
    revision: 3,
    deadlines,
    nextDueAt: nextDueAt(deadlines, 'submitted'),
    submittedAt: '2026-03-02T20:00:00.000Z',
    acknowledgedAt: null,
    acknowledgedBy: null,
    closedAt: null,
    closedBy: null,
    createdAt: '2026-03-02T09:00:00.000Z',
    updatedAt: '2026-03-02T20:00:00.000Z',
    ...over,
  };
}

const AGENCY = { id: 'a1b2c3d4-0000-4000-8000-000000000001', name: 'Ministry of Finance', code: 'MOF', createdAt: '2025-01-01T00:00:00.000Z' };

describe('STIX pattern grammar', function () {
  it('parses the patterns Vigil emits', function () {
    for (const p of [
      "[ipv4-addr:value = '1.2.3.4']",
      "[ipv4-addr:value = '10.0.0.0/8']",
      "[ipv6-addr:value = '2001:db8::1']",
      "[domain-name:value = 'example.com']",
      "[url:value = 'http://x.example/a\\'b']",
      "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
      "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
      "[email-addr:value = 'a@b.example']",
    ]) {
      assert.deepEqual(checkIndicatorPattern(p), [], p);
    }
  });

  it('parses the rest of the language: boolean and observation operators, qualifiers, sets, paths, literals', function () {
    const ast = parseStixPattern(
      "([file:name = 'a.exe' AND file:size > 10] OR [process:pid IN (1, 2, 3)]) FOLLOWEDBY " +
        "[network-traffic:extensions.'tcp-ext'.src_flags_hex = h'02' AND network-traffic:dst_ref.value NOT LIKE '10.%'] " +
        "WITHIN 300 SECONDS REPEATS 2 TIMES START t'2026-01-01T00:00:00Z' STOP t'2026-01-02T00:00:00Z'",
    );
    assert.equal(ast.kind, 'followedby');
    assert.equal(ast.kind === 'followedby' && ast.right.qualifiers.length, 3);
    const comparisons = comparisonsOf(ast);
    assert.equal(comparisons.length, 5);
    assert.ok(parseStixPattern("[x-acme-widget:items[*].name MATCHES '^a' OR EXISTS x-acme-widget:owner]"));
    assert.ok(parseStixPattern('[file:size >= -1.5e3 AND file:x_flag = true AND file:content = b\'aGVsbG8=\']'));
  });

  it('rejects what is not a pattern, with a position', function () {
    for (const bad of [
      "ipv4-addr:value = '1.2.3.4'", // no brackets
      "[ipv4-addr:value = '1.2.3.4'", // unclosed
      "[ipv4-addr:value == '1.2.3.4']",
      "[ipv4-addr value = '1.2.3.4']",
      "[file:hashes.SHA-256 = 'ab']", // hyphenated name must be quoted
      "[url:value = 'unterminated]",
      "[url:value = 'bad \\x escape']",
      "[ipv4-addr:value = '1.2.3.4'] WITHIN SECONDS",
      "[ipv4-addr:value = '1.2.3.4'] START t'yesterday' STOP t'2026-01-01T00:00:00Z'",
      "[ipv4-addr:value LIKE 5]",
      "[A:value = 'x']",
      "[ipv4-addr:value = '1.2.3.4'] extra",
    ]) {
      assert.throws(() => parseStixPattern(bad), StixPatternError, bad);
      assert.ok(checkIndicatorPattern(bad).length > 0, bad);
    }
  });

  it('checks the emitted object types, properties and values', function () {
    assert.match(checkIndicatorPattern("[ipv4-addr:value = '999.1.1.1']")[0]!, /not an IPv4/);
    assert.match(checkIndicatorPattern("[file:hashes.'SHA-256' = 'abc']")[0]!, /not a SHA-256/);
    assert.match(checkIndicatorPattern("[file:name = 'x']")[0]!, /not a hash/);
    assert.match(checkIndicatorPattern("[mutex:name = 'x']")[0]!, /mutex is not one Vigil emits/);
    assert.match(checkIndicatorPattern("[domain-name:value != 'a.example']")[0]!, /uses !=/);
  });

  it('escapes quotes and backslashes in string literals', function () {
    assert.equal(stixString("a'b\\c"), "'a\\'b\\\\c'");
    const p = `[url:value = ${stixString("http://x.example/a'b\\c")}]`;
    const c = comparisonsOf(parseStixPattern(p))[0]!;
    assert.equal(c.kind === 'compare' && !Array.isArray(c.value) && c.value.value, "http://x.example/a'b\\c");
  });

  it('writes hash patterns with the STIX hash names, quoted', function () {
    assert.equal(indicatorPattern({ kind: 'sha256', value: 'ab'.repeat(32) }), `[file:hashes.'SHA-256' = '${'ab'.repeat(32)}']`);
    assert.equal(indicatorPattern({ kind: 'sha1', value: 'ab'.repeat(20) }), `[file:hashes.'SHA-1' = '${'ab'.repeat(20)}']`);
    assert.equal(indicatorPattern({ kind: 'md5', value: 'ab'.repeat(16) }), `[file:hashes.'MD5' = '${'ab'.repeat(16)}']`);
  });
});

describe('STIX 2.1 bundle of a report', function () {
  const ajv = loadAjv();

  function validate(obj: Record<string, unknown>): string[] {
    const id = SCHEMA_OF[String(obj.type)];
    if (!id) return [`no schema for type ${String(obj.type)}`];
    const fn = ajv.getSchema(id)!;
    return fn(obj) ? [] : (fn.errors ?? []).map((e) => `${String(obj.type)}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
  }

  it('the schemas themselves reject what the specification forbids', function () {
    const bundle = reportToStixBundle(sampleReport(), AGENCY);
    const byType = (t: string) => bundle.objects.find((o) => o.type === t)!;
    const broken: [string, Record<string, unknown>][] = [
      ['indicator without pattern', { ...byType('indicator'), pattern: undefined }],
      ['indicator without valid_from', { ...byType('indicator'), valid_from: undefined }],
      ['report without object_refs', { ...byType('report'), object_refs: [] }],
      ['report with a bad published time', { ...byType('report'), published: '2026-03-02 20:00' }],
      ['identity with spec_version 2.0', { ...byType('identity'), spec_version: '2.0' }],
      ['incident with a custom property', { ...byType('incident'), x_custom: 1 }],
      ['incident with a v4-invalid id', { ...byType('incident'), id: 'incident--not-a-uuid' }],
      ['marking-definition with modified', { ...byType('marking-definition'), modified: '2022-10-01T00:00:00.000Z' }],
      ['marking-definition without extensions nor definition', { ...byType('marking-definition'), extensions: undefined }],
    ];
    for (const [what, obj] of broken) {
      const clean = JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
      assert.notDeepEqual(validate(clean), [], `${what} should be invalid`);
    }
    assert.equal(ajv.validate(SCHEMA_OF.bundle!, { type: 'bundle', id: bundle.id, objects: [], spec_version: '2.1' }), false);
  });

  it('validates every object against its schema and every pattern against the grammar, for every TLP level', function () {
    for (const tlp of TLP_LEVELS) {
      const bundle = reportToStixBundle(sampleReport({ tlp }), AGENCY);
      assert.deepEqual(validate(bundle as unknown as Record<string, unknown>), []);
      for (const obj of bundle.objects) assert.deepEqual(validate(obj), [], JSON.stringify(obj));
      const indicators = bundle.objects.filter((o) => o.type === 'indicator');
      assert.equal(indicators.length, 8);
      for (const i of indicators) {
        assert.equal(i.pattern_type, 'stix');
        assert.deepEqual(checkIndicatorPattern(String(i.pattern)), [], String(i.pattern));
      }
    }
  });

  it('contains the report, the incident, the agency identity and the official TLP 2.0 marking, all cross-referenced', function () {
    const report = sampleReport({ tlp: 'AMBER+STRICT' });
    const bundle = reportToStixBundle(report, AGENCY);
    const types = bundle.objects.map((o) => o.type);
    assert.deepEqual([...new Set(types)].sort(), ['identity', 'incident', 'indicator', 'marking-definition', 'report']);
    const marking = bundle.objects.find((o) => o.type === 'marking-definition')!;
    assert.equal(marking.id, 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003');
    assert.equal(marking.name, 'TLP:AMBER+STRICT');
    assert.deepEqual(marking.extensions, {
      'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d': { extension_type: 'property-extension', tlp_2_0: 'amber+strict' },
    });
    const identity = bundle.objects.find((o) => o.type === 'identity')!;
    assert.equal(identity.name, 'Ministry of Finance');
    const stixReport = bundle.objects.find((o) => o.type === 'report')!;
    const ids = new Set(bundle.objects.map((o) => o.id));
    for (const ref of stixReport.object_refs as string[]) assert.ok(ids.has(ref), `dangling ref ${ref}`);
    for (const o of bundle.objects.filter((x) => x.type !== 'marking-definition')) {
      assert.deepEqual(o.object_marking_refs, [marking.id], `${String(o.type)} is marked`);
      if (o.type !== 'identity') assert.equal(o.created_by_ref, identity.id);
    }
    assert.equal(stixReport.published, report.submittedAt);
    const pattern = bundle.objects.find((o) => o.type === 'indicator' && String(o.pattern).startsWith('[url:'))!.pattern;
    assert.equal(pattern, "[url:value = 'https://evil-c2.example/p/a\\'b\\\\c?x=1']");
  });

  it('uses the five official TLP 2.0 marking definition ids', function () {
    assert.deepEqual(
      Object.fromEntries(TLP_LEVELS.map((l) => [l, TLP2_MARKINGS[l].id])),
      {
        CLEAR: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
        GREEN: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
        AMBER: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
        'AMBER+STRICT': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
        RED: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
      },
    );
  });

  it('names the same objects on every export (UUIDv5 of the record ids)', function () {
    const a = reportToStixBundle(sampleReport(), AGENCY);
    const b = reportToStixBundle(sampleReport({ title: 'Renamed', updatedAt: '2026-03-03T00:00:00.000Z' }), AGENCY);
    assert.deepEqual(
      a.objects.map((o) => o.id),
      b.objects.map((o) => o.id),
    );
    // RFC 4122 test vector: uuid5(DNS namespace, "python.org")
    assert.equal(uuidv5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'), '886313e1-3b8a-5372-9b90-0c9aee199e5d');
  });
});
