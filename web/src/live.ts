/**
 * Follows a batch over its WebSocket (shared/API.md, "Live progress"): a snapshot first,
 * then every event in order. A dropped connection is retried with exponential back-off
 * and resumed after the last seq, so nothing is lost or repeated.
 */
import type { WireEvent } from '../../src/core/events.js';
import { api, type BatchView } from './api.js';

/** One event of the batch, as the server sends it. */
export type LiveEvent = WireEvent;

export type Connection = 'connecting' | 'live' | 'reconnecting' | 'ended';

export interface LiveHandlers {
  snapshot(batch: BatchView): void;
  event(event: LiveEvent): void;
  connection(state: Connection): void;
}

const MAX_BACKOFF_MS = 15_000;

/** Starts following; returns a function that stops. */
export function followBatch(id: string, handlers: LiveHandlers, after = 0): () => void {
  let last = after;
  let attempt = 0;
  let socket: WebSocket | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const connect = () => {
    handlers.connection(attempt === 0 ? 'connecting' : 'reconnecting');
    socket = new WebSocket(api.wsUrl(id, last));
    socket.onmessage = (message) => {
      const data = JSON.parse(String(message.data)) as { type: 'snapshot'; batch: BatchView } | LiveEvent;
      if (data.type === 'snapshot') {
        attempt = 0;
        handlers.connection('live');
        handlers.snapshot(data.batch);
        return;
      }
      if (data.seq <= last) return;
      last = data.seq;
      handlers.event(data);
    };
    socket.onclose = (close) => {
      socket = null;
      if (stopped) return;
      // 1000: the batch has ended and the server said all. Anything else: come back.
      if (close.code === 1000) return handlers.connection('ended');
      const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
      attempt++;
      handlers.connection('reconnecting');
      timer = setTimeout(connect, delay);
    };
  };
  connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    socket?.close();
  };
}
