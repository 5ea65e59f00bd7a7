import { createHash } from 'node:crypto';
import type { StoredEvent } from '../domain/event.js';

/** The one queue between ingest and detection. Producer and consumer both import these names and shapes. */
export const EVENTS_QUEUE = 'vigil-events';
export const EVENTS_JOB = 'batch';

export interface EventBatchJob {
  agentId: string;
  agencyId: string;
  batchId: string;
  receivedAt: string;
  events: StoredEvent[];
}

/**
 * Job ids are derived from agent and batch id so that a retried POST maps to the same job.
 * Hashed because BullMQ reserves ':' in ids and agents choose batch ids freely.
 */
export function batchJobId(agentId: string, batchId: string): string {
  return 'b' + createHash('sha256').update(agentId).update('\0').update(batchId).digest('hex').slice(0, 40);
}
