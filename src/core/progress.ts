/**
 * Batch progress and the estimated time left, from what has been observed so far.
 */
import type { Counts } from './model.js';

/** Whole-batch progress in percent (0–100): finished files count whole, running ones by their own progress. */
export function batchProgress(counts: Counts, totalFiles: number, runningProgress: number): number {
  if (totalFiles === 0) return 100;
  const finished = counts.succeeded + counts.failed + counts.cancelled;
  const done = finished + Math.min(runningProgress, counts.running * 100) / 100;
  return Math.min(100, Math.round((done / totalFiles) * 100));
}

/**
 * Milliseconds left, from the batch's own throughput since it started: files finished per
 * millisecond of wall time already folds in how many run in parallel. Null until a file has
 * finished (no observation yet), and 0 once nothing is left.
 */
export function estimateRemainingMs(
  counts: Counts,
  totalFiles: number,
  runningProgress: number,
  startedAt: number | null,
  now: number,
): number | null {
  const finished = counts.succeeded + counts.failed + counts.cancelled;
  const left = totalFiles - finished - Math.min(runningProgress, counts.running * 100) / 100;
  if (left <= 0) return 0;
  if (startedAt === null || finished === 0) return null;
  const elapsed = Math.max(1, now - startedAt);
  return Math.round((left * elapsed) / finished);
}
