import { z } from 'zod';

/** Limits on a single event; batch limits live in config. */
export const MAX_FIELD_KEYS = 500;
export const MAX_EVENT_JSON_BYTES = 256 * 1024;

const logsourceSchema = z
  .object({
    product: z.string().min(1).max(64).optional(),
    category: z.string().min(1).max(64).optional(),
    service: z.string().min(1).max(64).optional(),
  })
  .strict();

/** One event as an agent sends it (DESIGN.md §4). */
export const eventSchema = z
  .object({
    id: z.string().min(1).max(128).optional(),
    time: z.string().datetime({ offset: true }),
    logsource: logsourceSchema,
    host: z.string().min(1).max(255).optional(),
    fields: z.record(z.string(), z.unknown()).refine((f) => Object.keys(f).length <= MAX_FIELD_KEYS, {
      message: `at most ${MAX_FIELD_KEYS} top-level fields`,
    }),
    payload: z
      .object({ name: z.string().max(255).optional(), base64: z.string().base64() })
      .strict()
      .optional(),
  })
  .strict();

export type IncomingEvent = z.infer<typeof eventSchema>;
export type Logsource = z.infer<typeof logsourceSchema>;

/** An event after ingest: it has an id and knows whose it is (from the agent key, never from the body). */
export interface StoredEvent {
  id: string;
  time: string;
  logsource: Logsource;
  host: string | null;
  fields: Record<string, unknown>;
  payload?: { name?: string; base64: string };
  agencyId: string;
  agentId: string;
  receivedAt: string;
}
