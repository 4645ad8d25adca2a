/**
 * The durable, ordered event log of a batch (shared/API.md, "Live progress"). Which events a
 * change logs is decided here, in one place; they are numbered from `batches.last_seq`,
 * written in the transaction of the change (one multi-row INSERT, just before the commit),
 * and handed to the `onEvents` listener only once that commit succeeded.
 */
import type { Kysely } from 'kysely';
import {
  batchEndType,
  fileEventType,
  type BatchEvent,
  type EventFile,
  type EventType,
} from '../core/events.js';
import { isFinalBatch, isFinalFile, type BatchStatus } from '../core/model.js';
import type { NewFile } from '../core/ports.js';
import { batchProgress, estimateRemainingMs } from '../core/progress.js';
import { assertPlausibleTime } from '../core/time.js';
import { inTransaction, type StoreContext } from './dialect.js';
import { countsOf, toEvent, toEventRow } from './rows.js';
import { runPrepared } from './prepared.js';
import type { BatchRow, Database, EventRow } from './schema.js';

/** One event to log, before it has its seq and the batch's state. */
export interface LogEntry {
  type: EventType;
  file?: EventFile;
}

/** Event rows per INSERT: 5 parameters each, well under either database's limit. */
const INSERT_CHUNK = 1000;
/**
 * Up to this many events, the INSERT runs prepared, one query per number of rows: a change of
 * one file logs one to three (its own, the batch's progress, the batch's start or end).
 */
const PREPARED_ROWS = 4;

/**
 * The batch event a status change logs: entering `queued` or `running`, or the end event on
 * entering a final status. None when the status stays.
 */
export function transitionEntry(before: BatchStatus, after: BatchStatus): LogEntry[] {
  if (before === after) return [];
  if (isFinalBatch(after)) return [{ type: batchEndType(after) }];
  return [{ type: after === 'running' ? 'batch.started' : 'batch.queued' }];
}

/**
 * The events of a change that moved `files` (as they are now, in log order) and took the
 * batch from `before` to `after`: one per file, then the status change — first instead when
 * a claim started the batch (`startFirst`), since a file runs in a running batch. When a
 * file reached a final state and the batch goes on, a `batch.progress` ends the list, so a
 * client following only batch events sees the counts move.
 */
export function changeEntries(
  before: BatchStatus,
  after: BatchStatus,
  files: readonly EventFile[],
  startFirst: boolean,
): LogEntry[] {
  const transition = transitionEntry(before, after);
  const fileEntries = files.map((file) => ({ type: fileEventType(file.status), file }));
  if (startFirst && !isFinalBatch(after)) return [...transition, ...fileEntries];
  const entries = [...fileEntries, ...transition];
  if (!isFinalBatch(after) && files.some((f) => isFinalFile(f.status))) {
    entries.push({ type: 'batch.progress' });
  }
  return entries;
}

/**
 * Files added to a batch (batch-intake.ts) log `file.failed` for each one refused at
 * submission, in index order; queued ones log nothing until they run.
 */
export function refusedEntries(files: readonly NewFile[]): LogEntry[] {
  return files
    .filter((f) => f.status === 'failed')
    .sort((a, b) => a.index - b.index)
    .map((f) => ({ type: 'file.failed', file: refusedFile(f) }));
}

function refusedFile(file: NewFile): EventFile {
  const event: EventFile = { index: file.index, name: file.name, status: file.status, progress: 0 };
  if (file.error !== null) event.error = file.error;
  return event;
}

/**
 * How many events a change moving `files` logs unless it starts the batch: one per file,
 * plus `batch.progress` or the end event after a file reached a final state. The counter
 * update reserves that many seqs; a change that logs another number corrects `last_seq`.
 */
export function expectedEntries(files: readonly EventFile[]): number {
  return files.length + (files.some((f) => isFinalFile(f.status)) ? 1 : 0);
}

