/**
 * What a person asks of a batch: cancel it (or one file) and retry what failed or was
 * cancelled. Waiting files are cancelled at once; running ones are only flagged, for their
 * runners to stop — the file then ends `cancelled` through `completeFile`. File rows are
 * changed before the batch row, as everywhere in the store (see batch-counters.ts). Files
 * are logged in index order; a request that changes nothing logs nothing.
 */
import type { Kysely } from 'kysely';
import { AppError } from '../core/errors.js';
import { FINAL_BATCH_STATUSES, type FileStatus } from '../core/model.js';
import { applyBatchChange, move, sumMoves } from './batch-counters.js';
import type { StoreContext } from './dialect.js';
import { inLoggedTransaction, type EventLog } from './event-log.js';
import { EVENT_FILE_COLUMNS, toEventFile, type EventFileRow } from './rows.js';
import type { Database } from './schema.js';

/** Columns of a waiting file that is cancelled. */
function cancelledValues(now: number) {
  return {
    status: 'cancelled',
    not_before: null,
    lease_owner: null,
    lease_expires_at: null,
    finished_at: now,
  } as const;
}

async function requireBatch(trx: Kysely<Database>, batchId: string) {
  const batch = await trx.selectFrom('batches').select('status').where('id', '=', batchId).executeTakeFirst();
  if (batch === undefined) throw new AppError('NOT_FOUND', 'No such batch.');
  return batch;
}

/** @throws AppError `NOT_FOUND` when the batch, or the file `index`, does not exist. */
export async function cancel(
  ctx: StoreContext,
  batchId: string,
  index: number | null,
  now: number,
): Promise<{ running: number[] }> {
  return inLoggedTransaction(ctx, async (trx, log) => {
    const batch = await requireBatch(trx, batchId);
    if (index !== null) return cancelFile(ctx, trx, log, batchId, index, now);
    // A finished batch stays as it ended: a cancel now would only relabel it.
    if (FINAL_BATCH_STATUSES.includes(batch.status)) return { running: [] };
    return cancelBatch(trx, log, batchId, now);
  });
}

async function cancelBatch(
  trx: Kysely<Database>,
  log: EventLog,
  batchId: string,
  now: number,
): Promise<{ running: number[] }> {
  const cancelled: EventFileRow[] = [];
  const moves = [];
  // Waiting files first, then running ones: a file claimed in between is running by the
  // second statement and gets flagged there.
  for (const from of ['queued', 'retrying'] as const) {
    const rows = await trx
      .updateTable('batch_files')
      .set(cancelledValues(now))
      .where('batch_id', '=', batchId)
      .where('status', '=', from)
      .returning(EVENT_FILE_COLUMNS)
      .execute();
    cancelled.push(...rows);
    moves.push(move(from, 'cancelled', rows.length));
  }
  const running = await trx
    .updateTable('batch_files')
    .set({ cancel_requested: 1 })
    .where('batch_id', '=', batchId)
    .where('status', '=', 'running')
    .returning('idx')
    .execute();
  // Guarded: if the last file finished meanwhile the batch is final and keeps its status.
  const flagged = await trx
    .updateTable('batches')
    .set({ cancel_requested: 1 })
    .where('id', '=', batchId)
    .where('status', 'not in', FINAL_BATCH_STATUSES)
    .executeTakeFirst();
  if (flagged.numUpdatedRows > 0n) {
    const files = cancelled.sort((a, b) => a.idx - b.idx).map(toEventFile);
    await applyBatchChange(trx, log, batchId, { counts: sumMoves(...moves), now, files });
  }
  return { running: running.map((r) => r.idx).sort((a, b) => a - b) };
}

