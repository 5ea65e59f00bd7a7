import type { Entities } from '../domain/types.js';

/**
 * Field names that carry users and IP addresses across the log sources Vigil receives (Windows/Sysmon, Linux,
 * web servers, firewalls, DNS, mail). Data, not logic: extend the lists to teach Vigil a new source.
 */
const USER_FIELDS = [
  'User', 'user', 'user.name', 'username', 'TargetUserName', 'SubjectUserName', 'cs-username', 'AccountName',
  'src_user', 'dst_user', 'sender', 'mail.from',
];
const IP_FIELDS = [
  'src_ip', 'dst_ip', 'c-ip', 's-ip', 'SourceIp', 'DestinationIp', 'IpAddress', 'src', 'dst', 'client_ip',
  'source.ip', 'destination.ip', 'client.ip', 'remote_addr', 'ClientIP',
];
const MAX_PER_KIND = 20;

function valueAt(fields: Record<string, unknown>, name: string): unknown {
  if (name in fields) return fields[name];
  if (!name.includes('.')) return undefined;
  let cur: unknown = fields;
  for (const part of name.split('.')) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function addFrom(target: Set<string>, fields: Record<string, unknown>, names: string[]): void {
  for (const name of names) {
    if (target.size >= MAX_PER_KIND) return;
    const v = valueAt(fields, name);
    if ((typeof v === 'string' && v !== '' && v !== '-') || typeof v === 'number') target.add(String(v));
  }
}

/** Collects hosts, users and IPs from a group of events into capped, de-duplicated lists. */
export function extractEntities(events: { host: string | null; fields: Record<string, unknown> }[]): Entities {
  const hosts = new Set<string>();
  const users = new Set<string>();
  const ips = new Set<string>();
  for (const e of events) {
    if (e.host && hosts.size < MAX_PER_KIND) hosts.add(e.host);
    addFrom(users, e.fields, USER_FIELDS);
    addFrom(ips, e.fields, IP_FIELDS);
  }
  return { hosts: [...hosts], users: [...users], ips: [...ips] };
}

/** `attack.t1059.001` → `T1059.001`; other tags are not techniques. */
export function techniquesFromTags(tags: string[]): string[] {
  const out = new Set<string>();
  for (const tag of tags) {
    const m = /^attack\.(t\d{4}(?:\.\d{3})?)$/i.exec(tag);
    if (m) out.add(m[1]!.toUpperCase());
  }
  return [...out];
}
