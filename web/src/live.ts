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
  /** `retryInMs`: while reconnecting, the wait until the next attempt. */
  connection(state: Connection, retryInMs?: number): void;
}

export interface Follow {
  stop(): void;
  /** Tries again now instead of at the end of the back-off (a no-op unless reconnecting). */
  retryNow(): void;
}

const MAX_BACKOFF_MS = 15_000;
/**
 * How long a connection must have lasted for the back-off to start again from its shortest
 * wait. A stream that opens and then breaks at once (a proxy, a batch it cannot send) would
 * otherwise be retried twice a second for ever.
 */
const STABLE_MS = 5_000;

/** The wait before retry `attempt` (0, 1, …): doubling from 0.5 s up to 15 s, jittered. */
export function backoffMs(attempt: number, random = Math.random): number {
  return Math.round(Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt) * (0.5 + random() / 2));
}

/** Starts following. */
export function followBatch(id: string, handlers: LiveHandlers, after = 0): Follow {
  let last = after;
  let attempt = 0;
  let socket: WebSocket | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let waiting = false;

  const connect = () => {
    waiting = false;
    handlers.connection(attempt === 0 ? 'connecting' : 'reconnecting');
    let openedAt: number | null = null;
    socket = new WebSocket(api.wsUrl(id, last));
    socket.onmessage = (message) => {
      const data = JSON.parse(String(message.data)) as { type: 'snapshot'; batch: BatchView } | LiveEvent;
      if (data.type === 'snapshot') {
        openedAt = Date.now();
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
      if (openedAt !== null && Date.now() - openedAt >= STABLE_MS) attempt = 0;
      const delay = backoffMs(attempt);
      attempt++;
      waiting = true;
      timer = setTimeout(connect, delay);
      handlers.connection('reconnecting', delay);
    };
  };
  // Back online, or the tab shown again: no reason to sit out the rest of a long wait.
  const retryNow = () => {
    if (stopped || !waiting) return;
    clearTimeout(timer);
    connect();
  };
  const onVisible = () => {
    if (document.visibilityState === 'visible') retryNow();
  };
  window.addEventListener('online', retryNow);
  document.addEventListener('visibilitychange', onVisible);
  connect();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      window.removeEventListener('online', retryNow);
      document.removeEventListener('visibilitychange', onVisible);
      socket?.close();
    },
    retryNow,
  };
}
