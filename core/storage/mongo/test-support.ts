/**
 * Test-only helpers for the Mongo adapter (the port has no incident updates yet). Never import from production
 * code.
 */
import type { IncidentStatus } from '../../domain/types.js';
import type { Storage } from '../storage.port.js';
import { mongoConnectionOf } from './registry.js';

/** Sets an incident's status directly. Throws when there is no such incident. */
export async function setIncidentStatus(storage: Storage, incidentId: string, status: IncidentStatus): Promise<void> {
  const res = await mongoConnectionOf(storage).models.Incident.updateOne({ _id: incidentId }, { $set: { status } });
  if (res.matchedCount !== 1) throw new Error(`no incident ${incidentId}`);
}

/** Drops the storage's whole database (for a test's clean slate). */
export async function dropDatabase(storage: Storage): Promise<void> {
  await mongoConnectionOf(storage).connection.dropDatabase();
}
