/**
 * One report as a STIX 2.1 bundle: an `identity` for the agency, a `report`, an `incident`, one `indicator` per
 * indicator (with a STIX pattern), and the TLP 2.0 `marking-definition` the report is marked with, exactly as OASIS
 * publishes it (cti-stix-common-objects, extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d).
 *
 * Ids are UUIDv5 of the Vigil record ids, so exporting the same report again names the same objects (a consumer
 * updates them by `modified` instead of piling up copies). Every object carries the report's TLP marking and is
 * created by the agency's identity.
 */
import { createHash } from 'node:crypto';
import type { Report, ReportIndicator } from '../domain/report.js';
import { checkIndicatorPattern, stixString } from '../domain/report-stix-pattern.js';
import { categoryLabel, NCISS_LABELS, typeLabel, type TlpLevel } from '../domain/report-taxonomy.js';
import type { Agency } from '../domain/types.js';

export const TLP2_EXTENSION_ID = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d';

/** The official TLP 2.0 marking definitions (id and content are fixed by OASIS; never generate them). */
export const TLP2_MARKINGS: Readonly<Record<TlpLevel, Readonly<Record<string, unknown>> & { id: string }>> = Object.freeze({
  CLEAR: tlpMarking('94868c89-83c2-464b-929b-a1a8aa3c8487', 'TLP:CLEAR', 'clear'),
  GREEN: tlpMarking('bab4a63c-aed9-4cf5-a766-dfca5abac2bb', 'TLP:GREEN', 'green'),
  AMBER: tlpMarking('55d920b0-5e8b-4f79-9ee9-91f868d9b421', 'TLP:AMBER', 'amber'),
  'AMBER+STRICT': tlpMarking('939a9414-2ddd-4d32-a0cd-375ea402b003', 'TLP:AMBER+STRICT', 'amber+strict'),
  RED: tlpMarking('e828b379-4e03-4974-9ac4-e53a884c97c1', 'TLP:RED', 'red'),
});

function tlpMarking(uuid: string, name: string, level: string) {
  return Object.freeze({
    type: 'marking-definition',
    spec_version: '2.1',
    id: `marking-definition--${uuid}`,
    created: '2022-10-01T00:00:00.000Z',
    name,
    extensions: { [TLP2_EXTENSION_ID]: { extension_type: 'property-extension', tlp_2_0: level } },
  });
}

/** Vigil's UUIDv5 namespace for STIX ids. */
const VIGIL_NAMESPACE = 'c0f4d2a8-3b1e-5d6f-9a7c-2e8b4f1d6a30';

