/**
 * The line under the batch's title that says whether the page is live. When the stream is
 * lost it says so, whether the server still answers, when it tries again (a countdown), and
 * offers to try at once.
 */
import { useEffect, useState } from 'react';
import type { ConnectionView } from '../live-batch.js';

export function ConnectionStatus({ connection, onRetry }: { connection: ConnectionView; onRetry(): void }) {
  const { state, retryAt, serverAnswers } = connection;
  const waiting = state === 'reconnecting' && retryAt !== null;
  const now = useNow(waiting);
  let text: string;
  if (state === 'live') text = 'Live';
  else if (state === 'ended') text = 'Up to date';
  else if (state === 'connecting') text = 'Connecting…';
  else if (!waiting) text = 'Connection lost. Reconnecting…';
  else
    text =
      serverAnswers === false
        ? 'Connection lost: the server does not answer.'
        : serverAnswers
          ? 'Live updates lost: the rows are read from the server meanwhile.'
          : 'Connection lost.';
  return (
    <p className={`connection ${state}`}>
      <span role="status" aria-live="polite">
        {text}
      </span>
      {waiting && (
        <>
          {' '}
          <span aria-hidden="true">
            Trying again in {Math.max(0, Math.ceil((retryAt - now) / 1000))} s.
          </span>{' '}
          <button type="button" className="link" onClick={onRetry}>
            Try now
          </button>
        </>
      )}
    </p>
  );
}

/** The time, re-read every second while `ticking`. */
function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return now;
}
