import { parse as parseCookie } from 'cookie';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Role } from '../../../core/domain/types.js';
import { ForbiddenError, UnauthorizedError } from '../../../core/errors/app-error.js';
import type { SessionStore, SessionUser } from '../../../core/services/sessions.js';

export const SESSION_COOKIE = 'vigil_session';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      user?: SessionUser;
      sessionToken?: string;
    }
  }
}

export function sessionTokenFrom(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  return parseCookie(cookieHeader)[SESSION_COOKIE];
}

/** Loads the session (if any) onto the request; routes then demand roles with `requireRole`. */
export function loadSession(sessions: SessionStore): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const token = sessionTokenFrom(req.headers.cookie);
    const session = await sessions.get(token);
    if (session) {
      req.user = session.user;
      req.sessionToken = token;
    }
    next();
  };
}

export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.user) return next(new UnauthorizedError());
    if (!roles.includes(req.user.role)) return next(new ForbiddenError());
    next();
  };
}

/** The agencies a user may see: null means all of them. */
export function agencyScope(user: SessionUser): string[] | null {
  return user.role === 'agency_admin' ? [user.agencyId ?? '__none__'] : null;
}

export function currentUser(req: Request): SessionUser {
  if (!req.user) throw new UnauthorizedError();
  return req.user;
}
