import { ConflictError, NotFoundError } from '../../errors/app-error.js';

interface SqliteErrorLike {
  code?: unknown;
  message?: unknown;
}

function codeOf(err: unknown): string | undefined {
  const code = (err as SqliteErrorLike | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isUniqueViolation(err: unknown): boolean {
  const code = codeOf(err);
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export function isForeignKeyViolation(err: unknown): boolean {
  return codeOf(err) === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/**
 * Runs `fn`, turning a unique violation into ConflictError(conflictMessage) and a foreign-key violation into
 * NotFoundError(missing) when given. Everything else is rethrown as it is.
 */
export function translate<T>(fn: () => T, opts: { conflict?: string; missing?: string }): T {
  try {
    return fn();
  } catch (err) {
    if (opts.conflict !== undefined && isUniqueViolation(err)) throw new ConflictError(opts.conflict);
    if (opts.missing !== undefined && isForeignKeyViolation(err)) throw new NotFoundError(opts.missing);
    throw err;
  }
}