/** RFC 4122 UUID version 5 (SHA-1, name-based). */
export function uuidv5(name: string, namespace = VIGIL_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const HASH_NAMES = { md5: 'MD5', sha1: 'SHA-1', sha256: 'SHA-256' } as const;

/** The STIX pattern of one indicator. */
export function indicatorPattern(i: Pick<ReportIndicator, 'kind' | 'value'>): string {
  switch (i.kind) {
    case 'ipv4':
      return `[ipv4-addr:value = ${stixString(i.value)}]`;
    case 'ipv6':
      return `[ipv6-addr:value = ${stixString(i.value)}]`;
    case 'domain':
      return `[domain-name:value = ${stixString(i.value)}]`;
    case 'url':
      return `[url:value = ${stixString(i.value)}]`;
    case 'email':
      return `[email-addr:value = ${stixString(i.value)}]`;
    case 'md5':
    case 'sha1':
    case 'sha256':
      return `[file:hashes.${stixString(HASH_NAMES[i.kind])} = ${stixString(i.value)}]`;
  }
}

export interface StixBundle {
  type: 'bundle';
  id: string;
  objects: Record<string, unknown>[];
}

/** The bundle of one report. Throws if a pattern it built does not check (a bug, never a user error). */
export function reportToStixBundle(report: Report, agency: Pick<Agency, 'id' | 'name' | 'code' | 'createdAt'>): StixBundle {
  const marking = TLP2_MARKINGS[report.tlp];
  const identityId = `identity--${uuidv5(`agency:${agency.id}`)}`;
  const common = (created: string, modified: string) => ({
    spec_version: '2.1',
    created,
    modified: modified < created ? created : modified,
    created_by_ref: identityId,
    object_marking_refs: [marking.id],
  });
  const labels = [`rsit:${report.category}`, ...(report.type ? [`rsit:${report.category}/${report.type}`] : []), `nciss:${report.severity}`];

  const identity = {
    type: 'identity',
    spec_version: '2.1',
    id: identityId,
    created: agency.createdAt,
    modified: agency.createdAt,
    name: agency.name,
    identity_class: 'organization',
    sectors: ['government'],
    object_marking_refs: [marking.id],
  };

  const incidentId = `incident--${uuidv5(`report-incident:${report.id}`)}`;
  const descriptionLines = [
    report.description,
    '',
    `Category: ${categoryLabel(report.category)}${report.type ? ` / ${typeLabel(report.category, report.type)}` : ''}`,
    `Severity (NCISS): ${NCISS_LABELS[report.severity]}`,
    `Aware since: ${report.awarenessAt}${report.occurredAt ? `; occurred: ${report.occurredAt}` : ''}`,
    `Impact: ${report.impact.systemsAffected} system(s), ${report.impact.usersAffected} user(s), ${report.impact.serviceDowntimeMinutes} min downtime` +
      `; data C/I/A affected: ${report.impact.data.confidentiality ? 'yes' : 'no'}/${report.impact.data.integrity ? 'yes' : 'no'}/${report.impact.data.availability ? 'yes' : 'no'}` +
      `; cross-border: ${report.impact.crossBorder ? 'yes' : 'no'}; suspected malicious: ${report.impact.suspectedMalicious ? 'yes' : 'no'}`,
  ];
  if (report.actionsTaken) descriptionLines.push(`Actions taken: ${report.actionsTaken}`);
  const incident = {
    type: 'incident',
    id: incidentId,
    ...common(report.createdAt, report.updatedAt),
    name: report.title,
    description: descriptionLines.join('\n'),
    labels,
    ...(report.incidentIds.length
      ? { external_references: report.incidentIds.map((id) => ({ source_name: 'vigil', external_id: id, description: 'Vigil incident' })) }
      : {}),
  };

  const indicators = report.indicators.map((i) => {
    const pattern = indicatorPattern(i);
    const problems = checkIndicatorPattern(pattern);
    if (problems.length) throw new Error(`internal: STIX pattern ${pattern} does not check: ${problems.join('; ')}`);
    return {
      type: 'indicator',
      id: `indicator--${uuidv5(`report-indicator:${report.id}:${i.kind}:${i.value}`)}`,
      ...common(report.createdAt, report.updatedAt),
      name: `${i.kind} ${i.value}`,
      ...(i.description ? { description: i.description } : {}),
      indicator_types: ['malicious-activity'],
      pattern,
      pattern_type: 'stix',
      pattern_version: '2.1',
      valid_from: report.awarenessAt,
    };
  });

  const stixReport = {
    type: 'report',
    id: `report--${uuidv5(`report:${report.id}`)}`,
    ...common(report.createdAt, report.updatedAt),
    name: report.title,
    description: report.description,
    report_types: ['threat-report'],
    published: report.submittedAt ?? report.updatedAt,
    object_refs: [incidentId, ...indicators.map((i) => i.id), identityId],
    labels,
    external_references: [{ source_name: 'vigil', external_id: report.id, description: `Vigil incident report, version ${report.version}` }],
  };

  return {
    type: 'bundle',
    id: `bundle--${uuidv5(`bundle:${report.id}:${report.revision}`)}`,
    objects: [marking, identity, stixReport, incident, ...indicators],
  };
}
