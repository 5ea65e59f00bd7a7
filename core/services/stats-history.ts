/**
 * Realistic national incident history for demonstrations, tests and benchmarks (scripts/seed-history.ts): Vietnamese
 * ministries and provinces, every ENISA category with plausible rules and ATT&CK techniques, a seasonal monthly
 * pattern (a dip around Tết, peaks in spring and autumn), working-hour and weekday rhythms, severities per category,
 * resolution times per severity with their timeline entries, and false positives added ON TOP of the requested
 * counts, so the counted totals (shared/stats-rules.ts) are exactly the numbers asked for.
 *
 * Deterministic: the same options produce the same incidents with the same ids, so seeding twice stores nothing new.
 */
import { createHash } from 'node:crypto';
import type { Agency, Incident, IncidentStatus, Severity } from '../domain/types.js';
import type { HistoricalIncident, StatsRollupResult, Storage } from '../storage/storage.port.js';
import { isCounted } from '../storage/shared/stats-rules.js';

/** Ministries and ministry-level bodies first, then provinces and centrally-governed cities. Codes are ASCII. */
export const VIETNAMESE_AGENCIES: readonly { code: string; name: string; weight: number }[] = [
  { code: 'BTC', name: 'Bộ Tài chính', weight: 3.2 },
  { code: 'BCA', name: 'Bộ Công an', weight: 2.6 },
  { code: 'BQP', name: 'Bộ Quốc phòng', weight: 2.2 },
  { code: 'BNG', name: 'Bộ Ngoại giao', weight: 1.8 },
  { code: 'NHNN', name: 'Ngân hàng Nhà nước Việt Nam', weight: 2.9 },
  { code: 'BKHDT', name: 'Bộ Kế hoạch và Đầu tư', weight: 1.4 },
  { code: 'BCT', name: 'Bộ Công Thương', weight: 1.6 },
  { code: 'BYT', name: 'Bộ Y tế', weight: 2.0 },
  { code: 'BGDDT', name: 'Bộ Giáo dục và Đào tạo', weight: 2.1 },
  { code: 'BTTTT', name: 'Bộ Thông tin và Truyền thông', weight: 2.4 },
  { code: 'BTP', name: 'Bộ Tư pháp', weight: 1.1 },
  { code: 'BNV', name: 'Bộ Nội vụ', weight: 0.9 },
  { code: 'BGTVT', name: 'Bộ Giao thông vận tải', weight: 1.2 },
  { code: 'BXD', name: 'Bộ Xây dựng', weight: 0.9 },
  { code: 'BTNMT', name: 'Bộ Tài nguyên và Môi trường', weight: 1.0 },
  { code: 'BNNPTNT', name: 'Bộ Nông nghiệp và Phát triển nông thôn', weight: 0.9 },
  { code: 'BLDTBXH', name: 'Bộ Lao động - Thương binh và Xã hội', weight: 1.3 },
  { code: 'BVHTTDL', name: 'Bộ Văn hóa, Thể thao và Du lịch', weight: 0.8 },
  { code: 'BKHCN', name: 'Bộ Khoa học và Công nghệ', weight: 0.9 },
  { code: 'VPCP', name: 'Văn phòng Chính phủ', weight: 1.2 },
  { code: 'TTCP', name: 'Thanh tra Chính phủ', weight: 0.6 },
  { code: 'UBDT', name: 'Ủy ban Dân tộc', weight: 0.5 },
  { code: 'BHXH', name: 'Bảo hiểm xã hội Việt Nam', weight: 1.7 },
  { code: 'TCT', name: 'Tổng cục Thuế', weight: 2.0 },
  { code: 'HNI', name: 'UBND Thành phố Hà Nội', weight: 3.0 },
  { code: 'HCM', name: 'UBND Thành phố Hồ Chí Minh', weight: 3.4 },
  { code: 'DNG', name: 'UBND Thành phố Đà Nẵng', weight: 1.5 },
  { code: 'HPG', name: 'UBND Thành phố Hải Phòng', weight: 1.3 },
  { code: 'CTO', name: 'UBND Thành phố Cần Thơ', weight: 1.0 },
  { code: 'QNH', name: 'UBND tỉnh Quảng Ninh', weight: 1.0 },
  { code: 'BNH', name: 'UBND tỉnh Bắc Ninh', weight: 1.0 },
  { code: 'THA', name: 'UBND tỉnh Thanh Hóa', weight: 0.9 },
  { code: 'NAN', name: 'UBND tỉnh Nghệ An', weight: 0.9 },
  { code: 'HUE', name: 'UBND tỉnh Thừa Thiên Huế', weight: 0.7 },
  { code: 'KHA', name: 'UBND tỉnh Khánh Hòa', weight: 0.7 },
  { code: 'LDG', name: 'UBND tỉnh Lâm Đồng', weight: 0.6 },
  { code: 'DNI', name: 'UBND tỉnh Đồng Nai', weight: 1.0 },
  { code: 'BDG', name: 'UBND tỉnh Bình Dương', weight: 1.1 },
  { code: 'BRVT', name: 'UBND tỉnh Bà Rịa - Vũng Tàu', weight: 0.7 },
  { code: 'AGG', name: 'UBND tỉnh An Giang', weight: 0.5 },
  { code: 'KGG', name: 'UBND tỉnh Kiên Giang', weight: 0.5 },
  { code: 'QNM', name: 'UBND tỉnh Quảng Nam', weight: 0.6 },
  { code: 'HDG', name: 'UBND tỉnh Hải Dương', weight: 0.6 },
  { code: 'TNN', name: 'UBND tỉnh Thái Nguyên', weight: 0.6 },
  { code: 'LCI', name: 'UBND tỉnh Lào Cai', weight: 0.4 },
  { code: 'DLK', name: 'UBND tỉnh Đắk Lắk', weight: 0.5 },
  { code: 'GLI', name: 'UBND tỉnh Gia Lai', weight: 0.4 },
  { code: 'NDH', name: 'UBND tỉnh Nam Định', weight: 0.5 },
  { code: 'VPC', name: 'UBND tỉnh Vĩnh Phúc', weight: 0.5 },
  { code: 'HYN', name: 'UBND tỉnh Hưng Yên', weight: 0.5 },
  { code: 'BDH', name: 'UBND tỉnh Bình Định', weight: 0.5 },
  { code: 'LAN', name: 'UBND tỉnh Long An', weight: 0.5 },
  { code: 'TGG', name: 'UBND tỉnh Tiền Giang', weight: 0.4 },
  { code: 'CMU', name: 'UBND tỉnh Cà Mau', weight: 0.3 },
  { code: 'DBN', name: 'UBND tỉnh Điện Biên', weight: 0.3 },
  { code: 'HGG', name: 'UBND tỉnh Hà Giang', weight: 0.3 },
  { code: 'NBH', name: 'UBND tỉnh Ninh Bình', weight: 0.4 },
  { code: 'PYN', name: 'UBND tỉnh Phú Yên', weight: 0.3 },
  { code: 'QBH', name: 'UBND tỉnh Quảng Bình', weight: 0.3 },
  { code: 'STG', name: 'UBND tỉnh Sóc Trăng', weight: 0.3 },
];

