import { ConflictError } from '../../errors/app-error.js';

/** MongoDB's duplicate key error (E11000), whether from the server, a bulk write or mongoose. */
export function isDuplicateKey(err: unknown): boolean {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  return e?.code === 11000 || e?.cause?.code === 11000;
}

/** Awaits `fn`, turning a duplicate key into ConflictError(message). */
export async function conflictOnDuplicate<T>(fn: () => Promise<T>, message: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isDuplicateKey(err)) throw new ConflictError(message);
    throw err;
  }
}
