/**
 * A batch kept current for the batch page: read once (the batch and its files), then
 * followed over the WebSocket (live.ts). While the stream is down the batch is read over
 * HTTP at each retry instead, so the page does not sit on stale rows: a stream that a proxy
 * blocks, or a server that restarts, still shows the batch moving, and a batch that ended
 * meanwhile is shown ended.
 */
import { useCallback, useEffect, useRef, useState, type Dispatch, type SetStateAction } from 'react';
import { isFinalBatch } from '../../src/core/model.js';
import { api, ApiError, type BatchView } from './api.js';
import { followBatch, type Connection, type Follow } from './live.js';
import { applyEvent, queueState, type QueueState } from './queue-state.js';

/** The stream's state as the page tells it. */
export interface ConnectionView {
  state: Connection;
  /** While reconnecting: when the next attempt is due (ms since the epoch). */
  retryAt: number | null;
  /** While reconnecting: whether the server answered the last read, null before one ended. */
  serverAnswers: boolean | null;
}

export interface LiveBatch {
  state: QueueState | null;
  setState: Dispatch<SetStateAction<QueueState | null>>;
  connection: ConnectionView;
  /** Tries the stream again at once. */
  retryNow(): void;
}

const CONNECTING: ConnectionView = { state: 'connecting', retryAt: null, serverAnswers: null };

/** Counts and status: what tells that the rows read before are out of date. */
const fingerprint = (batch: BatchView): string => `${batch.status} ${JSON.stringify(batch.counts)}`;

/**
 * Follows batch `id`; `generation` changes to follow it again (after a retry reopens it).
 * `onRefused` receives an error that retrying cannot mend: the batch is gone or no longer
 * open to this caller (4xx), or the first read failed.
 */
export function useLiveBatch(id: string, generation: number, onRefused: (e: unknown) => void): LiveBatch {
  const [state, setState] = useState<QueueState | null>(null);
  const [connection, setConnection] = useState<ConnectionView>(CONNECTING);
  const follow = useRef<Follow | null>(null);
  // The latest callback without following again when the caller passes a new one.
  const refused = useRef(onRefused);
  refused.current = onRefused;

  useEffect(() => {
    let stopped = false;
    let lastRead = '';
    const stop = () => {
      stopped = true;
      follow.current?.stop();
    };

    // The stream is down: read the batch, and its rows when they changed, as a page without
    // a stream would. A 4xx (a revoked key: the sign-in; a share link replaced) is said, not
    // retried.
    const readWhileDown = async () => {
      try {
        const batch = await api.batch(id);
        const changed = fingerprint(batch) !== lastRead;
        lastRead = fingerprint(batch);
        const files = changed ? await api.files(id) : null;
        if (stopped) return;
        setState((s) => (s ? { ...s, batch, files: files ?? s.files } : s));
        if (isFinalBatch(batch.status)) {
          stop();
          setConnection({ state: 'ended', retryAt: null, serverAnswers: true });
        } else {
          setConnection((c) => ({ ...c, serverAnswers: true }));
        }
      } catch (e) {
        if (stopped) return;
        if (e instanceof ApiError && e.status >= 400 && e.status < 500) {
          stop();
          refused.current(e);
        } else {
          setConnection((c) => ({ ...c, serverAnswers: false }));
        }
      }
    };

    // The files first, then the events from seq 0: every event is applied in order onto the
    // rows, so the state ends where the log does whatever was missed before.
    Promise.all([api.batch(id), api.files(id)]).then(
      ([batch, files]) => {
        if (stopped) return;
        lastRead = fingerprint(batch);
        setState(queueState(batch, files));
        follow.current = followBatch(id, {
          snapshot: (b) => setState((s) => (s ? { ...s, batch: b } : s)),
          event: (event) => setState((s) => (s ? applyEvent(s, event) : s)),
          connection: (next, retryInMs) => {
            if (retryInMs === undefined) {
              setConnection((c) => ({ ...c, state: next, retryAt: null }));
              return;
            }
            setConnection((c) => ({ ...c, state: next, retryAt: Date.now() + retryInMs }));
            void readWhileDown();
          },
        });
      },
      (e: unknown) => !stopped && refused.current(e),
    );
    return () => {
      stop();
      follow.current = null;
      setConnection(CONNECTING);
    };
  }, [id, generation]);

  const retryNow = useCallback(() => follow.current?.retryNow(), []);
  return { state, setState, connection, retryNow };
}
