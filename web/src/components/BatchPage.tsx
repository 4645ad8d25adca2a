/**
 * One batch, live: counts, an overall bar with rate and ETA, one row per file (status,
 * progress, time, size change), sort and filter; cancel a file or all, retry the failed
 * ones, download the results when it ends, copy its share link. Follows the WebSocket and
 * resumes by seq, so a reload or a dropped connection picks up where it was; while the stream
 * is down the batch is read over HTTP instead (live-batch.ts). Opened from a
 * share link (`readOnly`), it shows the same minus every control that changes the batch.
 */
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { isFinalBatch } from '../../../src/core/model.js';
import { api, ApiError, type BatchView } from '../api.js';
import { useLiveBatch } from '../live-batch.js';
import { BatchHeader } from './BatchHeader.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { ConnectionStatus } from './ConnectionStatus.js';
import { FileDetails } from './FileDetails.js';
import { FileRow } from './FileRow.js';
import { NotFound } from './NotFound.js';
import { Overall } from './Overall.js';
import { ShareLink } from './ShareLink.js';
import { StatusFilter } from './StatusFilter.js';
import { VirtualRows } from './VirtualRows.js';
import { useRowFill } from '../row-fill.js';
import { fillRow, visibleRows, type SortKey, type View } from '../queue-state.js';

// The charts library is loaded when a batch has ended, not with the page.
const Summary = lazy(() => import('./Summary.js').then((m) => ({ default: m.Summary })));

/** An error as the page says it; a share link that stopped working says what to do. */
function explain(e: unknown, readOnly: boolean): string {
  if (readOnly && e instanceof ApiError && (e.code === 'NOT_FOUND' || e.code === 'FORBIDDEN')) {
    return 'This share link no longer works: it was replaced, or the batch was deleted. Ask for a new link.';
  }
  return e instanceof ApiError ? `${e.code}: ${e.message}` : String(e);
}

/** What a cancel of the whole batch does, said before it is done. */
export function cancelText({ totalFiles, counts }: BatchView): string {
  const done = counts.succeeded + counts.failed + counts.cancelled;
  const kept = counts.succeeded > 0 ? ` The ${counts.succeeded} that succeeded keep their results.` : '';
  return `The ${totalFiles - done} files not done yet stop and are not processed; they can be retried later.${kept}`;
}

/** A batch the server does not have: the page says so in words, not with the API's error. */
function missing(e: unknown, readOnly: boolean): boolean {
  return !readOnly && e instanceof ApiError && e.code === 'NOT_FOUND';
}

export function BatchPage({ id, readOnly = false }: { id: string; readOnly?: boolean }) {
  const [error, setError] = useState<string | null>(null);
  const [gone, setGone] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [detailsOf, setDetailsOf] = useState<number | null>(null);
  const [view, setView] = useState<View>({ status: 'all', search: '', sort: 'index' });
  // Bumped to follow again after a retry reopens an ended batch.
  const [follows, setFollows] = useState(0);
  const { state, setState, connection, retryNow } = useLiveBatch(
    id,
    follows,
    useCallback(
      (e: unknown) => {
        setGone(missing(e, readOnly));
        setError(explain(e, readOnly));
      },
      [readOnly],
    ),
  );

  // Durations and sizes arrive with the file rows, and the end time with the batch, not with
  // the events: read both again when the batch ends, so the table, the totals and the time
  // it took are exact.
  const ended = state ? isFinalBatch(state.batch.status) : false;
  useEffect(() => {
    if (!ended) return;
    // A retry that reopened the batch meanwhile, or a page gone, takes no stale answer; a read
    // that failed leaves the rows as the events made them.
    let current = true;
    Promise.all([api.batch(id), api.files(id)]).then(
      ([batch, files]) => current && setState((s) => (s ? { ...s, batch, files } : s)),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [ended, id]);

  const act = useCallback(async (action: () => Promise<unknown>, reopen = false) => {
    setError(null);
    try {
      await action();
      if (reopen) setFollows((n) => n + 1);
    } catch (e) {
      setError(explain(e, false));
    }
  }, []);

  // The events say that a file is done, not its time or sizes: the rows in view ask for them.
  const fill = useRowFill(
    id,
    useCallback((row) => setState((s) => (s ? fillRow(s, row) : s)), []),
  );
  const cancelFile = useCallback((index: number) => act(() => api.cancel(id, index)), [act, id]);
  const retryFile = useCallback(
    (index: number) => act(() => api.retry(id, [index]), ended),
    [act, id, ended],
  );

  const rows = useMemo(() => (state ? visibleRows(state.files, view) : []), [state, view]);
  if (gone && !state) return <NotFound what="batch" />;
  if (error && !state) return <p role="alert">{error}</p>;
  if (!state) return <p aria-busy="true">Loading the batch…</p>;
  const { batch } = state;
  const retryable = batch.counts.failed + batch.counts.cancelled;

  return (
    <section aria-labelledby="batch-title">
      <BatchHeader batch={batch} files={state.files} />
      <ConnectionStatus connection={connection} onRetry={retryNow} />

      <Overall batch={batch} pace={state.pace} />

      {!readOnly && (
        <div className="actions">
          {!ended && (
            <button type="button" onClick={() => setConfirming(true)}>
              Cancel all
            </button>
          )}
          {ended && retryable > 0 && (
            <button type="button" onClick={() => act(() => api.retry(batch.id), true)}>
              Retry {retryable} failed or cancelled
            </button>
          )}
          <ShareLink id={batch.id} />
        </div>
      )}
      {error && <p role="alert">{error}</p>}
      {!readOnly && (
        <ConfirmDialog
          open={confirming && !ended}
          title="Cancel every file left?"
          confirm="Cancel all files"
          dismiss="Keep running"
          onDismiss={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            void act(() => api.cancel(batch.id));
          }}
        >
          <p>{cancelText(batch)}</p>
        </ConfirmDialog>
      )}

      {ended && (
        <Suspense fallback={<p aria-busy="true">Loading the summary…</p>}>
          <Summary id={batch.id} name={batch.name} version={batch.finishedAt ?? ''} />
        </Suspense>
      )}

      <div className="filters">
        <StatusFilter
          files={state.files}
          value={view.status}
          onChange={(status) => setView({ ...view, status })}
        />
        <label>
          Name{' '}
          <input
            type="search"
            value={view.search}
            onChange={(e) => setView({ ...view, search: e.target.value })}
          />
        </label>
        <label>
          Sort by{' '}
          <select value={view.sort} onChange={(e) => setView({ ...view, sort: e.target.value as SortKey })}>
            <option value="index">order sent</option>
            <option value="name">name</option>
            <option value="status">status</option>
            <option value="duration">time, longest first</option>
            <option value="change">size change, smallest first</option>
          </select>
        </label>
      </div>

      <table className="queue stack" aria-label="Files">
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">File</th>
            <th scope="col">Progress</th>
            <th scope="col">Time</th>
            <th scope="col">Size</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <VirtualRows
          rows={rows}
          render={(f) => (
            <FileRow
              file={f}
              batchId={batch.id}
              readOnly={readOnly}
              onCancel={cancelFile}
              onRetry={retryFile}
              onUnfinished={fill}
              onDetails={setDetailsOf}
            />
          )}
        />
      </table>
      <FileDetails
        batchId={batch.id}
        row={detailsOf === null ? null : (state.files[detailsOf] ?? null)}
        onClose={() => setDetailsOf(null)}
      />
    </section>
  );
}
