import type { Redis } from 'ioredis';
import { BackpressureError } from '../../core/errors/app-error.js';

const MAX_FAILURES = 10;
const WINDOW_S = 15 * 60;

export class TooManyAttempts extends BackpressureError {
  constructor(retryAfter: number) {
    super(429, 'too many failed logins; try again later', retryAfter);
  }
}

/** Failed logins per username and address, kept in Redis so every server process counts together. */
export function loginThrottle(redis: Redis) {
  const key = (k: string) => `vigil:login-fail:${k}`;
  return {
    async check(k: string): Promise<void> {
      const n = Number(await redis.get(key(k)));
      if (n >= MAX_FAILURES) throw new TooManyAttempts(Math.max(1, await redis.ttl(key(k))));
    },
    async fail(k: string): Promise<void> {
      const n = await redis.incr(key(k));
      if (n === 1) await redis.expire(key(k), WINDOW_S);
    },
    async reset(k: string): Promise<void> {
      await redis.del(key(k));
    },
  };
}
