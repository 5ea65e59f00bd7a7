/**
 * Errors that cross the boundary between services and the HTTP layer.
 * Only the HTTP error handler turns `status` into a response; services throw these and know nothing of HTTP.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  /** When false the message is replaced by a generic one before it reaches a client. */
  readonly isPublic: boolean;
  readonly details?: unknown;

  constructor(status: number, code: string, message: string, opts: { isPublic?: boolean; details?: unknown } = {}) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.isPublic = opts.isPublic ?? true;
    this.details = opts.details;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: unknown) {
    super(400, 'validation_error', message, { details });
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'authentication required') {
    super(401, 'unauthorized', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'not allowed for your role') {
    super(403, 'forbidden', message);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super(404, 'not_found', `${what} not found`);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details?: unknown) {
    super(409, 'conflict', message, { details });
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(message: string, details?: unknown) {
    super(413, 'payload_too_large', message, { details });
  }
}

export class BackpressureError extends AppError {
  readonly retryAfterSeconds: number;
  constructor(status: 429 | 503, message: string, retryAfterSeconds: number) {
    super(status, status === 429 ? 'queue_busy' : 'unavailable', message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
