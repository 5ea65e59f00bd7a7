import { z } from 'zod';
import type { Agent } from '../domain/types.js';
import { NotFoundError, UnauthorizedError, ValidationError } from '../errors/app-error.js';
import type { Storage } from '../storage/storage.port.js';
import { agentKeyMatches, generateAgentKey, parseAgentKey } from './agent-keys.js';

export const newAgentSchema = z
  .object({ agencyId: z.string().min(1), name: z.string().trim().min(1).max(128) })
  .strict();

/** Agent records leave the server without their key hash. */
export function publicAgent(a: Agent): Omit<Agent, 'keyHash'> {
  const { keyHash: _hidden, ...rest } = a;
  return rest;
}

/**
 * Agent lifecycle and key checks. Lookups are cached for `cacheMs` because ingest checks a key on every request;
 * a revocation on this process takes effect at once, on other processes within `cacheMs`.
 */
export function createAgentService(deps: {
  storage: Pick<Storage, 'agents' | 'agencies'>;
  cacheMs?: number;
  touchEveryMs?: number;
}) {
  const { storage } = deps;
  const cacheMs = deps.cacheMs ?? 5_000;
  const touchEveryMs = deps.touchEveryMs ?? 15_000;
  const cache = new Map<string, { agent: Agent | null; at: number }>();
  const lastTouch = new Map<string, number>();

  return {
    async create(input: unknown): Promise<{ agent: Agent; key: string }> {
      const parsed = newAgentSchema.safeParse(input);
      if (!parsed.success) throw new ValidationError('invalid agent', parsed.error.issues);
      if (!(await storage.agencies.get(parsed.data.agencyId))) {
        throw new ValidationError(`agency ${parsed.data.agencyId} does not exist`);
      }
      const { key, keyPrefix, keyHash } = generateAgentKey();
      const agent = await storage.agents.create({ ...parsed.data, keyPrefix, keyHash });
      return { agent, key };
    },

    async revoke(id: string): Promise<Agent> {
      const agent = await storage.agents.revoke(id, new Date().toISOString());
      if (!agent) throw new NotFoundError('agent');
      cache.delete(agent.keyPrefix);
      return agent;
    },

    /** Resolves a bearer key to its live agent, or throws 401 with nothing said about why. */
    async authenticate(authorization: string | undefined): Promise<Agent> {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
      if (!m) throw new UnauthorizedError('missing agent key: send Authorization: Bearer <agent key>');
      const key = m[1]!;
      const parsed = parseAgentKey(key);
      if (!parsed) throw new UnauthorizedError('invalid agent key');
      const now = Date.now();
      let hit = cache.get(parsed.keyPrefix);
      if (!hit || now - hit.at > cacheMs) {
        hit = { agent: await storage.agents.findByKeyPrefix(parsed.keyPrefix), at: now };
        cache.set(parsed.keyPrefix, hit);
        if (cache.size > 50_000) cache.delete(cache.keys().next().value!);
      }
      const agent = hit.agent;
      if (!agent || agent.revokedAt || !agentKeyMatches(key, agent.keyHash)) {
        throw new UnauthorizedError('invalid agent key');
      }
      const last = lastTouch.get(agent.id) ?? 0;
      if (now - last > touchEveryMs) {
        lastTouch.set(agent.id, now);
        await storage.agents.touch(agent.id, new Date(now).toISOString());
      }
      return agent;
    },
  };
}

export type AgentService = ReturnType<typeof createAgentService>;
