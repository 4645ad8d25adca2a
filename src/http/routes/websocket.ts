/**
 * `GET /api/batches/:id/ws`: the same events as SSE over a WebSocket. The first message is a
 * `snapshot` (the batch as `GET /api/batches/:id` returns it); `?after=<seq>` replays what
 * the client missed. Ping every 15 s; a peer that misses a pong, or leaves too much unread,
 * is closed and resumes by seq. Past the stream limits: close code 4429.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { WebSocket } from 'ws';
import { AppError } from '../../core/errors.js';
import { toBatchView } from '../../core/views.js';
import { eventToWire } from '../event-wire.js';
import { callerKey } from '../plugins/auth.js';
import { AfterQuery, BatchParams } from '../schemas.js';
import type { RouteDeps } from '../app.js';

const PING_MS = 15_000;
const MAX_UNREAD_BYTES = 1024 * 1024;
/** Private-use close codes: 4000 + the HTTP status they stand for. */
const CLOSE_RATE_LIMITED = 4429;
const CLOSE_SLOW = 4008;

export const websocketRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (
  app,
  { service, streamLimits },
) => {
  app.get(
    '/api/batches/:id/ws',
    {
      websocket: true,
      schema: {
        summary: 'Live events of a batch (WebSocket); first message: a snapshot',
        params: BatchParams,
        querystring: AfterQuery,
      },
      // Before the upgrade, so an unknown batch gets a plain 404.
      preHandler: async (request) => {
        await service.getBatch(request.principal, (request.params as { id: string }).id);
      },
    },
    (socket: WebSocket, request) => {
      const { id } = request.params;
      let release: () => void;
      try {
        release = streamLimits.acquire(id, callerKey(request));
      } catch (error) {
        socket.close(CLOSE_RATE_LIMITED, error instanceof AppError ? error.message.slice(0, 120) : 'limit');
        return;
      }
      const stop = new AbortController();
      let alive = true;
      const ping = setInterval(() => {
        if (!alive) return socket.terminate();
        alive = false;
        socket.ping();
      }, PING_MS);
      socket.on('pong', () => (alive = true));
      socket.on('close', () => stop.abort());
      const send = (message: unknown): boolean => {
        if (socket.readyState !== socket.OPEN) return false;
        socket.send(JSON.stringify(message));
        if (socket.bufferedAmount > MAX_UNREAD_BYTES) {
          socket.close(CLOSE_SLOW, 'too slow: resume with ?after=<seq>');
          return false;
        }
        return true;
      };
      void (async () => {
        try {
          const batch = await service.getBatch(request.principal, id);
          if (!send({ type: 'snapshot', batch: toBatchView(batch, service.now()) })) return;
          const events = await service.follow(request.principal, id, request.query.after ?? 0, stop.signal);
          for await (const event of events) {
            if (!send(eventToWire(event))) break;
          }
          if (socket.readyState === socket.OPEN) socket.close(1000, 'batch finished');
        } catch (error) {
          request.log.error({ err: error }, 'websocket stream failed');
          socket.close(1011, 'internal error');
        } finally {
          clearInterval(ping);
          release();
        }
      })();
    },
  );
};
