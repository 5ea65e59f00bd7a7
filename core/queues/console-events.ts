import type { Incident } from '../domain/types.js';

/** The Socket.io contract between workers (emitter) and consoles: namespace, events and rooms. */
export const CONSOLE_NAMESPACE = '/console';

export interface ConsoleServerEvents {
  'incident:new': (incident: Incident) => void;
  'incident:updated': (incident: Incident) => void;
}

/** Every console of a national-scope role is in `all`; an agency admin only in their agency's room. */
export const ALL_ROOM = 'all';
export const agencyRoom = (agencyId: string) => `agency:${agencyId}`;

export function roomsForUser(user: { role: string; agencyId: string | null }): string[] {
  return user.role === 'agency_admin' ? [agencyRoom(user.agencyId ?? '__none__')] : [ALL_ROOM];
}

export function roomsForIncident(incident: Pick<Incident, 'agencyId'>): string[] {
  return [ALL_ROOM, agencyRoom(incident.agencyId)];
}
