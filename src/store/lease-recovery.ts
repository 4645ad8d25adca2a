/**
 * Recovery of runs whose runner died: a `running` file whose lease expired is cancelled (a
 * cancel was requested), queued again (attempts left) or failed with `WORKER_CRASHED`, each
 * in its own transaction that logs the move like any other file state change.
 */
import type { FileStatus } from '../core/model.js';
import type { RecoverLeasesOptions } from '../core/ports.js';
import { assertPlausibleTime } from '../core/time.js';
import { applyBatchChange, move } from './batch-counters.js';
import type { StoreContext } from './dialect.js';
import type { Kysely } from 'kysely';
import { inLoggedTransaction, type EventLog } from './event-log.js';
import { NO_LEASE, type FileUpdate } from './file-runs.js';
import { EVENT_FILE_COLUMNS, toEventFile } from './rows.js';
import type { Database } from './schema.js';

export async function recoverExpiredLeases(
  ctx: StoreContext,
  { expiredBefore, now, maxAttempts }: RecoverLeasesOptions,
): Promise<number> {
  assertPlausibleTime(now, 'the time of a lease recovery');
  const expired = await ctx.db
    .selectFrom('batch_files')
    .select(['batch_id', 'idx'])
    .where('status', '=', 'running')
    .where('lease_expires_at', '<', expiredBefore)
    .orderBy('batch_id')
    .orderBy('idx')
    .execute();
  let moved = 0;
  // One transaction per file: a long one over many batches would hold batch rows that
  // runners finishing their own files are waiting for.
  for (const file of expired) {
    if (await recoverOne(ctx, file, { expiredBefore, now, maxAttempts })) moved += 1;
  }
  return moved;
}

async function recoverOne(
  ctx: StoreContext,
  { batch_id: batchId, idx: index }: { batch_id: string; idx: number },
  { expiredBefore, now, maxAttempts }: RecoverLeasesOptions,
): Promise<boolean> {
  return inLoggedTransaction(ctx, async (trx, log) => {
    // Re-read under the lock: the runner may have renewed or finished since the scan.
    const current = await trx
      .selectFrom('batch_files')
      .select(['attempts', 'cancel_requested', 'lease_owner'])
      .where('batch_id', '=', batchId)
      .where('idx', '=', index)
      .where('status', '=', 'running')
      .where('lease_expires_at', '<', expiredBefore)
      .$if(ctx.dialect.rowLocks, (qb) => qb.forUpdate())
      .executeTakeFirst();
    if (current === undefined) return false;
    await recoverLockedFile(trx, log, batchId, index, current, now, maxAttempts);
    return true;
  });
}

/**
 * Inside a transaction, for a `running` file whose expired lease the caller has checked
 * (and locked): moves it as recovery does and logs it. Returns the status it left it in.
 */
export async function recoverLockedFile(
  trx: Kysely<Database>,
  log: EventLog,
  batchId: string,
  index: number,
  current: { attempts: number; cancel_requested: number },
  now: number,
  maxAttempts: number,
): Promise<FileStatus> {
  const { status, values } = recoveryUpdate(current, now, maxAttempts);
  const file = await trx
    .updateTable('batch_files')
    .set({ ...values, ...NO_LEASE, status })
    .where('batch_id', '=', batchId)
    .where('idx', '=', index)
    .returning(EVENT_FILE_COLUMNS)
    .executeTakeFirstOrThrow();
  await applyBatchChange(trx, log, batchId, {
    counts: move('running', status),
    now,
    files: [toEventFile(file)],
  });
  return status;
}

function recoveryUpdate(
  file: { attempts: number; cancel_requested: number },
  now: number,
  maxAttempts: number,
): { status: FileStatus; values: FileUpdate } {
  if (file.cancel_requested === 1) return { status: 'cancelled', values: { finished_at: now } };
  if (file.attempts < maxAttempts) {
    return { status: 'queued', values: { progress: 0, node: null, started_at: null } };
  }
  return {
    status: 'failed',
    values: {
      error_code: 'WORKER_CRASHED',
      error_message: 'The worker stopped while processing this file.',
      finished_at: now,
    },
  };
}
