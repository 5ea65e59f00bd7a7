import { Router } from 'express';
import { serialize as serializeCookie } from 'cookie';
import type { ServerContext } from '../../context.js';
import { SESSION_COOKIE, currentUser, requireRole } from '../middleware/auth.js';
import { TooManyAttempts, loginThrottle } from '../login-throttle.js';

export function authRoutes(ctx: ServerContext): Router {
  const r = Router();
  const throttle = loginThrottle(ctx.redis);

  r.post('/login', async (req, res) => {
    const body = (req.body ?? {}) as { username?: unknown; password?: unknown };
    const throttleKey = `${String(body.username ?? '').toLowerCase()}|${req.ip}`;
    await throttle.check(throttleKey);
    let user;
    try {
      user = await ctx.users.authenticate(body.username, body.password);
    } catch (err) {
      if (!(err instanceof TooManyAttempts)) await throttle.fail(throttleKey);
      throw err;
    }
    await throttle.reset(throttleKey);
    const { token } = await ctx.sessions.create({
      id: user.id,
      username: user.username,
      role: user.role,
      agencyId: user.agencyId,
    });
    res.setHeader(
      'Set-Cookie',
      serializeCookie(SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: 'strict',
        secure: ctx.config.cookieSecure,
        path: '/',
        maxAge: Math.floor(ctx.sessions.ttlMs / 1000),
      }),
    );
    res.json({ user: { id: user.id, username: user.username, role: user.role, agencyId: user.agencyId } });
  });

  r.post('/logout', async (req, res) => {
    await ctx.sessions.destroy(req.sessionToken);
    res.setHeader('Set-Cookie', serializeCookie(SESSION_COOKIE, '', { httpOnly: true, path: '/', maxAge: 0 }));
    res.status(204).end();
  });

  r.get('/me', requireRole('admin', 'analyst', 'agency_admin', 'leadership'), (req, res) => {
    res.json({ user: currentUser(req) });
  });
  return r;
}
