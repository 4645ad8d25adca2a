/**
 * A request answered before its body was read (an upload refused for its processor, settings
 * or size) would leave the rest of that body on a keep-alive connection, in front of the
 * client's next request, which then fails. Once such an answer is sent, the rest is read and
 * dropped, up to a bound; a client with more than that to send is disconnected instead.
 */
import type { FastifyInstance } from 'fastify';

/**
 * Bytes of an unread body drained after the answer. A refused upload is usually a few files;
 * sending a larger rest is cheaper to cut than to receive.
 */
export const DRAIN_MAX_BYTES = 16 * 1024 * 1024;

export function drainUnreadBodies(app: FastifyInstance): void {
  app.addHook('onResponse', async (request) => {
    const req = request.raw;
    // Node drains a body nobody began to read; one a parser began (multipart) is ours to.
    if (req.complete || req.destroyed) return;
    req.unpipe();
    let drained = 0;
    req.on('data', (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > DRAIN_MAX_BYTES) req.socket.destroy();
    });
    req.resume();
  });
}
