import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import { Server } from 'socket.io';
import type { Logger } from '../../core/logging/logger.js';
import type { Incident } from '../../core/domain/types.js';
import {
  CONSOLE_NAMESPACE,
  roomsForIncident,
  roomsForUser,
  type ConsoleServerEvents,
} from '../../core/queues/console-events.js';
import type { SessionStore, SessionUser } from '../../core/services/sessions.js';
import { sessionTokenFrom } from '../http/middleware/auth.js';

interface SocketData {
  user: SessionUser;
}

/**
 * The live console channel. Workers publish through the Redis emitter, so this server subscribes with the Redis
 * adapter; the handshake is authenticated by the same session cookie as the API.
 */
export function attachConsoleSocket(opts: {
  httpServer: HttpServer;
  redis: Redis;
  sessions: SessionStore;
  logger: Logger;
}): { io: Server; publishIncident(kind: 'new' | 'updated', incident: Incident): void; close(): Promise<void> } {
  const pub = opts.redis.duplicate();
  const sub = opts.redis.duplicate();
  // Duplicates do not inherit listeners; without one, a Redis outage would be an unhandled 'error' event.
  for (const c of [pub, sub]) c.on('error', () => undefined);
  const io = new Server<Record<string, never>, ConsoleServerEvents, Record<string, never>, SocketData>(opts.httpServer, {
    serveClient: false,
    adapter: createAdapter(pub, sub),
    // Same-origin console only; agents never use the socket.
    cors: { origin: false },
  });
  io.of('/').use((_socket, next) => next(new Error('use the /console namespace')));

  const nsp = io.of(CONSOLE_NAMESPACE);
  nsp.use(async (socket, next) => {
    try {
      const session = await opts.sessions.get(sessionTokenFrom(socket.handshake.headers.cookie));
      if (!session) return next(new Error('unauthorized'));
      socket.data.user = session.user;
      next();
    } catch (err) {
      opts.logger.error({ err }, 'socket auth failed');
      next(new Error('unavailable'));
    }
  });
  nsp.on('connection', (socket) => {
    void socket.join(roomsForUser(socket.data.user));
  });
  return {
    io: io as unknown as Server,
    publishIncident(kind, incident) {
      nsp.to(roomsForIncident(incident)).emit(kind === 'new' ? 'incident:new' : 'incident:updated', incident);
    },
    async close() {
      await new Promise<void>((resolve) => io.close(() => resolve()));
      pub.disconnect();
      sub.disconnect();
    },
  };
}