interface RuleTemplate {
  ruleId: string;
  title: string;
  techniques: string[];
  weight: number;
}

interface CategoryProfile {
  weight: number;
  severities: [Severity, number][];
  rules: RuleTemplate[];
}

/** Every ENISA RSIT class plus `test`, with how often it occurs, its usual severities and typical detections. */
export const CATEGORY_PROFILES: Record<string, CategoryProfile> = {
  'intrusion-attempts': {
    weight: 24,
    severities: [['medium', 5], ['high', 3], ['low', 2], ['critical', 0.4]],
    rules: [
      { ruleId: 'vigil-ssh-bruteforce', title: 'SSH brute force against {host}', techniques: ['T1110.001'], weight: 4 },
      { ruleId: 'vigil-vpn-password-spray', title: 'Password spraying against the VPN portal', techniques: ['T1110.003'], weight: 2 },
      { ruleId: 'vigil-web-exploit-attempt', title: 'Exploit attempt against public web application on {host}', techniques: ['T1190'], weight: 3 },
      { ruleId: 'vigil-rdp-bruteforce', title: 'RDP logon failures from {ip}', techniques: ['T1110.001', 'T1133'], weight: 2 },
    ],
  },
  'malicious-code': {
    weight: 19,
    severities: [['high', 5], ['critical', 2], ['medium', 3]],
    rules: [
      { ruleId: 'vigil-ransomware-shadow-delete', title: 'Shadow copies deleted on {host} (ransomware precursor)', techniques: ['T1490', 'T1486'], weight: 2 },
      { ruleId: 'vigil-malicious-office-macro', title: 'Office document spawned a script interpreter on {host}', techniques: ['T1204.002', 'T1059.001'], weight: 4 },
      { ruleId: 'vigil-c2-beacon', title: 'Periodic beaconing to known command-and-control host', techniques: ['T1071.001'], weight: 3 },
      { ruleId: 'yara-emotet-loader', title: 'Emotet loader detected in payload on {host}', techniques: ['T1204.002'], weight: 2 },
      { ruleId: 'vigil-usb-worm', title: 'Autorun worm copied from removable media on {host}', techniques: ['T1091'], weight: 1 },
    ],
  },
  'information-gathering': {
    weight: 15,
    severities: [['low', 5], ['medium', 3], ['informational', 2]],
    rules: [
      { ruleId: 'vigil-port-scan', title: 'Port scan from {ip}', techniques: ['T1595.001'], weight: 5 },
      { ruleId: 'vigil-vuln-scan', title: 'Vulnerability scanner probing {host}', techniques: ['T1595.002'], weight: 3 },
      { ruleId: 'vigil-ldap-enumeration', title: 'Mass LDAP enumeration of domain accounts', techniques: ['T1087.002'], weight: 1 },
    ],
  },
  fraud: {
    weight: 10,
    severities: [['medium', 5], ['high', 3], ['low', 1]],
    rules: [
      { ruleId: 'vigil-phishing-link', title: 'Phishing e-mail with credential-harvesting link delivered', techniques: ['T1566.002'], weight: 5 },
      { ruleId: 'vigil-fake-portal', title: 'Look-alike domain impersonating the agency portal', techniques: ['T1583.001', 'T1656'], weight: 2 },
      { ruleId: 'vigil-bec', title: 'Business e-mail compromise: payment change request', techniques: ['T1534'], weight: 1 },
    ],
  },
  intrusions: {
    weight: 8,
    severities: [['high', 5], ['critical', 3], ['medium', 1]],
    rules: [
      { ruleId: 'vigil-webshell', title: 'Web shell written to web root on {host}', techniques: ['T1505.003'], weight: 3 },
      { ruleId: 'vigil-psexec-lateral', title: 'Lateral movement with PsExec to {host}', techniques: ['T1021.002', 'T1569.002'], weight: 2 },
      { ruleId: 'vigil-privileged-logon', title: 'Privileged account used from unusual location', techniques: ['T1078'], weight: 2 },
      { ruleId: 'vigil-lsass-dump', title: 'Credential dumping from LSASS on {host}', techniques: ['T1003.001'], weight: 2 },
    ],
  },
  availability: {
    weight: 7,
    severities: [['high', 4], ['medium', 4], ['critical', 1]],
    rules: [
      { ruleId: 'vigil-ddos-volumetric', title: 'Volumetric DDoS against public portal', techniques: ['T1498.001'], weight: 4 },
      { ruleId: 'vigil-http-flood', title: 'HTTP flood degrading {host}', techniques: ['T1499.002'], weight: 2 },
    ],
  },
  vulnerable: {
    weight: 6,
    severities: [['medium', 4], ['low', 4], ['high', 2]],
    rules: [
      { ruleId: 'vigil-outdated-cms', title: 'Outdated CMS with known vulnerabilities exposed on {host}', techniques: [], weight: 3 },
      { ruleId: 'vigil-exposed-rdp', title: 'RDP service exposed to the Internet on {host}', techniques: ['T1133'], weight: 2 },
      { ruleId: 'vigil-weak-tls', title: 'Weak TLS configuration on {host}', techniques: [], weight: 1 },
    ],
  },
  'abusive-content': {
    weight: 3,
    severities: [['low', 5], ['medium', 2]],
    rules: [
      { ruleId: 'vigil-outbound-spam', title: 'Outbound spam from compromised mailbox', techniques: ['T1114'], weight: 3 },
      { ruleId: 'vigil-harmful-content', title: 'Harmful content published on agency site', techniques: [], weight: 1 },
    ],
  },
  'information-content-security': {
    weight: 3,
    severities: [['high', 4], ['medium', 3], ['critical', 1]],
    rules: [
      { ruleId: 'vigil-defacement', title: 'Website defacement on {host}', techniques: ['T1491.002'], weight: 3 },
      { ruleId: 'vigil-record-tampering', title: 'Unauthorised modification of citizen records', techniques: ['T1565.001'], weight: 1 },
      { ruleId: 'vigil-data-leak', title: 'Sensitive documents exfiltrated over HTTPS', techniques: ['T1048.002'], weight: 1 },
    ],
  },
  other: {
    weight: 2,
    severities: [['low', 3], ['informational', 3], ['medium', 1]],
    rules: [{ ruleId: 'vigil-unclassified', title: 'Unclassified suspicious activity on {host}', techniques: [], weight: 1 }],
  },
  test: {
    weight: 1,
    severities: [['informational', 1]],
    rules: [{ ruleId: 'vigil-pipeline-test', title: 'Detection pipeline test event', techniques: [], weight: 1 }],
  },
};

