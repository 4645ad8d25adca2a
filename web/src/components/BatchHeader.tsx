/**
 * The top of a batch's page: its name (or id), what runs it (processor and preset), when it
 * started and for how long it has run — ticking each second while it runs; once it ended, the
 * time its files ran (src/core/run-time.ts: a retry long after the end adds its own run, not
 * the wait before it). It also names the browser tab: `<name or id> — filemill`.
 */
import { useEffect } from 'react';
import { formatDuration } from '../../../src/core/format.js';
import { isFinalBatch } from '../../../src/core/model.js';
import { runMs, type RunSpan } from '../../../src/core/run-time.js';
import type { BatchView } from '../api.js';
import { useClock } from './Overall.js';

/**
 * The batch's run so far, in ms: while it runs, from its start to `now`; once its end has
 * been read, the time its `files` ran, or from its start to its end when none has times (none
 * ran).
 */
export function elapsedMs(batch: BatchView, now: number, files: readonly RunSpan[] = []): number | null {
  if (batch.startedAt === null) return null;
  // Once its end has been read: the page reads the batch and all its rows again together when
  // an event says it ended; before that, only the rows in view carry their times.
  const ran = batch.finishedAt !== null ? runMs(files) : 0;
  if (ran > 0) return ran;
  const end = batch.finishedAt === null ? now : Date.parse(batch.finishedAt);
  return Math.max(0, end - Date.parse(batch.startedAt));
}

/** What the page and its tab call the batch. */
export function batchTitle(batch: Pick<BatchView, 'id' | 'name'>): string {
  return batch.name ?? batch.id;
}

/**
 * `at`: the time to measure to (epoch ms); by default the clock, ticking while the batch runs.
 * `files`: the batch's files, whose runs give the time it took once it ended.
 */
export function BatchHeader({
  batch,
  files,
  at,
}: {
  batch: BatchView;
  files?: readonly RunSpan[];
  at?: number;
}) {
  const running = !isFinalBatch(batch.status) && batch.startedAt !== null;
  const clock = useClock(running && at === undefined);
  const elapsed = elapsedMs(batch, at ?? clock, files);
  const title = batchTitle(batch);
  useEffect(() => {
    const before = document.title;
    document.title = `${title} — filemill`;
    return () => {
      document.title = before;
    };
  }, [title]);
  return (
    <header className="batch-header">
      <h1 id="batch-title">
        {title === batch.id ? (
          <>
            Batch <code>{batch.id}</code>
          </>
        ) : (
          title
        )}
      </h1>
      <dl className="batch-facts">
        <div>
          <dt>Processor</dt>
          <dd>{batch.processor}</dd>
        </div>
        <div>
          <dt>Preset</dt>
          <dd>{batch.preset ?? 'own settings'}</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>
            {batch.startedAt === null ? (
              'not yet'
            ) : (
              <time dateTime={batch.startedAt}>{new Date(batch.startedAt).toLocaleString()}</time>
            )}
          </dd>
        </div>
        <div>
          <dt>{running ? 'Running for' : 'Took'}</dt>
          <dd className="elapsed">{elapsed === null ? '—' : formatDuration(elapsed)}</dd>
        </div>
        {title !== batch.id && (
          <div>
            <dt>Id</dt>
            <dd>
              <code>{batch.id}</code>
            </dd>
          </div>
        )}
      </dl>
    </header>
  );
}
