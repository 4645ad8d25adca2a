/**
 * The one place a batch row follows its files: every file state change calls
 * `applyBatchChange` in the same transaction, which moves the counters and then re-derives
 * the batch status, `started_at` and `finished_at` from the counters it just wrote, and logs
 * the change's events (event-log.ts) numbered from the `last_seq` it moved. Callers change
 * file rows first and the batch row last, so on PostgreSQL every transaction locks in the
 * same order (file, then batch) and two of them never wait on each other in a cycle; the
 * batch row lock is also what keeps the event seqs of concurrent changes gap-free.
 */
import type { ExpressionBuilder, Kysely, UpdateObject } from 'kysely';
import type { EventFile } from '../core/events.js';
import {
  FILE_STATUSES,
  deriveBatchStatus,
  isFinalBatch,
  type Counts,
  type FileStatus,
} from '../core/model.js';
import { changeEntries, expectedEntries, type EventLog } from './event-log.js';
import { runPrepared } from './prepared.js';
import { COUNT_COLUMNS, countsOf, flag } from './rows.js';
import type { BatchRow, Database, Flag } from './schema.js';

export interface BatchChange {
  /** How many files moved into (+) or out of (−) each status. */
  counts: Partial<Counts>;
  /** Bytes of output to add (a file succeeded). */
  outputBytes?: number;
  /** Marks the batch started at this time unless it already is (first claim). */
  startAt?: number;
  /** Sets or clears the batch's cancel flag. */
  cancelRequested?: boolean;
  /** When the change happens; becomes `finished_at` if the batch turns final, and the events' `at`. */
  now: number;
  /** The files this change moved, as they are after it, in the order their events are logged. */
  files: readonly EventFile[];
}

/** A batch row with the sum of its running files' progress (null when none run). */
export type BatchProgressRow = BatchRow & { running_progress: number | string | null };

/**
 * The sum of the progress of the batch's running files, as the column `running_progress`: a
 * few rows, by the (batch_id, status) index. Read by the statement that updates the batch row,
 * it costs no round trip of its own. On PostgreSQL a statement that waited for the batch row
 * lock reads other rows as they were when it began (READ COMMITTED), so while runs of one
 * batch end concurrently the sum can be one commit behind: an event's `progress` and `etaMs`
 * can then be off by part of one file, until the next event. Counts and seqs are exact.
 */
export function runningProgress(eb: ExpressionBuilder<Database, 'batches'>) {
  return eb
    .selectFrom('batch_files')
    .select((sub) => sub.fn.sum<number | string | null>('batch_files.progress').as('p'))
    .whereRef('batch_files.batch_id', '=', 'batches.id')
    .where('batch_files.status', '=', 'running')
    .as('running_progress');
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
 * Applies `change` to the batch, re-derives its status and adds the change's events to `log`.
 * Returns the batch row as it is now, or undefined when the batch does not exist.
 */
export async function applyBatchChange(
  trx: Kysely<Database>,
  log: EventLog,
  batchId: string,
  change: BatchChange,
): Promise<BatchRow | undefined> {
  const reserved = expectedEntries(change.files);
  const row = await updateCounters(trx, batchId, change, reserved);
  if (row === undefined) return undefined;
  const status = deriveBatchStatus(
    countsOf(row),
    row.total_files,
    row.cancel_requested === 1,
    row.started_at !== null,
    row.receiving === 1,
  );
  // Keep the first finish time while the batch stays final; a retry clears it.
  const finishedAt = isFinalBatch(status) ? (row.finished_at ?? change.now) : null;
  const entries = changeEntries(row.status, status, change.files, change.startAt !== undefined);
  // The counter update reserved the usual number of seqs; a status change may log one more.
  const lastSeq = row.last_seq - reserved + entries.length;
  const { running_progress: _, ...current } = row;
  const after: BatchRow = { ...current, status, finished_at: finishedAt, last_seq: lastSeq };
  if (status !== row.status || finishedAt !== row.finished_at || lastSeq !== row.last_seq) {
    await trx
      .updateTable('batches')
      .set({ status, finished_at: finishedAt, last_seq: lastSeq })
      .where('id', '=', batchId)
      .execute();
  }
  log.add(after, row.running_progress, entries, change.now);
  return after;
}

/**
 * The arguments of the counter update: only the parts `change` moves, so that changes of one
 * kind (a claim, a success) run one prepared query; the names present are its key.
 */
interface CounterArgs extends Partial<Counts> {
  batchId: string;
  outputBytes?: number;
  startAt?: number;
  cancelRequested?: Flag;
  reservedSeqs?: number;
}

function counterArgs(batchId: string, change: BatchChange, reservedSeqs: number): CounterArgs {
  const args: CounterArgs = { batchId };
  for (const status of FILE_STATUSES) if (change.counts[status]) args[status] = change.counts[status];
  const { outputBytes, startAt, cancelRequested } = change;
  if (outputBytes) args.outputBytes = outputBytes;
  if (startAt !== undefined) args.startAt = startAt;
  if (cancelRequested !== undefined) args.cancelRequested = flag(cancelRequested);
  if (reservedSeqs > 0) args.reservedSeqs = reservedSeqs;
  return args;
}

/** The columns the counter update sets, from `args` (when compiled, its placeholders). */
function counterValues(args: CounterArgs): UpdateObject<Database, 'batches'> {
  const values: UpdateObject<Database, 'batches'> = {};
  for (const status of FILE_STATUSES) {
    if (!(status in args)) continue;
    const column = COUNT_COLUMNS[status];
    values[column] = (eb) => eb(column, '+', args[status]!);
  }
  const { outputBytes, startAt, cancelRequested, reservedSeqs } = args;
  if ('outputBytes' in args) values.output_bytes = (eb) => eb('output_bytes', '+', outputBytes!);
  if ('startAt' in args) values.started_at = (eb) => eb.fn.coalesce('started_at', eb.val(startAt!));
  if ('cancelRequested' in args) values.cancel_requested = cancelRequested!;
  if ('reservedSeqs' in args) values.last_seq = (eb) => eb('last_seq', '+', reservedSeqs!);
  return values;
}

async function updateCounters(
  trx: Kysely<Database>,
  batchId: string,
  change: BatchChange,
  reservedSeqs: number,
): Promise<BatchProgressRow | undefined> {
  const args = counterArgs(batchId, change, reservedSeqs);
  const names = Object.keys(args);
  if (names.length === 1) {
    return trx
      .selectFrom('batches')
      .selectAll()
      .select(runningProgress)
      .where('id', '=', batchId)
      .executeTakeFirst();
  }
  const [row] = await runPrepared(
    trx,
    `counters.${names.join(',')}`,
    (db, a: CounterArgs) =>
      db
        .updateTable('batches')
        .set(counterValues(a))
        .where('id', '=', a.batchId)
        .returningAll()
        .returning(runningProgress),
    args,
  );
  return row;
}