/** The events of one transaction: collected as the change is made, written before the commit. */
export class EventLog {
  readonly #events: BatchEvent[] = [];

  /**
   * Adds `entries` for the batch as `row` shows it after the change; `row.last_seq` already
   * counts them (the batch row is locked by then), so they take the seqs just below it.
   * `runningProgress` is the sum of its running files' progress (a SQL sum: null over none).
   */
  add(
    row: BatchRow,
    runningProgress: number | string | null,
    entries: readonly LogEntry[],
    at: number,
  ): void {
    if (entries.length === 0) return;
    // The last guard before the log: a stream serves every `at` to clients as a date.
    assertPlausibleTime(at, 'the time of an event');
    const counts = countsOf(row);
    const running = Number(runningProgress ?? 0);
    const progress = batchProgress(counts, row.total_files, running);
    const etaMs = estimateRemainingMs(counts, row.total_files, running, row.started_at, at);
    const first = row.last_seq - entries.length + 1;
    entries.forEach(({ type, file }, i) => {
      this.#events.push({
        seq: first + i,
        type,
        batchId: row.id,
        at,
        status: row.status,
        ...(file === undefined ? {} : { file }),
        counts: { ...counts },
        progress,
        etaMs,
      });
    });
  }

  /** Writes the collected events; the transaction's last statement before the commit. */
  async write(trx: Kysely<Database>): Promise<void> {
    if (this.#events.length === 0) return;
    if (this.#events.length <= PREPARED_ROWS) return insertPrepared(trx, this.#events.map(toEventRow));
    for (let i = 0; i < this.#events.length; i += INSERT_CHUNK) {
      const chunk = this.#events.slice(i, i + INSERT_CHUNK);
      await trx.insertInto('batch_events').values(chunk.map(toEventRow)).execute();
    }
  }

  /** Hands the committed events to `listener`; whatever it does wrong stays with it. */
  deliver(listener: ((events: BatchEvent[]) => void) | undefined): void {
    if (listener === undefined || this.#events.length === 0) return;
    try {
      const result: unknown = listener(this.#events);
      if (result instanceof Promise) result.catch(() => undefined);
    } catch {
      // The change is committed; a failing listener must not make it look failed.
    }
  }
}

/** Inserts a few event rows with the prepared INSERT for their number (see PREPARED_ROWS). */
async function insertPrepared(trx: Kysely<Database>, rows: EventRow[]): Promise<void> {
  const columns = Object.keys(rows[0]!) as Array<keyof EventRow>;
  const args: Record<string, unknown> = {};
  rows.forEach((row, i) => columns.forEach((column) => (args[`${column}.${i}`] = row[column])));
  await runPrepared(
    trx,
    `events.${rows.length}`,
    (db, a: Record<string, unknown>) =>
      db
        .insertInto('batch_events')
        .values(rows.map((_, i) => Object.fromEntries(columns.map((c) => [c, a[`${c}.${i}`]])) as EventRow)),
    args,
  );
}

/** `inTransaction` with an event log: its events are written before the commit, delivered after. */
export async function inLoggedTransaction<T>(
  ctx: StoreContext,
  fn: (trx: Kysely<Database>, log: EventLog) => Promise<T>,
): Promise<T> {
  const log = new EventLog();
  const result = await inTransaction(ctx, async (trx) => {
    const value = await fn(trx, log);
    await log.write(trx);
    return value;
  });
  log.deliver(ctx.notify);
  return result;
}

/** The batch's logged events with `seq > afterSeq`, in order, at most `limit`. */
export async function listEvents(
  db: Kysely<Database>,
  batchId: string,
  afterSeq: number,
  limit: number,
): Promise<BatchEvent[]> {
  const rows = await db
    .selectFrom('batch_events')
    .selectAll()
    .where('batch_id', '=', batchId)
    .where('seq', '>', Number.isFinite(afterSeq) ? afterSeq : 0)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map(toEvent);
}
