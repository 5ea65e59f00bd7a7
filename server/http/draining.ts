import type { Server } from 'node:http';

/**
 * Lets an HTTP server stop cleanly while agents keep posting: once draining, every response says
 * `Connection: close`, idle keep-alive sockets are closed at once, and whatever is still open after `graceMs` is
 * cut. Without this, a busy agent reusing its keep-alive connection would hold shutdown open indefinitely.
 */
export function makeDrainable(server: Server, graceMs = 10_000) {
  let draining = false;
  // Prepended so the header is set before the app writes anything.
  server.prependListener('request', (_req, res) => {
    if (draining) res.setHeader('Connection', 'close');
  });
  return {
    /** Call right before closing the server; `server.close` then finishes once in-flight requests are answered. */
    startDraining(): void {
      draining = true;
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      timer.unref();
      server.once('close', () => clearTimeout(timer));
    },
  };
}
