/**
 * A cap on the connections one client address holds open at once, so one client cannot take
 * every descriptor of the server; a connection over it is closed as it opens. Behind a reverse
 * proxy every client has the proxy's address: raise the cap or set it to 0 (none) there.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';

export function capConnectionsPerIp(server: Server, max: number, log: FastifyBaseLogger): void {
  if (max <= 0) return;
  const open = new Map<string, number>();
  /** Addresses being refused now: logged once each time they go over, not per connection. */
  const refusing = new Set<string>();
  server.on('connection', (socket: Socket) => {
    const ip = socket.remoteAddress ?? 'unknown';
    const count = open.get(ip) ?? 0;
    if (count >= max) {
      if (!refusing.has(ip)) {
        refusing.add(ip);
        log.warn({ ip, max }, 'too many connections from one address: new ones are refused');
      }
      socket.destroy();
      return;
    }
    open.set(ip, count + 1);
    socket.once('close', () => {
      const left = (open.get(ip) ?? 1) - 1;
      if (left > 0) open.set(ip, left);
      else open.delete(ip);
      refusing.delete(ip);
    });
  });
}
