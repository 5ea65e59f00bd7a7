import { io, type Socket } from 'socket.io-client';
import type { ConsoleServerEvents, ReportDeadlineEvent, ReportUpdatedEvent } from '../../../core/queues/console-events';

/**
 * Report events on the `/console` Socket.io namespace: `report:updated` (a hint to refetch; no content) and
 * `report:deadline` (a deadline became due soon or overdue). The server puts each console in its rooms (the centre
 * in `all`, an agency admin in its agency's), so only reports the user may see are announced.
 *
 * The report pages hold their own connection while one of them is open (the shared feed in ../live carries
 * incidents only); it is opened on the first subscriber and closed with the last.
 */

// The event contract is the server's own (core/queues/console-events.ts): one definition for both ends.
export type { ReportDeadlineEvent, ReportUpdatedEvent } from '../../../core/queues/console-events';
type ServerToClient = Pick<ConsoleServerEvents, 'report:updated' | 'report:deadline'>;

export interface ReportListeners {
  updated?: (e: ReportUpdatedEvent) => void;
  deadline?: (e: ReportDeadlineEvent) => void;
  /** Every (re)connection: refetch what is shown, so nothing missed while down stays missing. */
  connected?: () => void;
}

let socket: Socket<ServerToClient, Record<string, never>> | null = null;
const subscribers = new Set<ReportListeners>();

function open(): void {
  if (socket) return;
  const s: Socket<ServerToClient, Record<string, never>> = io('/console', {
    withCredentials: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5_000,
  });
  socket = s;
  let first = true;
  s.on('connect', () => {
    // The first connection needs no refetch: the page has just loaded.
    if (first) first = false;
    else for (const l of subscribers) l.connected?.();
  });
  s.on('report:updated', (e) => {
    for (const l of subscribers) l.updated?.(e);
  });
  s.on('report:deadline', (e) => {
    for (const l of subscribers) l.deadline?.(e);
  });
}

/** Listens to report events until the returned function is called. */
export function onReportEvents(listeners: ReportListeners): () => void {
  subscribers.add(listeners);
  open();
  return () => {
    subscribers.delete(listeners);
    if (subscribers.size === 0 && socket) {
      const s = socket;
      socket = null;
      s.removeAllListeners();
      s.disconnect();
    }
  };
}
