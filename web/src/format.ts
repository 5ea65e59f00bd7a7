import { locale, t } from './i18n';

/** Dates are shown in the browser's time zone, 24-hour, in the active language's conventions. */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(kind: 'full' | 'day' | 'time' | 'zone'): Intl.DateTimeFormat {
  const key = `${locale()}|${kind}`;
  let f = formatters.get(key);
  if (!f) {
    const base: Intl.DateTimeFormatOptions = { hourCycle: 'h23' };
    const options: Record<typeof kind, Intl.DateTimeFormatOptions> = {
      full: { ...base, year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' },
      day: { ...base, month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit' },
      time: { ...base, hour: '2-digit', minute: '2-digit', second: '2-digit' },
      zone: {
        ...base,
        year: 'numeric',
        month: 'long',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        timeZoneName: 'short',
      },
    };
    f = new Intl.DateTimeFormat(locale(), options[kind]);
    formatters.set(key, f);
  }
  return f;
}

function parse(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** `23 Nov 2026, 09:15:02` */
export function formatDateTime(iso: string | null | undefined): string {
  const d = parse(iso);
  return d ? formatter('full').format(d) : '';
}

/** With the time zone, for tooltips. */
export function formatDateTimeLong(iso: string | null | undefined): string {
  const d = parse(iso);
  return d ? formatter('zone').format(d) : '';
}

/** Compact for tables: the time alone today, day and minute otherwise. */
export function formatCompact(iso: string | null | undefined, now = new Date()): string {
  const d = parse(iso);
  if (!d) return '';
  const sameDay = d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
  return formatter(sameDay ? 'time' : 'day').format(d);
}

/** `12s`, `5m`, `3h 4m`, `2d 5h`: the age of `iso` at `nowMs`. */
export function formatAge(iso: string | null | undefined, nowMs = Date.now()): string {
  const d = parse(iso);
  if (!d) return '';
  const s = Math.max(0, Math.floor((nowMs - d.getTime()) / 1000));
  if (s < 5) return t('time.now');
  if (s < 60) return t('time.seconds', { n: s });
  const m = Math.floor(s / 60);
  if (m < 60) return t('time.minutes', { n: m });
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 ? t('time.hours', { n: h }) : t('time.hoursMinutes', { h, m: m % 60 });
  const days = Math.floor(h / 24);
  return h % 24 === 0 || days >= 7 ? t('time.days', { n: days }) : t('time.daysHours', { d: days, h: h % 24 });
}

/** `T1003.001` → the MITRE ATT&CK page of the (sub-)technique. */
export function attackUrl(technique: string): string | null {
  const m = /^t?(\d{4})(?:\.(\d{3}))?$/i.exec(technique.replace(/^attack\./i, ''));
  if (!m) return null;
  return m[2] ? `https://attack.mitre.org/techniques/T${m[1]}/${m[2]}/` : `https://attack.mitre.org/techniques/T${m[1]}/`;
}

function scalar(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/**
 * Flattens nested objects and arrays to dotted paths, keeping the order fields arrived in:
 * `{ a: { b: 1 }, c: [x, y] }` → `a.b = 1`, `c.0 = x`, `c.1 = y`.
 */
export function flatten(value: unknown, prefix = '', out: [string, string][] = []): [string, string][] {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    if (entries.length === 0) {
      if (prefix) out.push([prefix, Array.isArray(value) ? '[]' : '{}']);
      return out;
    }
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
    return out;
  }
  out.push([prefix, scalar(value)]);
  return out;
}

/** `false_positive` → `False positive` for values without a translation. */
export function humanize(slug: string): string {
  const text = slug.replace(/[_-]+/g, ' ').trim();
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : slug;
}

/** Upper-cases the first letter of a server message (`invalid username or password`). */
export function sentence(message: string): string {
  return message ? message.charAt(0).toUpperCase() + message.slice(1) : message;
}

export function shortId(id: string, length = 8): string {
  return id.length > length + 1 ? `${id.slice(0, length)}…` : id;
}
