/**
 * Indicators of compromise in a report: validated by type and normalised, so that the same indicator written two
 * ways is stored once and exports as one valid STIX pattern. Defanged forms (`hxxp://`, `evil[.]com`, `a[@]b.c`)
 * are refanged first. Hashes name their algorithm by length (32 md5, 40 sha1, 64 sha256).
 */
import { isIPv4, isIPv6 } from 'node:net';

export const INDICATOR_TYPES = ['ip', 'domain', 'url', 'hash', 'email'] as const;
export type IndicatorType = (typeof INDICATOR_TYPES)[number];

/** The precise kind an indicator turned out to be. */
export const INDICATOR_KINDS = ['ipv4', 'ipv6', 'domain', 'url', 'md5', 'sha1', 'sha256', 'email'] as const;
export type IndicatorKind = (typeof INDICATOR_KINDS)[number];

export interface ReportIndicator {
  type: IndicatorType;
  kind: IndicatorKind;
  value: string;
  /** Optional note (e.g. "C2 server seen on 3 hosts"). */
  description?: string;
}

export const MAX_INDICATORS = 500;
export const MAX_INDICATOR_LENGTH = 2048;

export type IndicatorCheck = { ok: true; kind: IndicatorKind; value: string } | { ok: false; message: string };

/** `hxxp://evil[.]com` → `http://evil.com`, `a[@]b[.]c` → `a@b.c`. */
export function refang(value: string): string {
  return value
    .trim()
    .replace(/^hxxp(s?):\/\//i, 'http$1://')
    .replace(/\[\.\]|\(\.\)|\{\.\}|\[dot\]/gi, '.')
    .replace(/\[@\]|\(@\)|\[at\]/gi, '@')
    .replace(/\[:\]/g, ':');
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const TLD = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/** A fully qualified DNS name (lower case, no trailing dot); null when it is not one. */
export function normalizeDomain(raw: string): string | null {
  const d = raw.trim().toLowerCase().replace(/\.$/, '');
  if (d.length === 0 || d.length > 253) return null;
  const labels = d.split('.');
  if (labels.length < 2) return null;
  if (!labels.every((l) => LABEL.test(l))) return null;
  return TLD.test(labels[labels.length - 1]!) ? d : null;
}

function checkIp(raw: string): IndicatorCheck {
  const [addr = '', prefix, ...rest] = raw.split('/');
  if (rest.length) return { ok: false, message: 'not an IP address' };
  const prefixOk = (max: number) =>
    prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= max);
  if (isIPv4(addr)) {
    if (!prefixOk(32)) return { ok: false, message: 'IPv4 prefix length must be 0–32' };
    return { ok: true, kind: 'ipv4', value: prefix === undefined ? addr : `${addr}/${Number(prefix)}` };
  }
  if (isIPv6(addr)) {
    if (!prefixOk(128)) return { ok: false, message: 'IPv6 prefix length must be 0–128' };
    const lower = addr.toLowerCase();
    return { ok: true, kind: 'ipv6', value: prefix === undefined ? lower : `${lower}/${Number(prefix)}` };
  }
  return { ok: false, message: 'not an IPv4 or IPv6 address' };
}

function checkUrl(raw: string): IndicatorCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, message: 'not an absolute URL' };
  }
  if (!['http:', 'https:', 'ftp:', 'ftps:', 'ws:', 'wss:'].includes(url.protocol)) {
    return { ok: false, message: 'URL scheme must be http, https, ftp, ftps, ws or wss' };
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!normalizeDomain(host) && !isIPv4(host) && !isIPv6(host)) return { ok: false, message: 'URL has no valid host' };
  if (/[\s\u0000-\u001f]/.test(raw)) return { ok: false, message: 'URL contains whitespace or control characters' };
  return { ok: true, kind: 'url', value: raw };
}

function checkHash(raw: string): IndicatorCheck {
  const v = raw.toLowerCase();
  if (!/^[0-9a-f]+$/.test(v)) return { ok: false, message: 'a hash is hexadecimal' };
  if (v.length === 32) return { ok: true, kind: 'md5', value: v };
  if (v.length === 40) return { ok: true, kind: 'sha1', value: v };
  if (v.length === 64) return { ok: true, kind: 'sha256', value: v };
  return { ok: false, message: 'a hash is 32 (MD5), 40 (SHA-1) or 64 (SHA-256) hex digits' };
}

function checkEmail(raw: string): IndicatorCheck {
  const at = raw.lastIndexOf('@');
  if (at <= 0) return { ok: false, message: 'not an e-mail address' };
  const local = raw.slice(0, at);
  const domain = normalizeDomain(raw.slice(at + 1));
  if (local.length > 64 || !/^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+$/.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    return { ok: false, message: 'not a valid e-mail local part' };
  }
  if (!domain) return { ok: false, message: 'not a valid e-mail domain' };
  return { ok: true, kind: 'email', value: `${local}@${domain}` };
}

/** Validates and normalises one indicator value of the given type. */
export function checkIndicator(type: IndicatorType, value: string): IndicatorCheck {
  if (typeof value !== 'string' || value.trim() === '') return { ok: false, message: 'value is required' };
  if (value.length > MAX_INDICATOR_LENGTH) return { ok: false, message: `at most ${MAX_INDICATOR_LENGTH} characters` };
  const raw = refang(value);
  switch (type) {
    case 'ip':
      return checkIp(raw);
    case 'domain': {
      const d = normalizeDomain(raw);
      return d ? { ok: true, kind: 'domain', value: d } : { ok: false, message: 'not a valid domain name' };
    }
    case 'url':
      return checkUrl(raw);
    case 'hash':
      return checkHash(raw);
    case 'email':
      return checkEmail(raw);
  }
}

/** The type an indicator value most likely is (for prefill from incident entities); null when none fits. */
export function guessIndicatorType(value: string): IndicatorType | null {
  for (const t of ['ip', 'hash', 'email', 'url', 'domain'] as const) if (checkIndicator(t, value).ok) return t;
  return null;
}

export const indicatorKey = (i: Pick<ReportIndicator, 'kind' | 'value'>) => `${i.kind}:${i.value}`;

/** Drops later duplicates (same kind and normalised value), keeping the first one's description. */
export function dedupIndicators(list: readonly ReportIndicator[]): ReportIndicator[] {
  const seen = new Set<string>();
  const out: ReportIndicator[] = [];
  for (const i of list) {
    const key = indicatorKey(i);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(i);
  }
  return out;
}
