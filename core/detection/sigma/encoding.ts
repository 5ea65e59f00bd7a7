/** Value transformations of the encoding modifiers (base64, base64offset, utf16*, windash). */
import { Buffer } from 'node:buffer';

export function utf16le(s: string): Buffer {
  return Buffer.from(s, 'utf16le');
}

export function utf16be(s: string): Buffer {
  const b = Buffer.from(s, 'utf16le');
  for (let i = 0; i + 1 < b.length; i += 2) {
    const t = b[i]!;
    b[i] = b[i + 1]!;
    b[i + 1] = t;
  }
  return b;
}

/** UTF-16 with a byte order mark (little endian, as Windows writes it). */
export function utf16bom(s: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le(s)]);
}

export function base64(b: Buffer): string {
  return b.toString('base64');
}

/**
 * The three forms `bytes` takes inside a longer base64 text, depending on its offset (0, 1 or 2) modulo 3 in the
 * encoded data. Characters that also depend on the neighbouring bytes are cut off at both ends, so each form is
 * found with `contains`.
 */
export function base64Offsets(b: Buffer): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const enc = Buffer.concat([Buffer.alloc(shift, 0x20), b]).toString('base64');
    // Leading characters that mix the filler bytes with the value's first byte.
    const start = shift === 0 ? 0 : shift === 1 ? 2 : 3;
    // Trailing characters that mix the value's last byte with whatever follows (plus padding).
    const rest = (b.length + shift) % 3;
    const end = rest === 0 ? enc.length : rest === 1 ? enc.length - 3 : enc.length - 2;
    const form = enc.slice(start, end);
    if (form !== '' && !out.includes(form)) out.push(form);
  }
  return out;
}

/** Characters that `windash` treats as interchangeable in command-line flags. */
export const WINDASH_CHARS = ['-', '/', '\u2013', '\u2014', '\u2015'] as const;
const WINDASH_SET = new Set<string>(WINDASH_CHARS);

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_]/.test(c);
}

/** Indexes of flag characters: a dash/slash not preceded by a word character and followed by one. */
export function windashPositions(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (WINDASH_SET.has(s[i]!) && !isWordChar(s[i - 1]) && isWordChar(s[i + 1])) out.push(i);
  }
  return out;
}
