/**
 * How a batch enters the store while its upload arrives: opened (hidden, `receiving`), its
 * files added in chunks as they are stored — they run meanwhile — then sealed, when it
 * becomes visible and may end. `createBatch` is the three at once. Each step logs its
 * events in its own transaction (event-log.ts): `batch.queued` at the opening, `file.failed`
 * for each file refused at submission, and the end event at the seal when nothing is left to
 * run — the same log a batch created in one step has.
 */
import type { Kysely } from 'kysely';
import type { NewFile, OpenedBatch } from '../core/ports.js';
import { applyBatchChange, runningProgress } from './batch-counters.js';
import { refusedEntries, type EventLog, type LogEntry } from './event-log.js';
import { initialCounts, newFileRow, openedBatchRow } from './rows.js';
import type { BatchRow, Database } from './schema.js';

/** How many file rows one INSERT carries: well under SQLite's limit on bound parameters. */
const INSERT_CHUNK = 200;

/**
 * Inserts the batch, receiving until `receivingUntil`. It logs nothing yet: its first files
 * log `batch.queued`, with the counts they make.
 */
export async function openBatch(
  trx: Kysely<Database>,
  batch: OpenedBatch,
  receivingUntil: number,
): Promise<void> {
  await trx.insertInto('batches').values(openedBatchRow(batch, receivingUntil)).execute();
}

/**
 * Adds `files` to a batch still receiving and renews its lease; a refused file logs
 * `file.failed`, in index order. The batch row is written last (see batch-counters.ts).
 * Undefined, with nothing written, when the batch is not receiving.
 */
export async function addFiles(
  trx: Kysely<Database>,
  log: EventLog,
  batchId: string,
  files: readonly NewFile[],
  receivingUntil: number,
  now: number,
): Promise<BatchRow | undefined> {
  const receiving = await trx
    .selectFrom('batches')
    .select('total_files')
    .where('id', '=', batchId)
    .where('receiving', '=', 1)
    .executeTakeFirst();
  if (receiving === undefined) return undefined;
  for (let i = 0; i < files.length; i += INSERT_CHUNK) {
    const chunk = files.slice(i, i + INSERT_CHUNK);
    await trx
      .insertInto('batch_files')
      .values(chunk.map((f) => newFileRow(batchId, f, now)))
      .execute();
  }
  // The first files log `batch.queued` too, once the row shows them.
  const first = receiving.total_files === 0 && files.length > 0;
  const entries: LogEntry[] = [
    ...(first ? [{ type: 'batch.queued' as const }] : []),
    ...refusedEntries(files),
  ];
  const counts = initialCounts(files);
  const bytes = files.reduce((sum, f) => sum + f.inputBytes, 0);
  const row = await trx
    .updateTable('batches')
    .set((eb) => ({
      total_files: eb('total_files', '+', files.length),
      input_bytes: eb('input_bytes', '+', bytes),
      count_queued: eb('count_queued', '+', counts.queued),
      count_failed: eb('count_failed', '+', counts.failed),
      last_seq: eb('last_seq', '+', entries.length),
      receiving_until: receivingUntil,
    }))
    .where('id', '=', batchId)
    .returningAll()
    .returning(runningProgress)
    .executeTakeFirstOrThrow();
  // Adding files never moves the status: a receiving batch is queued or running until sealed.
  const { running_progress: running, ...after } = row;
  log.add(after, running, entries, now);
  return after;
}

/**
 * Ends the upload of a batch still receiving: it is seen from now on, and turns final at
 * once when none of its files is left to run. Undefined when it is not receiving.
 */
export async function sealBatch(
  trx: Kysely<Database>,
  log: EventLog,
  batchId: string,
  now: number,
): Promise<BatchRow | undefined> {
  const sealed = await trx
    .updateTable('batches')
    .set({ receiving: 0, receiving_until: null })
    .where('id', '=', batchId)
    .where('receiving', '=', 1)
    .executeTakeFirst();
  if (sealed.numUpdatedRows === 0n) return undefined;
  return applyBatchChange(trx, log, batchId, { counts: {}, now, files: [] });
}
