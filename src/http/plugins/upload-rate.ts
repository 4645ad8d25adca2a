/**
 * A minimum upload rate: a request body that arrives slower than `minBytesPerSecond`, on
 * average over each window, has its connection cut with a log line (a slow-loris upload would
 * otherwise hold a connection, a descriptor and a staged file for as long as it likes). The
 * upload fails as any cut upload does, and nothing of it is kept. A window in which the server
 * itself was not reading (its buffer full: storage is the slow side) does not count.
 */
import type { FastifyInstance } from 'fastify';

export interface UploadRateOptions {
  /** Bytes per second, averaged over a window; 0: no minimum. */
  minBytesPerSecond: number;
  /** The window, in ms. */
  windowMs: number;
}

export function enforceUploadRate(
  app: FastifyInstance,
  { minBytesPerSecond, windowMs }: UploadRateOptions,
): void {
  if (minBytesPerSecond <= 0) return;
  const minBytes = Math.ceil((minBytesPerSecond * windowMs) / 1000);
  app.addHook('onRequest', async (request) => {
    const req = request.raw;
    const hasBody =
      Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody || req.complete) return;
    const socket = req.socket;
    let seen = socket.bytesRead;
    const timer = setInterval(() => {
      if (req.complete || socket.destroyed) return clearInterval(timer);
      const read = socket.bytesRead - seen;
      seen = socket.bytesRead;
      if (read >= minBytes || req.readableLength >= req.readableHighWaterMark) return;
      request.log.warn(
        { bytes: read, windowMs, minBytesPerSecond },
        'the upload is slower than the minimum rate: its connection is cut',
      );
      clearInterval(timer);
      socket.destroy();
    }, windowMs);
    timer.unref();
    // On the request, not the socket: a kept-alive socket outlives its requests, and a
    // listener on it held each request (and its body's parts) until the client hung up.
    req.once('close', () => clearInterval(timer));
  });
}
