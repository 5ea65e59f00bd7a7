import { io, type Socket } from 'socket.io-client';
import type { Incident } from './types';

/**
 * The live feed: Socket.io namespace `/console`, authenticated by the session cookie at the handshake.
 * Pages subscribe to incidents and to (re)connections; on every connection they refetch what they show, so an
 * incident raised while the socket was down is not missed.
 */

export type LiveStatus = 'live' | 'reconnecting';
export type IncidentEventKind = 'new' | 'updated';

interface ServerToClient {
  'incident:new': (incident: Incident) => void;
  'incident:updated': (incident: Incident) => void;
}

type IncidentListener = (kind: IncidentEventKind, incident: Incident) => void;
type StatusListener = (status: LiveStatus) => void;
type ConnectListener = () => void;

const RETRY_AFTER_REFUSAL_MS = 5_000;

let socket: Socket<ServerToClient, Record<string, never>> | null = null;
let status: LiveStatus = 'reconnecting';
let retryTimer: number | undefined;
const incidentListeners = new Set<IncidentListener>();
const statusListeners = new Set<StatusListener>();
const connectListeners = new Set<ConnectListener>();

function setStatus(next: LiveStatus): void {
  if (status === next) return;
  status = next;
  for (const fn of statusListeners) fn(status);
}

function scheduleRetry(delayMs: number): void {
  window.clearTimeout(retryTimer);
  retryTimer = window.setTimeout(() => socket?.connect(), delayMs);
}

/** Opens the feed (idempotent). `onUnauthorized` runs when the server refuses the session. */
export function connectLive(onUnauthorized: () => void): void {
  if (socket) return;
  const s: Socket<ServerToClient, Record<string, never>> = io('/console', {
    withCredentials: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 5_000,
  });
  socket = s;

  s.on('connect', () => {
    window.clearTimeout(retryTimer);
    setStatus('live');
    for (const fn of connectListeners) fn();
  });
  s.on('disconnect', (reason) => {
    setStatus('reconnecting');
    // The server closed this socket on purpose: Socket.io does not retry by itself.
    if (reason === 'io server disconnect') scheduleRetry(1_000);
  });
  s.on('connect_error', (err) => {
    setStatus('reconnecting');
    if (err.message === 'unauthorized') {
      onUnauthorized();
      return;
    }
    // A refusal by the namespace middleware (e.g. storage unavailable) is not retried automatically.
    if (!s.active) scheduleRetry(RETRY_AFTER_REFUSAL_MS);
  });
  s.on('incident:new', (incident) => {
    for (const fn of incidentListeners) fn('new', incident);
  });
  s.on('incident:updated', (incident) => {
    for (const fn of incidentListeners) fn('updated', incident);
  });
}

/** Closes the feed (sign-out, session expired). */
export function disconnectLive(): void {
  window.clearTimeout(retryTimer);
  if (!socket) return;
  const s = socket;
  socket = null;
  s.removeAllListeners();
  s.disconnect();
  setStatus('reconnecting');
}

export function liveStatus(): LiveStatus {
  return status;
}

/** Calls `fn` now with the current status and on every change. */
export function onLiveStatus(fn: StatusListener): () => void {
  statusListeners.add(fn);
  fn(status);
  return () => statusListeners.delete(fn);
}

export function onIncident(fn: IncidentListener): () => void {
  incidentListeners.add(fn);
  return () => incidentListeners.delete(fn);
}

/** Every (re)connection of the feed. */
export function onLiveConnect(fn: ConnectListener): () => void {
  connectListeners.add(fn);
  return () => connectListeners.delete(fn);
}
