/**
 * A batch at a glance, above its file rows: status, files done, the counts, and while it runs
 * its rate and the time left (pace.ts); one bar for the whole. A cancelled batch says so and
 * its bar shows the share of files that were done, not a full bar for files that never ran.
 */
import { useEffect, useState } from 'react';
import { formatDuration } from '../../../src/core/format.js';
import { isFinalBatch } from '../../../src/core/model.js';
import type { BatchView } from '../api.js';
import { formatRate, liveRate, remainingMs, type Pace } from '../pace.js';

/** The time now, again every second while `running`: the time left counts down between events. */
export function useClock(running: boolean): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running]);
  return now;
}

/** `at`: the time to estimate for (epoch ms); by default the clock, ticking while the batch runs. */
export function Overall({ batch, pace, at }: { batch: BatchView; pace: Pace; at?: number }) {
  const c = batch.counts;
  const processed = c.succeeded + c.failed;
  const cancelled = batch.status === 'cancelled';
  const ended = isFinalBatch(batch.status);
  const clock = useClock(!ended && at === undefined);
  const now = at ?? clock;
  const rate = ended ? null : liveRate(pace);
  const left = ended ? null : remainingMs(pace, c, now);
  const share = batch.totalFiles === 0 ? 100 : Math.round((processed / batch.totalFiles) * 100);
  return (
    <div className={`overall${cancelled ? ' cancelled' : ''}`}>
      <label>
        <span>
          <strong>{batch.status.replaceAll('_', ' ')}</strong> ·{' '}
          {cancelled
            ? `${processed} of ${batch.totalFiles} files done before the cancel`
            : `${processed + c.cancelled}/${batch.totalFiles} files`}{' '}
          · {c.succeeded} succeeded, {c.failed} failed, {c.cancelled} cancelled
          {c.running > 0 ? `, ${c.running} running` : ''}
          {rate !== null ? ` · ${formatRate(rate)}` : ''}
          {left !== null && left > 0 ? ` · about ${formatDuration(left)} left` : ''}
        </span>
        <progress value={cancelled ? share : batch.progress} max={100} aria-label="Batch progress" />
      </label>
    </div>
  );
}
