/** Saved-view rules every adapter shares: the name key and the two conflicts. */
import { ConflictError } from '../../errors/app-error.js';

/** The key view names are unique by (per owner): case-insensitive. Also the listing order. */
export const viewNameKey = (name: string) => name.toLowerCase();

export function duplicateViewName(name: string): ConflictError {
  return new ConflictError(`you already have a view named ${JSON.stringify(name)}`, { reason: 'duplicate_name' });
}

export function viewLimitReached(limit: number): ConflictError {
  return new ConflictError(`at most ${limit} saved views per user: delete one first`, { reason: 'limit', limit });
}
