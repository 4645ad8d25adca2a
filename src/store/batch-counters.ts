/**
 * The one place a batch row follows its files: every file state change calls
 * `applyBatchChange` in the same transaction, which moves the counters and then re-derives
 * the batch status, `started_at` and `finished_at` from the counters it just wrote. Callers
 * change file rows first and the batch row last, so on PostgreSQL every transaction locks
 * in the same order (file, then batch) and two of them never wait on each other in a cycle.
 */
import type { Kysely, UpdateObject } from 'kysely';
import {
  FILE_STATUSES,
  deriveBatchStatus,
  isFinalBatch,
  type Counts,
  type FileStatus,
} from '../core/model.js';
import { COUNT_COLUMNS, countsOf, flag } from './rows.js';
import type { BatchRow, Database } from './schema.js';

export interface BatchChange {
  /** How many files moved into (+) or out of (−) each status. */
  counts: Partial<Counts>;
  /** Bytes of output to add (a file succeeded). */
  outputBytes?: number;
  /** Marks the batch started at this time unless it already is (first claim). */
  startAt?: number;
  /** Sets or clears the batch's cancel flag. */
  cancelRequested?: boolean;
  /** When the change happens; becomes `finished_at` if the batch turns final. */
  now: number;
}

/** The counts change of `n` files moving from one status to another. */
export function move(from: FileStatus, to: FileStatus, n = 1): Partial<Counts> {
  const counts: Partial<Counts> = {};
  counts[from] = (counts[from] ?? 0) - n;
  counts[to] = (counts[to] ?? 0) + n;
  return counts;
}

/** Adds up several counts changes. */
export function sumMoves(...moves: Partial<Counts>[]): Partial<Counts> {
  const total: Partial<Counts> = {};
  for (const m of moves) for (const s of FILE_STATUSES) if (m[s]) total[s] = (total[s] ?? 0) + (m[s] ?? 0);
  return total;
}

/**
 * Applies `change` to the batch and re-derives its status. Returns the batch row as it is
 * now, or undefined when the batch does not exist.
 */
export async function applyBatchChange(
  trx: Kysely<Database>,
  batchId: string,
  change: BatchChange,
): Promise<BatchRow | undefined> {
  const row = await updateCounters(trx, batchId, change);
  if (row === undefined) return undefined;
  const status = deriveBatchStatus(
    countsOf(row),
    row.total_files,
    row.cancel_requested === 1,
    row.started_at !== null,
  );
  // Keep the first finish time while the batch stays final; a retry clears it.
  const finishedAt = isFinalBatch(status) ? (row.finished_at ?? change.now) : null;
  if (status === row.status && finishedAt === row.finished_at) return row;
  await trx
    .updateTable('batches')
    .set({ status, finished_at: finishedAt })
    .where('id', '=', batchId)
    .execute();
  return { ...row, status, finished_at: finishedAt };
}

async function updateCounters(
  trx: Kysely<Database>,
  batchId: string,
  change: BatchChange,
): Promise<BatchRow | undefined> {
  const values: UpdateObject<Database, 'batches'> = {};
  for (const status of FILE_STATUSES) {
    const delta = change.counts[status];
    if (delta) {
      const column = COUNT_COLUMNS[status];
      values[column] = (eb) => eb(column, '+', delta);
    }
  }
  const { outputBytes, startAt, cancelRequested } = change;
  if (outputBytes) values.output_bytes = (eb) => eb('output_bytes', '+', outputBytes);
  if (startAt !== undefined) values.started_at = (eb) => eb.fn.coalesce('started_at', eb.val(startAt));
  if (cancelRequested !== undefined) values.cancel_requested = flag(cancelRequested);
  if (Object.keys(values).length === 0) {
    return trx.selectFrom('batches').selectAll().where('id', '=', batchId).executeTakeFirst();
  }
  return trx.updateTable('batches').set(values).where('id', '=', batchId).returningAll().executeTakeFirst();
}
