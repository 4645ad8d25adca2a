/**
 * The state of one batch as the page shows it, kept current by its live events: the batch
 * (status, counts, progress, ETA) and one row per file. Pure, so it is tested without a
 * browser.
 */
import type { BatchView, FileView } from './api.js';
import type { LiveEvent } from './live.js';

export interface QueueState {
  batch: BatchView;
  files: FileView[];
}

/** The state after `event`. Rows are replaced, never mutated, so React sees the change. */
export function applyEvent(state: QueueState, event: LiveEvent): QueueState {
  const batch: BatchView = {
    ...state.batch,
    status: event.status,
    counts: event.counts,
    progress: event.progress,
    etaMs: event.etaMs,
  };
  const change = event.file;
  if (!change) return { batch, files: state.files };
  const files = state.files.slice();
  const row = files[change.index];
  if (row) {
    files[change.index] = {
      ...row,
      status: change.status,
      progress: change.progress,
      error: change.error ?? (change.status === 'failed' ? row.error : null),
    };
  }
  return { batch, files };
}

/** Files finished per second since the batch started, or null before it has. */
export function filesPerSecond(batch: BatchView, now: number): number | null {
  if (!batch.startedAt) return null;
  const seconds = (now - Date.parse(batch.startedAt)) / 1000;
  const done = batch.counts.succeeded + batch.counts.failed + batch.counts.cancelled;
  return seconds > 0 && done > 0 ? done / seconds : null;
}

export type SortKey = 'index' | 'name' | 'status' | 'duration' | 'change';

export interface View {
  status: FileView['status'] | 'all';
  search: string;
  sort: SortKey;
}

const ORDER: Record<FileView['status'], number> = {
  running: 0,
  retrying: 1,
  queued: 2,
  failed: 3,
  cancelled: 4,
  succeeded: 5,
};

/** The rows to show: filtered by status and name, sorted. */
export function visibleRows(files: readonly FileView[], view: View): FileView[] {
  const search = view.search.trim().toLowerCase();
  const rows = files.filter(
    (f) =>
      (view.status === 'all' || f.status === view.status) &&
      (!search || f.name.toLowerCase().includes(search)),
  );
  const change = (f: FileView) =>
    f.outputBytes === null || f.inputBytes === 0 ? Infinity : f.outputBytes / f.inputBytes;
  const by: Record<SortKey, (a: FileView, b: FileView) => number> = {
    index: (a, b) => a.index - b.index,
    name: (a, b) => a.name.localeCompare(b.name),
    status: (a, b) => ORDER[a.status] - ORDER[b.status] || a.index - b.index,
    duration: (a, b) => (b.durationMs ?? -1) - (a.durationMs ?? -1),
    change: (a, b) => change(a) - change(b),
  };
  return rows.sort(by[view.sort]);
}
