import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../core/config/config.js';
import type { Incident } from '../core/domain/types.js';
import type { LiveRuleset } from '../core/detection/live-ruleset.js';
import type { CompiledRule } from '../core/detection/rule.js';
import type { DetectionSync } from '../core/services/detection-sync.js';
import type { Logger } from '../core/logging/logger.js';
import type { EventBatchJob } from '../core/queues/events-queue.js';
import type { AgentHealthService } from '../core/services/agent-health.js';
import type { AgentService } from '../core/services/agent-service.js';
import type { SessionStore } from '../core/services/sessions.js';
import type { UserService } from '../core/services/user-service.js';
import type { Storage } from '../core/storage/storage.port.js';

/** Everything the HTTP and Socket.io layers need, built once in main.ts. */
export interface ServerContext {
  config: Readonly<Config>;
  logger: Logger;
  storage: Storage;
  redis: Redis;
  queue: Queue<EventBatchJob>;
  sessions: SessionStore;
  users: UserService;
  agents: AgentService;
  /** Current rule metadata by id, for the incident page; replaced when rules reload. */
  rules: () => ReadonlyMap<string, CompiledRule>;
  ruleset: LiveRuleset;
  /** Applies a rule or settings change here and announces it to every other process. */
  detectionSync: DetectionSync;
  agentHealth: AgentHealthService;
  /** Pushes an incident to every console allowed to see it, on every server (through the Redis adapter). */
  publishIncident(kind: 'new' | 'updated', incident: Incident): void;
  /** Directory of the built console; null serves no console (API only). */
  webDir: string | null;
}
