import assert from 'node:assert/strict';
import { csvField, summaryCsv, toCsv } from '../../core/services/stats-csv.js';
import { CATEGORY_PROFILES, apportion, generateYear, stableId } from '../../core/services/stats-history.js';
import { changePct, medianMinutes, monthlySeries, round1, sharePct } from '../../core/services/stats-math.js';
import { STATS_CATEGORIES, type StatsSummary } from '../../core/services/stats.js';
import { foldToLatin1, niceStep } from '../../core/services/stats-pdf.js';
import { attackTechniqueName } from '../../core/services/stats-attack.js';
import {
  isCounted,
  nextDay,
  nextMonth,
  resolveBucket,
  resolveBucketMidMinutes,
  wholeYears,
} from '../../core/storage/shared/stats-rules.js';

/** A strict RFC 4180 reader, to check that what we write reads back field for field. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i += 1;
      } else {
        field += c;
        i += 1;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
      i += 1;
    } else if (c === ',') {
      row.push(field);
      field = '';
      i += 1;
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 2;
    } else {
      assert.notEqual(c, '\n', `bare LF at ${i}`);
      assert.notEqual(c, '"', `quote inside an unquoted field at ${i}`);
      field += c;
      i += 1;
    }
  }
  assert.equal(field, '', 'the file ends with CRLF');
  assert.equal(row.length, 0);
  return rows;
}

describe('statistics: change against the previous year', () => {
  it('is +12.0 for 5,400 → 6,048, exactly', () => {
    assert.equal(changePct(5400, 6048), 12);
    assert.equal(changePct(5400, 6048)!.toFixed(1), '12.0');
  });
  it('rounds to one decimal, half away from zero, without floating-point drift', () => {
    assert.equal(changePct(8, 9), 12.5);
    assert.equal(changePct(16, 17), 6.3); // 6.25 → 6.3
    assert.equal(changePct(16, 15), -6.3); // −6.25 → −6.3
    assert.equal(changePct(3, 4), 33.3);
    assert.equal(changePct(3, 2), -33.3);
    assert.equal(changePct(3, 5), 66.7);
    assert.equal(changePct(200, 201), 0.5);
    assert.equal(changePct(2000, 2001), 0.1); // 0.05 → 0.1
    assert.equal(changePct(20000, 20001), 0); // 0.005 → 0.0
    assert.equal(changePct(1, 1_000_000), 99_999_900);
  });
  it('is 0 (never −0) with no change, −100 when everything went', () => {
    assert.ok(Object.is(changePct(7, 7), 0));
    assert.ok(Object.is(changePct(20000, 19999), 0));
    assert.equal(changePct(10, 0), -100);
  });
  it('is null when there is nothing to compare against', () => {
    assert.equal(changePct(0, 10), null);
    assert.equal(changePct(0, 0), null);
    assert.equal(changePct(Number.NaN, 1), null);
  });
  it('shares and other values round the same way', () => {
    assert.equal(sharePct(1, 3), 33.3);
    assert.equal(sharePct(1, 8), 12.5);
    assert.equal(sharePct(1, 16), 6.3);
    assert.equal(sharePct(0, 5), 0);
    assert.equal(sharePct(3, 0), null);
    assert.equal(round1(2.25), 2.3);
    assert.equal(round1(-2.25), -2.3);
  });
  it('lays months out January first, zero where there is none', () => {
    assert.deepEqual(monthlySeries({ '2024-01': 3, '2024-12': 9, '2023-12': 100 }, 2024), [3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9]);
  });
});

describe('statistics: time to resolve from a histogram', () => {
  it('buckets durations 5 % wide, with a midpoint within 2.5 % of every duration in it', () => {
    for (const minutes of [1, 7, 59, 61, 600, 1439, 2880, 10_000, 100_000]) {
      const mid = resolveBucketMidMinutes(resolveBucket(minutes * 60_000));
      assert.ok(Math.abs(mid - minutes) / minutes < 0.026 || Math.abs(mid - minutes) < 0.6, `${minutes} min → ${mid}`);
    }
    assert.equal(resolveBucket(-5), 0);
    assert.equal(resolveBucket(0), 0);
  });
  it('takes the middle element, or the mean of the two middle ones', () => {
    const b = (min: number) => resolveBucket(min * 60_000);
    assert.equal(medianMinutes([]), null);
    assert.equal(medianMinutes([{ bucket: b(600), incidents: 0 }]), null);
    const one = medianMinutes([{ bucket: b(600), incidents: 1 }])!;
    assert.ok(Math.abs(one - 600) / 600 < 0.026);
    const odd = medianMinutes([
      { bucket: b(10), incidents: 1 },
      { bucket: b(600), incidents: 1 },
      { bucket: b(6000), incidents: 1 },
    ])!;
    assert.ok(Math.abs(odd - 600) / 600 < 0.026, String(odd));
    const even = medianMinutes([
      { bucket: b(6000), incidents: 1 },
      { bucket: b(100), incidents: 1 },
    ])!;
    assert.ok(Math.abs(even - 3050) / 3050 < 0.026, String(even));
  });
});

describe('statistics: CSV (RFC 4180)', () => {
  it('quotes fields with a comma, a quote, CR or LF, doubling quotes', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField('cr\rhere'), '"cr\rhere"');
    assert.equal(csvField('Bộ Lao động - Thương binh và Xã hội'), 'Bộ Lao động - Thương binh và Xã hội');
    assert.equal(csvField(''), '');
    assert.equal(csvField(null), '');
    assert.equal(csvField(undefined), '');
    assert.equal(csvField(12), '12');
    assert.equal(csvField(-6.3), '-6.3', 'numbers are never mangled');
  });
  it('defuses text a spreadsheet would run as a formula', () => {
    assert.equal(csvField('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`);
    assert.equal(csvField('+1'), "'+1");
    assert.equal(csvField('-2'), "'-2");
    assert.equal(csvField('@SUM(A1)'), "'@SUM(A1)");
  });
  it('ends every line, the last included, with CRLF and reads back field for field', () => {
    const rows = [
      ['section', 'label'],
      ['agency', 'Ministry "A", Hà Nội'],
      ['agency', 'line\r\nbreak'],
      ['x', ''],
    ];
    const text = toCsv(rows);
    assert.ok(text.endsWith('\r\n'));
    assert.deepEqual(parseCsv(text), rows);
  });

  it('writes the summary tables with a section column and one-decimal percentages', () => {
    const row = (incidents: number, previousYear: number) => ({
      incidents,
      previousYear,
      changePct: changePct(previousYear, incidents),
      sharePct: sharePct(incidents, 6048),
    });
    const summary: StatsSummary = {
      year: 2023,
      previousYear: 2022,
      agencyId: null,
      years: [2022, 2023],
      generatedAt: '2024-01-02T03:04:05.000Z',
      rollup: { watermark: null, refreshedAt: '2024-01-02T03:00:00.000Z', rebuiltAt: null },
      totals: { incidents: 6048, previousYear: 5400, changePct: 12 },
      monthly: { months: ['2023-01'], thisYear: [6048], lastYear: [5400] },
      bySeverity: [{ severity: 'high', ...row(6048, 5400) }],
      byCategory: [{ category: 'intrusion-attempts', ...row(6048, 5400) }],
      byAgency: [{ agencyId: 'a1', name: 'Bộ Tài chính, "BTC"', code: 'BTC', ...row(6048, 5400) }],
      topAgencies: [],
      topCategories: [],
      topTechniques: [{ technique: 'T1110.001', name: 'Brute Force: Password Guessing', incidents: 700, sharePct: 11.6 }],
      medianTimeToResolveHours: 18.4,
      resolvedIncidents: 6000,
      reports: null,
    };
    const rows = parseCsv(summaryCsv(summary, { scopeLabel: 'All agencies' }));
    assert.deepEqual(rows[0], ['section', 'key', 'label', 'value', 'previous_year_value', 'change_pct', 'share_pct']);
    assert.ok(rows.every((r) => r.length === 7));
    const find = (section: string, key: string) => rows.find((r) => r[0] === section && r[1] === key);
    assert.deepEqual(find('totals', 'incidents'), ['totals', 'incidents', 'Incidents', '6048', '5400', '12.0', '100.0']);
    assert.deepEqual(find('month', '2023-01'), ['month', '2023-01', 'January 2023', '6048', '5400', '12.0', '100.0']);
    assert.deepEqual(find('agency', 'BTC'), ['agency', 'BTC', 'Bộ Tài chính, "BTC"', '6048', '5400', '12.0', '100.0']);
    assert.deepEqual(find('category', 'intrusion-attempts')?.slice(2), ['Intrusion attempts', '6048', '5400', '12.0', '100.0']);
    assert.deepEqual(find('technique', 'T1110.001')?.slice(2), ['Brute Force: Password Guessing', '700', '', '', '11.6']);
    assert.equal(find('totals', 'median_time_to_resolve_hours')?.[3], '18.4');
    assert.equal(find('meta', 'scope')?.[3], 'All agencies');
  });
});

describe('statistics: day, month and year rules', () => {
  it('walks days and months across leap days and year ends', () => {
    assert.equal(nextDay('2024-02-28'), '2024-02-29');
    assert.equal(nextDay('2024-02-29'), '2024-03-01');
    assert.equal(nextDay('2023-12-31'), '2024-01-01');
    assert.equal(nextMonth('2023-12'), '2024-01');
    assert.equal(nextMonth('2024-09'), '2024-10');
  });
  it('reads whole years at the year grain only', () => {
    assert.deepEqual(wholeYears('2022-01', '2024-12'), ['2022', '2024']);
    assert.equal(wholeYears('2022-02', '2024-12'), null);
    assert.equal(wholeYears('2022-01', '2024-11'), null);
  });
  it('counts neither false positives nor merged incidents', () => {
    assert.equal(isCounted({ status: 'resolved' }), true);
    assert.equal(isCounted({ status: 'closed' }), true);
    assert.equal(isCounted({ status: 'false_positive' }), false);
    assert.equal(isCounted({ status: 'closed', mergedInto: 'x' }), false);
  });
});

describe('statistics: generated history', () => {
  const agencies = [
    { id: 'a', name: 'Bộ Tài chính', code: 'BTC', createdAt: '2020-01-01T00:00:00.000Z', weight: 3 },
    { id: 'b', name: 'UBND Thành phố Hà Nội', code: 'HNI', createdAt: '2020-01-01T00:00:00.000Z', weight: 1 },
  ];
  const now = new Date('2025-06-01T00:00:00.000Z');

  it('splits totals exactly (largest remainder)', () => {
    assert.deepEqual(apportion(10, [1, 1, 1]), [4, 3, 3]);
    assert.equal(apportion(5400, [0.82, 0.68, 1.02, 1.06, 1, 0.94, 0.9, 0.96, 1.08, 1.14, 1.16, 1.12]).reduce((a, b) => a + b), 5400);
    assert.deepEqual(apportion(7, [0, 0]), [0, 0]);
  });

  it('produces exactly the counted incidents asked for, false positives on top, within the year (UTC)', () => {
    const g = generateYear(agencies, 2023, 5400, { from: 2023, to: 2023, now, falsePositiveRate: 0.05 });
    const counted = g.records.filter((r) => r.incident.status !== 'false_positive');
    assert.equal(counted.length, 5400);
    assert.equal(g.counted, 5400);
    assert.equal(g.falsePositives, 270);
    assert.ok(g.records.every((r) => r.incident.firstSeen.startsWith('2023-')));
    assert.ok(g.records.every((r) => r.incident.firstSeen <= r.incident.lastSeen && r.incident.createdAt <= r.incident.updatedAt));
    const categories = new Set(g.records.map((r) => r.incident.category));
    assert.deepEqual([...categories].sort(), [...STATS_CATEGORIES].sort(), 'every ENISA category and test');
    assert.deepEqual(Object.keys(CATEGORY_PROFILES).sort(), [...STATS_CATEGORIES].sort());
    const resolved = g.records.filter((r) => r.incident.status === 'resolved' || r.incident.status === 'closed');
    assert.ok(resolved.length > 5000);
    assert.ok(resolved.every((r) => r.timeline?.some((e) => e.action === 'status_changed' && (e.details as { toStage?: string }).toStage === r.incident.status)));
  });

  it('follows the seasons: February (Tết) is the quietest month, autumn the busiest', () => {
    const g = generateYear(agencies, 2023, 12000, { from: 2023, to: 2023, now, falsePositiveRate: 0 });
    const perMonth = Array.from({ length: 12 }, (_, m) => g.records.filter((r) => Number(r.incident.firstSeen.slice(5, 7)) === m + 1).length);
    assert.equal(Math.min(...perMonth), perMonth[1]);
    assert.equal(Math.max(...perMonth), perMonth[10]);
  });

  it('is deterministic (same ids twice) and stops before now in the current year', () => {
    const a = generateYear(agencies, 2025, 1000, { from: 2025, to: 2025, now });
    const b = generateYear(agencies, 2025, 1000, { from: 2025, to: 2025, now });
    assert.deepEqual(a.records.map((r) => r.incident.id), b.records.map((r) => r.incident.id));
    assert.equal(a.counted, 1000);
    assert.ok(a.records.every((r) => r.incident.firstSeen < now.toISOString() && r.incident.updatedAt <= now.toISOString()));
    assert.match(stableId('x'), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('statistics: documents', () => {
  it('folds Vietnamese to Latin-1 when no Unicode font is installed', () => {
    assert.equal(foldToLatin1('Bộ Lao động - Thương binh và Xã hội'), 'Bo Lao dong - Thuong binh va Xa hoi');
    assert.equal(foldToLatin1('ĐÀ NẴNG ▲ 12%'), 'DA NANG + 12%');
  });
  it('picks round axis steps', () => {
    assert.equal(niceStep(600), 200);
    assert.equal(niceStep(591), 200);
    assert.equal(niceStep(0), 1);
    assert.equal(niceStep(12), 5);
    assert.equal(niceStep(1_000_000), 200_000);
  });
  it('names ATT&CK techniques, falling back to the parent technique', () => {
    assert.equal(attackTechniqueName('T1110.001'), 'Brute Force: Password Guessing');
    assert.equal(attackTechniqueName('attack.t1566.002'), 'Phishing: Spearphishing Link');
    assert.equal(attackTechniqueName('T1110.004'), 'Brute Force');
    assert.equal(attackTechniqueName('T9999'), null);
  });
});
