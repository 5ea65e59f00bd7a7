/** IPv4 / IPv6 parsing and CIDR membership for the `cidr` modifier. */

/** Dotted-quad IPv4 as an unsigned 32-bit number, or -1. */
export function parseIPv4(s: string): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return -1; // no leading zeros ("01")
      octet = octet * 10 + (c - 48);
      digits++;
      if (octet > 255) return -1;
    } else if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

function groups(part: string, allowV4Tail: boolean): number[] | null {
  if (part === '') return [];
  const out: number[] = [];
  const items = part.split(':');
  for (let i = 0; i < items.length; i++) {
    const g = items[i]!;
    if (g.includes('.')) {
      if (!allowV4Tail || i !== items.length - 1) return null;
      const v4 = parseIPv4(g);
      if (v4 < 0) return null;
      out.push(Math.floor(v4 / 65536), v4 % 65536);
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
  }
  return out;
}

/** IPv6 (with `::`, an embedded IPv4 tail, optional brackets and zone) as eight 16-bit words, or null. */
export function parseIPv6(input: string): number[] | null {
  let s = input;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  if (!s.includes(':')) return null;
  const dbl = s.indexOf('::');
  if (dbl >= 0) {
    if (s.indexOf('::', dbl + 1) >= 0) return null;
    const head = groups(s.slice(0, dbl), false);
    const tail = groups(s.slice(dbl + 2), true);
    if (head === null || tail === null || head.length + tail.length > 7) return null;
    const zeros = new Array<number>(8 - head.length - tail.length).fill(0);
    return [...head, ...zeros, ...tail];
  }
  const all = groups(s, true);
  return all !== null && all.length === 8 ? all : null;
}

export type Cidr =
  | { v: 4; net: number; prefix: number }
  | { v: 6; words: number[]; prefix: number };

/** Parses `addr/prefix` (or a bare address = a single host); null when invalid. */
export function parseCidr(spec: string): Cidr | null {
  const slash = spec.indexOf('/');
  const addr = slash >= 0 ? spec.slice(0, slash) : spec;
  const prefixText = slash >= 0 ? spec.slice(slash + 1) : null;
  if (prefixText !== null && !/^\d{1,3}$/.test(prefixText)) return null;
  const v4 = parseIPv4(addr);
  if (v4 >= 0) {
    const prefix = prefixText === null ? 32 : Number(prefixText);
    if (prefix > 32) return null;
    return { v: 4, net: maskV4(v4, prefix), prefix };
  }
  const v6 = parseIPv6(addr);
  if (v6 !== null) {
    const prefix = prefixText === null ? 128 : Number(prefixText);
    if (prefix > 128) return null;
    return { v: 6, words: v6, prefix };
  }
  return null;
}

function maskV4(ip: number, prefix: number): number {
  if (prefix === 0) return 0;
  const mask = (0xffffffff << (32 - prefix)) >>> 0;
  return (ip & mask) >>> 0;
}

function v6InPrefix(words: number[], net: number[], prefix: number): boolean {
  let bits = prefix;
  for (let i = 0; i < 8 && bits > 0; i++) {
    const take = bits >= 16 ? 16 : bits;
    const mask = (0xffff << (16 - take)) & 0xffff;
    if ((words[i]! & mask) !== (net[i]! & mask)) return false;
    bits -= take;
  }
  return true;
}

/** IPv4-mapped IPv6 (::ffff:a.b.c.d) as IPv4, else -1. */
function mappedV4(w: number[]): number {
  for (let i = 0; i < 5; i++) if (w[i] !== 0) return -1;
  if (w[5] !== 0xffff) return -1;
  return w[6]! * 65536 + w[7]!;
}

/** True when the address text lies in one of the ranges. IPv4-mapped IPv6 addresses match IPv4 ranges. */
export function ipInCidrs(text: string, cidrs: readonly Cidr[]): boolean {
  let v4 = parseIPv4(text);
  let v6: number[] | null = null;
  if (v4 < 0) {
    v6 = parseIPv6(text.trim());
    if (v6 === null) return false;
    v4 = mappedV4(v6);
  }
  for (const c of cidrs) {
    if (c.v === 4) {
      if (v4 >= 0 && maskV4(v4, c.prefix) === c.net) return true;
    } else {
      const w = v6 ?? [0, 0, 0, 0, 0, 0xffff, Math.floor(v4 / 65536), v4 % 65536];
      if (v6InPrefix(w, c.words, c.prefix)) return true;
    }
  }
  return false;
}
