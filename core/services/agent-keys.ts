import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Agent keys look like `vgl_<prefix>_<secret>`. The prefix is stored in clear to find the agent; the whole key is
 * stored as SHA-256. A slow password hash is not needed here: the secret has 256 bits of entropy, so nothing can
 * be guessed, and ingest must verify a key per request at tens of thousands of events per second.
 */
const KEY_RE = /^vgl_([A-Za-z0-9_-]{12})_([A-Za-z0-9_-]{43})$/;

export function generateAgentKey(): { key: string; keyPrefix: string; keyHash: string } {
  const keyPrefix = randomBytes(9).toString('base64url');
  const key = `vgl_${keyPrefix}_${randomBytes(32).toString('base64url')}`;
  return { key, keyPrefix, keyHash: hashAgentKey(key) };
}

export function hashAgentKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function parseAgentKey(key: string): { keyPrefix: string } | null {
  const m = KEY_RE.exec(key);
  return m ? { keyPrefix: m[1]! } : null;
}

export function agentKeyMatches(key: string, keyHash: string): boolean {
  const a = Buffer.from(hashAgentKey(key), 'hex');
  const b = Buffer.from(keyHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
