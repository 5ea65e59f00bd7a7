import type { Incident } from '../domain/types.js';
import type { DeadlineKind, NotificationLevel, ReportStatus } from '../domain/report.js';

/** The Socket.io contract between workers (emitter) and consoles: namespace, events and rooms. */
export const CONSOLE_NAMESPACE = '/console';

export interface ConsoleServerEvents {
  'incident:new': (incident: Incident) => void;
  'incident:updated': (incident: Incident) => void;
  /** A report was created or changed: a hint to refetch (no content, which the report's TLP may restrict). */
  'report:updated': (event: ReportUpdatedEvent) => void;
  /** A report deadline became due soon or overdue (raised once by the deadline job). */
  'report:deadline': (event: ReportDeadlineEvent) => void;
}

export interface ReportUpdatedEvent {
  id: string;
  agencyId: string;
  status: ReportStatus;
  revision: number;
  updatedAt: string;
  nextDueAt: string | null;
}

export interface ReportDeadlineEvent {
  reportId: string;
  agencyId: string;
  deadline: DeadlineKind;
  level: NotificationLevel;
  dueAt: string;
  at: string;
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

export function roomsForReport(report: { agencyId: string }): string[] {
  return [ALL_ROOM, agencyRoom(report.agencyId)];
}
