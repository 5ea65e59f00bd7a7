/** Field access on event `fields`: plain keys, dotted paths into nested objects, and keyword walks. */

export type Fields = Record<string, unknown>;
export type Getter = (fields: Fields) => unknown;

/** Own property or undefined; inherited members (toString, constructor, __proto__) never count as fields. */
function own(obj: Record<string, unknown>, key: string): unknown {
  const v = obj[key];
  if (v === undefined || typeof v === 'function') return undefined;
  if (key === '__proto__' && !Object.hasOwn(obj, key)) return undefined;
  return v;
}

/**
 * Compiles a field name into a getter. `undefined` means absent. A dotted name (`a.b.c`) first tries the literal
 * key `a.b.c`, then walks nested objects.
 */
export function compileGetter(name: string): Getter {
  if (!name.includes('.')) return (f) => own(f, name);
  const parts = name.split('.');
  return (f) => {
    const direct = own(f, name);
    if (direct !== undefined) return direct;
    let cur: unknown = f;
    for (let i = 0; i < parts.length; i++) {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
      cur = own(cur as Record<string, unknown>, parts[i]!);
      if (cur === undefined) return undefined;
    }
    return cur;
  };
}

const MAX_DEPTH = 16;

/** True when `test` accepts some string (or number / boolean, as a string) anywhere in `v`, recursively. */
export function someStringValue(v: unknown, test: (s: string) => boolean, depth = 0): boolean {
  if (typeof v === 'string') return test(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return test(String(v));
  if (v === null || typeof v !== 'object' || depth > MAX_DEPTH) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (someStringValue(v[i], test, depth + 1)) return true;
    return false;
  }
  const obj = v as Record<string, unknown>;
  for (const k in obj) {
    if (Object.hasOwn(obj, k) && someStringValue(obj[k], test, depth + 1)) return true;
  }
  return false;
}

/** A scalar field value as the string a pattern is matched against; null for objects, null and undefined. */
export function scalarString(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return null;
}

/** A field value as a number: numbers, and strings that are entirely a number; NaN otherwise. */
export function numberOf(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v.trim() === '') return NaN;
    return Number(v);
  }
  if (typeof v === 'bigint') return Number(v);
  return NaN;
}
