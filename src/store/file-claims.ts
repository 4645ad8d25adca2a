/**
 * The store's side of a queue that delivers files itself (BullMQ): a delivery names one file,
 * and the database decides whether it may run — so a file delivered twice (a duplicate job,
 * a job run again after a stall) is run by one runner at a time and ends once. Also the list
 * of waiting files such a queue enqueues from. A claim tried again by the same owner, after
 * its answer was lost, gets the lease it already holds.
 */
import type { ClaimFileOptions, FileClaim, WaitingFile } from '../core/ports.js';
import type { StoreContext } from './dialect.js';
import { inLoggedTransaction } from './event-log.js';
import { heldLease, leaseFile } from './file-runs.js';
import { recoverLockedFile } from './lease-recovery.js';

export async function claimFile(ctx: StoreContext, opts: ClaimFileOptions): Promise<FileClaim> {
  const { batchId, index, now } = opts;
  return inLoggedTransaction(ctx, async (trx, log) => {
    const current = await trx
      .selectFrom('batch_files')
      .select(['status', 'attempts', 'cancel_requested', 'lease_expires_at', 'not_before', 'lease_owner'])
      .where('batch_id', '=', batchId)
      .where('idx', '=', index)
      .$if(ctx.dialect.rowLocks, (qb) => qb.forUpdate())
      .executeTakeFirst();
    if (current === undefined) return { kind: 'none' };
    let status = current.status;
    const expiresAt = current.lease_expires_at ?? 0;
    if (status === 'running' && current.lease_owner === opts.owner && expiresAt >= now) {
      // This owner's claim committed but its answer was lost: the same lease, while it lasts.
      const held = await heldLease(trx, batchId, index, opts.owner);
      return held === null ? { kind: 'none' } : { kind: 'leased', leased: held };
    }
    if (status === 'running') {
      if (expiresAt >= now) return { kind: 'wait', until: expiresAt };
      status = await recoverLockedFile(trx, log, batchId, index, current, now, opts.maxAttempts);
    }
    if (status === 'retrying' && (current.not_before ?? 0) > now) {
      return { kind: 'wait', until: current.not_before ?? now };
    }
    if (status !== 'queued' && status !== 'retrying') return { kind: 'none' };
    const leased = await leaseFile(trx, log, batchId, index, status, opts);
    return leased === null ? { kind: 'none' } : { kind: 'leased', leased };
  });
}

export async function listWaitingFiles(
  ctx: StoreContext,
  opts: { limit: number; after?: { batchId: string; index: number } },
): Promise<WaitingFile[]> {
  const { after } = opts;
  const rows = await ctx.db
    .selectFrom('batch_files')
    .select(['batch_id', 'idx', 'attempts', 'not_before'])
    .where('status', 'in', ['queued', 'retrying'])
    .$if(after !== undefined, (qb) =>
      qb.where((eb) =>
        eb.or([
          eb('batch_id', '>', after?.batchId ?? ''),
          eb.and([eb('batch_id', '=', after?.batchId ?? ''), eb('idx', '>', after?.index ?? 0)]),
        ]),
      ),
    )
    .orderBy('batch_id')
    .orderBy('idx')
    .limit(Math.max(1, Math.floor(opts.limit)))
    .execute();
  return rows.map((r) => ({
    batchId: r.batch_id,
    index: r.idx,
    attempts: r.attempts,
    notBefore: r.not_before,
  }));
}
