/**
 * The state of one batch as the page shows it, kept current by its live events: the batch
 * (status, counts, progress), one row per file, and the pace of its runs (pace.ts). Pure, so
 * it is tested without a browser.
 */
import type { BatchView, FileView } from './api.js';
import type { LiveEvent } from './live.js';
import { NO_PACE, trackPace, type Pace } from './pace.js';

export interface QueueState {
  batch: BatchView;
  files: FileView[];
  pace: Pace;
}

/** The state of a batch as read, before its events: its pace is learnt from them. */
export function queueState(batch: BatchView, files: FileView[]): QueueState {
  return { batch, files, pace: NO_PACE };
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
  const pace = trackPace(state.pace, event);
  const change = event.file;
  if (!change) return { batch, files: state.files, pace };
  const files = state.files.slice();
  const row = files[change.index];
  if (row) {
    files[change.index] = {
      ...row,
      ...(after(event, row) ? SINCE_RUN : {}),
      status: change.status,
      progress: change.progress,
      error: change.error ?? (change.status === 'failed' ? row.error : null),
    };
  }
  return { batch, files, pace };
}

/**
 * Whether `event` came after the run whose result the row holds. The events are replayed from
 * the first onto rows read since, and those older than a row's end leave its result alone.
 */
function after(event: LiveEvent, row: FileView): boolean {
  if (row.finishedAt === null || event.at === null) return false;
  return Date.parse(event.at) > Date.parse(row.finishedAt);
}

/** A row whose file ran again: the last run's result is gone, the new one not yet known here. */
const SINCE_RUN = { outputBytes: null, outputName: null, durationMs: null, finishedAt: null } as const;

/**
 * The state with `row` as the server has it, unless the row has moved on since (another
 * event came while it was read).
 */
export function fillRow(state: QueueState, row: FileView): QueueState {
  const current = state.files[row.index];
  if (!current || current.status !== row.status) return state;
  const files = state.files.slice();
  files[row.index] = row;
  return { ...state, files };
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