/** Share of incidents per month (January first): a dip around Tết, busier spring and autumn. */
export const MONTH_WEIGHTS = [0.82, 0.68, 1.02, 1.06, 1.0, 0.94, 0.9, 0.96, 1.08, 1.14, 1.16, 1.12];

/** Median hours from raising an incident to resolving it, by severity. */
const RESOLVE_MEDIAN_HOURS: Record<Severity, number> = { critical: 5, high: 14, medium: 30, low: 54, informational: 80 };
const ANALYSTS = ['an.nguyen', 'binh.tran', 'chi.le', 'dung.pham', 'hoa.vo', 'khanh.dang', 'linh.bui', 'minh.do'];

export interface HistoryOptions {
  from: number;
  to: number;
  /** Counted incidents per year; years not given get defaultYearCount. */
  counts?: Record<number, number>;
  /** How many agencies (the first N of VIETNAMESE_AGENCIES, at most its length). Default 40. */
  agencies?: number;
  /** False positives added per counted incident (default 0.06). */
  falsePositiveRate?: number;
  seed?: number;
  /** Nothing is generated after this time (default: now). */
  now?: Date;
}

/** A plausible national volume for a year: growing about 12 % a year from 5,000 in 2020. */
export function defaultYearCount(year: number): number {
  return Math.round(5000 * Math.pow(1.12, year - 2020));
}

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pickWeighted<T>(rand: () => number, items: readonly T[], weight: (t: T) => number): T {
  const total = items.reduce((s, t) => s + weight(t), 0);
  let r = rand() * total;
  for (const t of items) {
    r -= weight(t);
    if (r < 0) return t;
  }
  return items[items.length - 1]!;
}

