/**
 * `GET /api/batches/:id/events`: Server-Sent Events. Replays the log after `Last-Event-ID`
 * (or `?after=`), then goes live; a heartbeat comment every 15 s; ends after the batch's end
 * event. Frames are written at the client's pace (a replay of a long log waits for the socket
 * to drain); a client that stops reading is dropped (it resumes by seq) rather than buffered.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { ServerResponse } from 'node:http';
import { once } from 'node:events';
import { eventToWire } from '../event-wire.js';
import { callerKey } from '../plugins/auth.js';
import { AfterQuery, BatchParams, errorResponses } from '../schemas.js';
import type { RouteDeps } from '../app.js';

const HEARTBEAT_MS = 15_000;
/** Bytes a client may leave unread: past them, the stream waits for it to read. */
const MAX_UNREAD_BYTES = 1024 * 1024;
/** How long a client may leave those bytes unread before it is dropped. */
const STALL_MS = 10_000;

export const eventRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (
  app,
  { service, streamLimits, closing },
) => {
  app.get(
    '/api/batches/:id/events',
    {
      schema: {
        summary: 'Live events of a batch (Server-Sent Events)',
        description: 'Resume with the `Last-Event-ID` header or `?after=<seq>`.',
        params: BatchParams,
        querystring: AfterQuery,
        headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ pattern: '^\\d{1,15}$' })) }),
        response: { ...errorResponses, 429: errorResponses[400] },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const header = request.headers['last-event-id'];
      const after = header !== undefined ? Number(header) : (request.query.after ?? 0);
      const stop = new AbortController();
      // Checked before the stream opens, so a refusal is an ordinary error answer.
      const events = await service.follow(
        request.principal,
        id,
        after,
        AbortSignal.any([stop.signal, closing]),
      );
      const release = streamLimits.acquire(id, callerKey(request));

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(': filemill events\n\n');
      const heartbeat = setInterval(() => void send(res, ': heartbeat\n\n', stop), HEARTBEAT_MS);
      res.on('close', () => stop.abort());
      try {
        for await (const event of events) {
          const frame = `id: ${event.seq}\ndata: ${JSON.stringify(eventToWire(event))}\n\n`;
          if (!(await send(res, frame, stop))) break;
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

/**
 * Writes a frame. Past `MAX_UNREAD_BYTES` unread, waits for the client to read them (so a
 * replay goes at its pace and the server holds a bounded amount for it); one that reads
 * none of it for `STALL_MS` is dropped. False once the stream is over.
 */
async function send(res: ServerResponse, frame: string, stop: AbortController): Promise<boolean> {
  if (stop.signal.aborted || res.destroyed) return false;
  res.write(frame);
  if (res.writableLength <= MAX_UNREAD_BYTES) return true;
  const stalled = AbortSignal.timeout(STALL_MS);
  try {
    await once(res, 'drain', { signal: AbortSignal.any([stalled, stop.signal]) });
    return true;
  } catch {
    if (stalled.aborted) res.destroy();
    stop.abort();
    return false;
  }
}
