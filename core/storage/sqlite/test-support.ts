/**
 * Test-only helpers for the SQLite adapter (the port has no incident updates yet). Never import from production
 * code.
 */
import type { Incident, IncidentStatus } from '../../domain/types.js';
import type { Storage } from '../storage.port.js';
import { INCIDENT_COLUMNS, incidentValues, insertSql } from './incident-rows.js';
import { sqliteConnectionOf } from './registry.js';

/** Sets an incident's status directly. Throws when there is no such incident. */
export async function setIncidentStatus(storage: Storage, incidentId: string, status: IncidentStatus): Promise<void> {
  const res = sqliteConnectionOf(storage)
    .stmt('UPDATE incidents SET status = ? WHERE id = ?')
    .run(status, incidentId);
  if (res.changes !== 1) throw new Error(`no incident ${incidentId}`);
}

/** Inserts complete incident records as they are (no timeline, no alerts). */
export async function insertIncidents(storage: Storage, incidents: readonly Incident[]): Promise<void> {
  const conn = sqliteConnectionOf(storage);
  const insert = conn.stmt(insertSql('incidents', INCIDENT_COLUMNS));
  conn.db.transaction(() => {
    for (const i of incidents) insert.run(...incidentValues(i));
  })();
}

/** The database file of a SQLite storage. */
export function sqliteFileOf(storage: Storage): string {
  return sqliteConnectionOf(storage).file;
}

/** A pragma's value on the storage's own connection (e.g. 'journal_mode', 'foreign_keys'). */
export function sqlitePragma(storage: Storage, name: string): unknown {
  return sqliteConnectionOf(storage).db.pragma(name, { simple: true });
}