/** Splits `total` over `weights` exactly (largest remainder). */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0) return weights.map(() => 0);
  const raw = weights.map((w) => (total * w) / sum);
  const out = raw.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    out[i]! += 1;
    left -= 1;
  }
  return out;
}

/** A UUID-shaped id derived from a name (so seeding is repeatable). */
export function stableId(name: string): string {
  const h = createHash('sha1').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

/** A lognormal sample with the given median (e^(μ + σZ), Box–Muller). */
function lognormal(rand: () => number, median: number, sigma: number): number {
  const z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return median * Math.exp(sigma * z);
}

const iso = (ms: number) => new Date(ms).toISOString();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A random moment of `month` (0-11) of `year` before `endMs`: weekdays and working hours (UTC+7) weigh more. */
function momentIn(rand: () => number, year: number, month: number, endMs: number): number {
  const start = Date.UTC(year, month, 1);
  const end = Math.min(Date.UTC(year, month + 1, 1), endMs);
  for (let tries = 0; tries < 50; tries++) {
    const t = start + Math.floor(rand() * (end - start));
    const local = new Date(t + 7 * HOUR);
    const weekend = local.getUTCDay() === 0 || local.getUTCDay() === 6;
    const hour = local.getUTCHours();
    const working = hour >= 8 && hour < 18;
    const p = (weekend ? 0.55 : 1) * (working ? 1 : 0.45);
    if (rand() < p) return t;
  }
  return start + Math.floor(rand() * (end - start));
}

export interface GeneratedYear {
  year: number;
  counted: number;
  falsePositives: number;
  records: HistoricalIncident[];
}

/** The incidents of one year for these agencies. Counted incidents are exactly `count` (fewer months if `now` cuts the year). */
export function generateYear(agencies: readonly (Agency & { weight?: number })[], year: number, count: number, opts: HistoryOptions): GeneratedYear {
  const seed = opts.seed ?? 2024;
  const rand = prng((seed * 7919 + year * 104729) >>> 0);
  const nowMs = (opts.now ?? new Date()).getTime();
  // Nothing in the last day before `now`, so every timeline entry lies in the past.
  const endMs = nowMs - DAY;
  const fpRate = opts.falsePositiveRate ?? 0.06;
  const monthsAvailable = MONTH_WEIGHTS.map((w, m) => (Date.UTC(year, m, 1) < endMs ? w : 0));
  const perMonth = apportion(count, monthsAvailable);
  const fpPerMonth = apportion(Math.round(count * fpRate), monthsAvailable);
  const categories = Object.entries(CATEGORY_PROFILES);
  const records: HistoricalIncident[] = [];
  let seq = 0;

  const make = (month: number, falsePositive: boolean): HistoricalIncident => {
    seq += 1;
    const agency = pickWeighted(rand, agencies, (a) => a.weight ?? 1);
    const [category, profile] = pickWeighted(rand, categories, ([, p]) => p.weight);
    const rule = pickWeighted(rand, profile.rules, (r) => r.weight);
    const severity = pickWeighted(rand, profile.severities, ([, w]) => w)[0];
    const firstSeenMs = momentIn(rand, year, month, endMs);
    const host = `${agency.code.toLowerCase()}-${pickWeighted(rand, ['srv', 'ws', 'web', 'mail', 'dc'], () => 1)}-${String(1 + Math.floor(rand() * 40)).padStart(2, '0')}`;
    const ip = `${[113, 14, 42, 171, 45, 103][Math.floor(rand() * 6)]}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}.${1 + Math.floor(rand() * 254)}`;
    const lastSeenMs = firstSeenMs + Math.floor(lognormal(rand, 40 * 60_000, 1.4));
    const createdMs = firstSeenMs + Math.floor(30_000 + rand() * 8 * 60_000);
    const alerts = 1 + Math.floor(lognormal(rand, 2, 1));
    const analyst = ANALYSTS[Math.floor(rand() * ANALYSTS.length)]!;
    const id = stableId(`vigil-history:${seed}:${year}:${seq}`);
    const timeline: HistoricalIncident['timeline'] = [{ at: iso(createdMs), actor: 'system', action: 'created', details: { ruleId: rule.ruleId } }];

    let status: IncidentStatus;
    let updatedMs = Math.max(createdMs, lastSeenMs);
    const assignedMs = createdMs + Math.floor(rand() * 2 * HOUR);
    if (falsePositive) {
      const at = Math.min(nowMs, assignedMs + Math.floor(lognormal(rand, 3 * HOUR, 0.8)));
      status = 'false_positive';
      timeline.push({ at: iso(assignedMs), actor: analyst, action: 'assigned', details: { from: null, to: analyst } });
      timeline.push({ at: iso(Math.max(at, assignedMs)), actor: analyst, action: 'status_changed', details: { from: 'new', to: 'false_positive', fromStage: 'new', toStage: 'false_positive' } });
      updatedMs = Math.max(updatedMs, at);
    } else {
      const resolvedMs = createdMs + Math.floor(lognormal(rand, RESOLVE_MEDIAN_HOURS[severity] * HOUR, 0.9));
      if (resolvedMs <= nowMs) {
        status = rand() < 0.8 ? 'resolved' : 'closed';
        timeline.push({ at: iso(assignedMs), actor: analyst, action: 'assigned', details: { from: null, to: analyst } });
        timeline.push({ at: iso(Math.max(resolvedMs, assignedMs)), actor: analyst, action: 'status_changed', details: { from: 'new', to: status, fromStage: 'new', toStage: status } });
        updatedMs = Math.max(updatedMs, resolvedMs, assignedMs);
      } else {
        status = (['new', 'triaged', 'investigating', 'contained'] as const)[Math.floor(rand() * 4)]!;
      }
    }
    updatedMs = Math.min(Math.max(updatedMs, createdMs), Math.max(nowMs, createdMs));

    const incident: Incident = {
      id,
      title: rule.title.replace('{host}', host).replace('{ip}', ip),
      severity,
      category,
      agencyId: agency.id,
      status,
      assignee: status === 'new' ? null : analyst,
      groupKey: `${rule.ruleId}|${host}`,
      ruleId: rule.ruleId,
      ruleIds: [rule.ruleId],
      host,
      techniques: [...rule.techniques],
      entities: { hosts: [host], users: rand() < 0.4 ? [`${agency.code.toLowerCase()}\\${analyst.split('.')[0]}`] : [], ips: [ip] },
      alertCount: alerts,
      eventCount: alerts * (1 + Math.floor(lognormal(rand, 4, 1.2))),
      firstSeen: iso(firstSeenMs),
      lastSeen: iso(Math.min(lastSeenMs, Math.max(nowMs, firstSeenMs))),
      createdAt: iso(createdMs),
      updatedAt: iso(updatedMs),
    };
    return { incident, timeline };
  };

  for (let m = 0; m < 12; m++) {
    for (let i = 0; i < perMonth[m]!; i++) records.push(make(m, false));
    for (let i = 0; i < fpPerMonth[m]!; i++) records.push(make(m, true));
  }
  const counted = records.filter((r) => isCounted(r.incident)).length;
  return { year, counted, falsePositives: records.length - counted, records };
}

/** Creates the first `n` agencies of VIETNAMESE_AGENCIES that do not exist yet (matched by code); returns all n. */
export async function ensureAgencies(storage: Pick<Storage, 'agencies'>, n: number): Promise<(Agency & { weight: number })[]> {
  const wanted = VIETNAMESE_AGENCIES.slice(0, Math.max(1, Math.min(n, VIETNAMESE_AGENCIES.length)));
  const existing = new Map((await storage.agencies.list()).map((a) => [a.code.toUpperCase(), a]));
  const out: (Agency & { weight: number })[] = [];
  for (const w of wanted) {
    const agency = existing.get(w.code) ?? (await storage.agencies.create({ name: w.name, code: w.code }));
    out.push({ ...agency, weight: w.weight });
  }
  return out;
}

export interface SeedResult {
  agencies: number;
  years: { year: number; counted: number; falsePositives: number }[];
  inserted: number;
  skipped: number;
  rollup: StatsRollupResult;
}

/** Writes the history straight into storage (bulk import, 5,000 per transaction), then rebuilds the roll-ups. */
export async function seedHistory(
  storage: Pick<Storage, 'agencies' | 'stats'>,
  opts: HistoryOptions,
  log: (line: string) => void = () => undefined,
): Promise<SeedResult> {
  if (!Number.isInteger(opts.from) || !Number.isInteger(opts.to) || opts.from > opts.to) throw new Error('--from must be a year not after --to');
  const agencies = await ensureAgencies(storage, opts.agencies ?? 40);
  log(`${agencies.length} agencies ready`);
  const years: SeedResult['years'] = [];
  let inserted = 0;
  let skipped = 0;
  for (let year = opts.from; year <= opts.to; year++) {
    const count = opts.counts?.[year] ?? defaultYearCount(year);
    const gen = generateYear(agencies, year, count, opts);
    for (let i = 0; i < gen.records.length; i += 5000) {
      const res = await storage.stats.importIncidents(gen.records.slice(i, i + 5000));
      inserted += res.inserted;
      skipped += res.skipped;
    }
    years.push({ year, counted: gen.counted, falsePositives: gen.falsePositives });
    log(`${year}: ${gen.counted} counted incidents + ${gen.falsePositives} false positives`);
  }
  const rollup = await storage.stats.rebuild();
  log(`roll-ups rebuilt: ${rollup.days} days`);
  return { agencies: agencies.length, years, inserted, skipped, rollup };
}
