import { ValidationError } from '../../errors/app-error.js';

/**
 * Every time an adapter stores is `Date#toISOString()` (UTC, millisecond precision, `Z`), so that string order is
 * time order in SQL, in Mongo and in memory alike. Inputs in any ISO-8601 form are normalised here.
 */
export function toIso(value: string, field: string): string {
  const d = new Date(value);
  if (typeof value !== 'string' || value === '' || Number.isNaN(d.getTime())) {
    throw new ValidationError(`${field} is not a valid ISO-8601 time: ${JSON.stringify(value)}`);
  }
  return d.toISOString();
}

export function nowIso(): string {
  return new Date().toISOString();
}
