/**
 * `GET /api/batches/:id/events`: Server-Sent Events. Replays the log after `Last-Event-ID`
 * (or `?after=`), then goes live; a heartbeat comment every 15 s; ends after the batch's end
 * event. A client that stops reading is dropped (it resumes by seq) rather than buffered.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { ServerResponse } from 'node:http';
import { followEvents } from '../../service/follow-events.js';
import { eventToWire } from '../event-wire.js';
import { BatchParams, errorResponses } from '../schemas.js';
import type { RouteDeps } from '../app.js';

const HEARTBEAT_MS = 15_000;
/** Bytes a client may leave unread before it is dropped. */
const MAX_UNREAD_BYTES = 1024 * 1024;

export const eventRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (
  app,
  { service, bus, streamLimits, closing },
) => {
  app.get(
    '/api/batches/:id/events',
    {
      schema: {
        summary: 'Live events of a batch (Server-Sent Events)',
        description: 'Resume with the `Last-Event-ID` header or `?after=<seq>`.',
        params: BatchParams,
        querystring: Type.Object({ after: Type.Optional(Type.Integer({ minimum: 0 })) }),
        headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ pattern: '^\\d{1,15}$' })) }),
        response: { ...errorResponses, 429: errorResponses[400] },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      await service.getBatch(id);
      const release = streamLimits.acquire(id, request.ip);
      const header = request.headers['last-event-id'];
      const after = header !== undefined ? Number(header) : (request.query.after ?? 0);

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(': filemill events\n\n');
      const stop = new AbortController();
      const heartbeat = setInterval(() => send(res, ': heartbeat\n\n', stop), HEARTBEAT_MS);
      res.on('close', () => stop.abort());
      try {
        const until = AbortSignal.any([stop.signal, closing]);
        for await (const event of followEvents(service.store, bus, id, after, until)) {
          const frame = `id: ${event.seq}\ndata: ${JSON.stringify(eventToWire(event))}\n\n`;
          if (!send(res, frame, stop)) break;
        }
      } catch (error) {
        request.log.error({ err: error }, 'event stream failed');
      } finally {
        clearInterval(heartbeat);
        release();
        res.end();
      }
    },
  );
};

/** Writes a frame; drops a client that has left too much unread. False once the stream is over. */
function send(res: ServerResponse, frame: string, stop: AbortController): boolean {
  if (stop.signal.aborted || res.destroyed) return false;
  res.write(frame);
  if (res.writableLength > MAX_UNREAD_BYTES) {
    res.destroy();
    stop.abort();
    return false;
  }
  return true;
}