async function cancelFile(
  ctx: StoreContext,
  trx: Kysely<Database>,
  log: EventLog,
  batchId: string,
  index: number,
  now: number,
): Promise<{ running: number[] }> {
  const file = await trx
    .selectFrom('batch_files')
    .select('status')
    .where('batch_id', '=', batchId)
    .where('idx', '=', index)
    .$if(ctx.dialect.rowLocks, (qb) => qb.forUpdate())
    .executeTakeFirst();
  if (file === undefined) throw new AppError('NOT_FOUND', `The batch has no file ${index}.`);
  if (file.status === 'running') {
    await trx
      .updateTable('batch_files')
      .set({ cancel_requested: 1 })
      .where('batch_id', '=', batchId)
      .where('idx', '=', index)
      .execute();
    return { running: [index] };
  }
  if (file.status === 'queued' || file.status === 'retrying') {
    const cancelled = await trx
      .updateTable('batch_files')
      .set(cancelledValues(now))
      .where('batch_id', '=', batchId)
      .where('idx', '=', index)
      .returning(EVENT_FILE_COLUMNS)
      .executeTakeFirstOrThrow();
    await applyBatchChange(trx, log, batchId, {
      counts: move(file.status, 'cancelled'),
      now,
      files: [toEventFile(cancelled)],
    });
  }
  // A finished file stays as it ended.
  return { running: [] };
}

const RETRYABLE: readonly FileStatus[] = ['failed', 'cancelled'];

/**
 * @throws AppError `NOT_FOUND` when the batch or a listed index does not exist, `CONFLICT`
 * when a listed file is not `failed` or `cancelled`.
 */
export async function retry(
  ctx: StoreContext,
  batchId: string,
  indices: number[] | null,
  now: number,
): Promise<number> {
  return inLoggedTransaction(ctx, async (trx, log) => {
    await requireBatch(trx, batchId);
    const wanted = indices === null ? null : [...new Set(indices)];
    if (wanted !== null && wanted.length === 0) return 0;
    const files = await trx
      .selectFrom('batch_files')
      .select(['idx', 'status'])
      .where('batch_id', '=', batchId)
      .$if(wanted === null, (qb) => qb.where('status', 'in', RETRYABLE))
      .$if(wanted !== null, (qb) => qb.where('idx', 'in', wanted ?? []))
      .$if(ctx.dialect.rowLocks, (qb) => qb.forUpdate())
      .execute();
    if (wanted !== null) checkRetryable(wanted, files);
    if (files.length === 0) return 0;
    const indicesToQueue = files.map((f) => f.idx);
    const queued = await trx
      .updateTable('batch_files')
      .set({
        status: 'queued',
        progress: 0,
        error_code: null,
        error_message: null,
        details: null,
        output_bytes: null,
        output_type: null,
        duration_ms: null,
        cpu_ms: null,
        node: null,
        cancel_requested: 0,
        lease_owner: null,
        lease_expires_at: null,
        not_before: null,
        started_at: null,
        finished_at: null,
      })
      .where('batch_id', '=', batchId)
      .where('idx', 'in', indicesToQueue)
      .returning(EVENT_FILE_COLUMNS)
      .execute();
    // The combined analysis described the batch as it ended; it is made again when it ends anew.
    await trx.updateTable('batches').set({ aggregate: null }).where('id', '=', batchId).execute();
    const counts = sumMoves(...files.map((f) => move(f.status, 'queued')));
    const logged = queued.sort((a, b) => a.idx - b.idx).map(toEventFile);
    await applyBatchChange(trx, log, batchId, { counts, cancelRequested: false, now, files: logged });
    return files.length;
  });
}

function checkRetryable(wanted: number[], files: { idx: number; status: FileStatus }[]): void {
  const found = new Map(files.map((f) => [f.idx, f.status]));
  const missing = wanted.filter((i) => !found.has(i));
  if (missing.length > 0) {
    throw new AppError('NOT_FOUND', `The batch has no file ${missing.join(', ')}.`, {
      details: { indices: missing },
    });
  }
  const busy = files.filter((f) => !RETRYABLE.includes(f.status)).map((f) => f.idx);
  if (busy.length > 0) {
    throw new AppError('CONFLICT', 'Only failed or cancelled files can be retried.', {
      details: { indices: busy.sort((a, b) => a - b) },
    });
  }
}
