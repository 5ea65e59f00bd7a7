import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Role } from '../domain/types.js';

export interface SessionUser {
  id: string;
  username: string;
  role: Role;
  agencyId: string | null;
}

export interface Session {
  user: SessionUser;
  expiresAt: string;
}

/**
 * Server-side sessions in Redis, so every server process sees them and logout or expiry is immediate.
 * Only a hash of the token is used as the key: a Redis dump does not hand out live sessions.
 */
export function createSessionStore(redis: Redis, ttlMs: number) {
  const key = (token: string) => `vigil:session:${createHash('sha256').update(token).digest('hex')}`;
  return {
    ttlMs,
    async create(user: SessionUser): Promise<{ token: string; session: Session }> {
      const token = randomBytes(32).toString('base64url');
      const session: Session = { user, expiresAt: new Date(Date.now() + ttlMs).toISOString() };
      await redis.set(key(token), JSON.stringify(session), 'PX', ttlMs);
      return { token, session };
    },
    async get(token: string | undefined): Promise<Session | null> {
      if (!token || token.length > 100) return null;
      const raw = await redis.get(key(token));
      return raw ? (JSON.parse(raw) as Session) : null;
    },
    async destroy(token: string | undefined): Promise<void> {
      if (token) await redis.del(key(token));
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
