/**
 * The queue side of the store: a runner claims a file, holds it under a lease it renews,
 * reports progress and finally how the run ended (leases whose runner died are recovered in
 * lease-recovery.ts). Every write about a run is guarded by `status = 'running' AND
 * lease_owner = ?`, so a runner that lost its lease (or a file cancelled and retried
 * meanwhile) changes nothing, and logs nothing.
 */
import type { ExpressionBuilder, Kysely, UpdateObject } from 'kysely';
import { failpoint } from '../core/failpoints.js';
import type { FileStatus } from '../core/model.js';
import type { ClaimNextOptions, FileOutcome, LeasedFile } from '../core/ports.js';
import { applyBatchChange, move, runningProgress } from './batch-counters.js';
import type { StoreContext } from './dialect.js';
import { inLoggedTransaction, type EventLog } from './event-log.js';
import { plainValues, runPrepared, valuesFrom } from './prepared.js';
import { EVENT_FILE_COLUMNS, toEventFile, toFile } from './rows.js';
import type { Database } from './schema.js';

export type FileUpdate = UpdateObject<Database, 'batch_files'>;

/** A file and the lease owner a write about its run is guarded by. */
interface LeaseArgs {
  batchId: string;
  index: number;
  owner: string;
}

/** The file, if it is still running under this lease owner. */
function leasedBy(batchId: string, index: number, owner: string) {
  return (eb: ExpressionBuilder<Database, 'batch_files'>) =>
    eb.and([
      eb('batch_id', '=', batchId),
      eb('idx', '=', index),
      eb('status', '=', 'running'),
      eb('lease_owner', '=', owner),
    ]);
}

export const NO_LEASE = { lease_owner: null, lease_expires_at: null } as const;

export async function claimNextFile(ctx: StoreContext, opts: ClaimNextOptions): Promise<LeasedFile | null> {
  return inLoggedTransaction(ctx, (trx, log) => claimNextInside(ctx, trx, log, opts));
}

/** Inside a transaction: `claimNextFile`. */
async function claimNextInside(
  ctx: StoreContext,
  trx: Kysely<Database>,
  log: EventLog,
  opts: ClaimNextOptions,
): Promise<LeasedFile | null> {
  const { now } = opts;
  const candidate = ctx.dialect.rowLocks
    ? earliest([await lockFirstIn(trx, 'queued', now), await lockFirstIn(trx, 'retrying', now)])
    : earliest(await firstOfBoth(trx, now));
  if (candidate === undefined) return null;
  return leaseFile(trx, log, candidate.batch_id, candidate.idx, candidate.status, opts);
}

/** The first of `candidates` by batch, then index. */
function earliest(candidates: Array<Candidate | undefined>): Candidate | undefined {
  return candidates
    .filter((c) => c !== undefined)
    .sort((a, b) => (a.batch_id === b.batch_id ? a.idx - b.idx : a.batch_id < b.batch_id ? -1 : 1))[0];
}

interface Candidate {
  batch_id: string;
  idx: number;
  status: 'queued' | 'retrying';
}

/**
 * The first file in `status` by batch (ids sort by creation time: the oldest batch first),
 * then index.
 */
function firstQuery(db: Kysely<Database>, status: 'queued' | 'retrying') {
  return db
    .selectFrom('batch_files')
    .select(['batch_id', 'idx', 'status'])
    .where('status', '=', status)
    .orderBy('batch_id')
    .orderBy('idx')
    .limit(1);
}

/**
 * SQLite: the first queued file and the first retry whose back-off has passed, in one
 * statement, each still its own index seek (an OR of the two makes the planner sort every
 * queued file on each claim). PostgreSQL, whose claims lock the row they find, asks twice
 * (`lockFirstIn`): a locking clause is not allowed beside UNION.
 */
async function firstOfBoth(trx: Kysely<Database>, now: number): Promise<Candidate[]> {
  const rows = await runPrepared(
    trx,
    'claim.first.both',
    (db, a: { now: number }) =>
      db
        .selectFrom(firstQuery(db, 'queued').as('q'))
        .selectAll()
        .unionAll(
          db.selectFrom(firstQuery(db, 'retrying').where('not_before', '<=', a.now).as('r')).selectAll(),
        ),
    { now },
  );
  return rows as Candidate[];
}

/**
 * PostgreSQL: the first file in `status`, by batch (ids sort by creation time: the oldest
 * batch first) then index, a retry only once its back-off has passed; concurrent claimers
 * pass over a row another is taking instead of queueing on it.
 */
async function lockFirstIn(trx: Kysely<Database>, status: 'queued' | 'retrying', now: number) {
  const first = (db: Kysely<Database>) => firstQuery(db, status).forUpdate().skipLocked();
  const key = `claim.first.${status}.locked`;
  const [row] =
    status === 'queued'
      ? await runPrepared(trx, key, first, {})
      : await runPrepared(trx, key, (db, a: { now: number }) => first(db).where('not_before', '<=', a.now), {
          now,
        });
  return row as Candidate | undefined;
}

/**
 * Inside a transaction: makes the file `running` under `owner` if it is still in status
 * `from`, counts the attempt, starts the batch if needed and logs it. Null when the guard
 * did not match.
 */
export async function leaseFile(
  trx: Kysely<Database>,
  log: EventLog,
  batchId: string,
  index: number,
  from: 'queued' | 'retrying',
  opts: ClaimNextOptions,
): Promise<LeasedFile | null> {
  const { owner, node, leaseMs, now } = opts;
  const [file] = await runPrepared(
    trx,
    'claim.lease',
    (db, a: LeaseArgs & { node: string; expiresAt: number; now: number; from: FileStatus }) =>
      db
        .updateTable('batch_files')
        .set((eb) => ({
          status: 'running',
          attempts: eb('attempts', '+', 1),
          progress: 0,
          node: a.node,
          lease_owner: a.owner,
          lease_expires_at: a.expiresAt,
          not_before: null,
          error_code: null,
          error_message: null,
          started_at: a.now,
          finished_at: null,
        }))
        .where('batch_id', '=', a.batchId)
        .where('idx', '=', a.index)
        .where('status', '=', a.from)
        .returningAll(),
    { owner, node, expiresAt: now + leaseMs, now, batchId, index, from },
  );
  if (file === undefined) return null;
  const batch = await applyBatchChange(trx, log, batchId, {
    counts: move(from, 'running'),
    startAt: now,
    now,
    files: [toEventFile(file)],
  });
  // The foreign key makes a file without its batch impossible.
  if (batch === undefined) throw new Error(`batch ${batchId} vanished under its file`);
  return {
    file: toFile(file),
    processor: batch.processor,
    settings: JSON.parse(batch.settings) as Record<string, unknown>,
    leaseOwner: owner,
    batchOwner: batch.owner,
  };
}

/**
 * The lease `owner` already holds on a running file, as `leaseFile` returned it, or null: for
 * a claim tried again after its answer was lost (it may have committed).
 */
export async function heldLease(
  trx: Kysely<Database>,
  batchId: string,
  index: number,
  owner: string,
): Promise<LeasedFile | null> {
  const row = await trx
    .selectFrom('batch_files')
    .innerJoin('batches', 'batches.id', 'batch_files.batch_id')
    .selectAll('batch_files')
    .select([
      'batches.processor as batch_processor',
      'batches.settings as batch_settings',
      'batches.owner as batch_owner',
    ])
    .where('batch_files.batch_id', '=', batchId)
    .where('batch_files.idx', '=', index)
    .where('batch_files.status', '=', 'running')
    .where('batch_files.lease_owner', '=', owner)
    .executeTakeFirst();
  if (row === undefined) return null;
  const { batch_processor: processor, batch_settings: settings, batch_owner: batchOwner, ...file } = row;
  return {
    file: toFile(file),
    processor,
    settings: JSON.parse(settings) as Record<string, unknown>,
    leaseOwner: owner,
    batchOwner,
  };
}

export async function renewLease(
  ctx: StoreContext,
  batchId: string,
  index: number,
  owner: string,
  expiresAt: number,
): Promise<'ok' | 'lost' | 'cancel'> {
  const row = await ctx.db
    .updateTable('batch_files')
    .set({ lease_expires_at: expiresAt })
    .where(leasedBy(batchId, index, owner))
    .returning('cancel_requested')
    .executeTakeFirst();
  if (row === undefined) return 'lost';
  return row.cancel_requested === 1 ? 'cancel' : 'ok';
}

/**
 * Logs `file.progress` only when the write applied: the lease is this owner's and the value
 * changed. `now` is the event's time.
 */
export async function setProgress(
  ctx: StoreContext,
  batchId: string,
  index: number,
  owner: string,
  progress: number,
  now: number,
): Promise<void> {
  const pct = Math.min(100, Math.max(0, Math.round(Number.isFinite(progress) ? progress : 0)));
  await inLoggedTransaction(ctx, async (trx, log) => {
    const file = await trx
      .updateTable('batch_files')
      .set({ progress: pct })
      .where(leasedBy(batchId, index, owner))
      .where('progress', '<>', pct)
      .returning(EVENT_FILE_COLUMNS)
      .executeTakeFirst();
    if (file === undefined) return;
    // No counter moves: the batch row is updated only to number the event (file, then batch).
    const batch = await trx
      .updateTable('batches')
      .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
      .where('id', '=', batchId)
      .returningAll()
      .returning(runningProgress)
      .executeTakeFirstOrThrow();
    log.add(batch, batch.running_progress, [{ type: 'file.progress', file: toEventFile(file) }], now);
  });
}

/** The file columns an outcome writes, and the status it leaves the file in. */
function outcomeUpdate(outcome: FileOutcome, now: number): { status: FileStatus; values: FileUpdate } {
  switch (outcome.kind) {
    case 'succeeded':
      return {
        status: 'succeeded',
        values: {
          progress: 100,
          output_bytes: outcome.outputBytes,
          output_type: outcome.outputType,
          duration_ms: outcome.durationMs,
          cpu_ms: outcome.cpuMs,
          details: outcome.details === null ? null : JSON.stringify(outcome.details),
          finished_at: now,
        },
      };
    case 'failed':
      return {
        status: 'failed',
        values: {
          error_code: outcome.error.code,
          error_message: outcome.error.message,
          duration_ms: outcome.durationMs,
          cpu_ms: outcome.cpuMs,
          details: outcome.details === null ? null : JSON.stringify(outcome.details),
          finished_at: now,
        },
      };
    case 'retrying':
      return {
        status: 'retrying',
        values: {
          progress: 0,
          error_code: outcome.error.code,
          error_message: outcome.error.message,
          not_before: outcome.notBefore,
        },
      };
    case 'requeued':
      // The run gives back the attempt its claim counted: the file was never at fault. The
      // error stays, so a client sees why the file waits; the next claim clears it.
      return {
        status: 'queued',
        values: {
          attempts: (eb) => eb('attempts', '-', 1),
          progress: 0,
          node: null,
          started_at: null,
          error_code: outcome.error.code,
          error_message: outcome.error.message,
        },
      };
    case 'cancelled':
      return { status: 'cancelled', values: { error_code: null, error_message: null, finished_at: now } };
  }
}

export async function completeFile(
  ctx: StoreContext,
  batchId: string,
  index: number,
  owner: string,
  outcome: FileOutcome,
  now: number,
): Promise<boolean> {
  const done = await inLoggedTransaction(ctx, (trx, log) =>
    completeInside(ctx, trx, log, batchId, index, owner, outcome, now),
  );
  if (done) failpoint('file.complete.after-commit');
  return done;
}

/** `completeFile` and `claimNextFile` in one transaction (see `MetadataStore.completeAndClaimNext`). */
export async function completeAndClaimNext(
  ctx: StoreContext,
  batchId: string,
  index: number,
  owner: string,
  outcome: FileOutcome,
  now: number,
  claim: ClaimNextOptions,
): Promise<{ recorded: boolean; next: LeasedFile | null }> {
  const result = await inLoggedTransaction(ctx, async (trx, log) => {
    const recorded = await completeInside(ctx, trx, log, batchId, index, owner, outcome, now);
    return { recorded, next: await claimNextInside(ctx, trx, log, claim) };
  });
  if (result.recorded) failpoint('file.complete.after-commit');
  return result;
}

/** Inside a transaction: records how the run ended (see `completeFile`). */
async function completeInside(
  ctx: StoreContext,
  trx: Kysely<Database>,
  log: EventLog,
  batchId: string,
  index: number,
  owner: string,
  outcome: FileOutcome,
  now: number,
): Promise<boolean> {
  const lease: LeaseArgs = { batchId, index, owner };
  // A cancel request wins over every ending but success: that result is already made, so a
  // success need not read the request (the update below still checks the lease).
  const cancelled = outcome.kind !== 'succeeded' && (await cancelRequested(ctx, trx, lease));
  if (cancelled === null) return false;
  const { status, values } = outcomeUpdate(cancelled ? { kind: 'cancelled' } : outcome, now);
  // Each status sets the same columns every time: one query per status, the values its arguments.
  const [file] = await runPrepared(
    trx,
    `complete.set.${status}`,
    (db, a: LeaseArgs & FileUpdate) =>
      db
        .updateTable('batch_files')
        .set({ ...values, ...valuesFrom(a, values), ...NO_LEASE, status })
        .where(leasedBy(a.batchId, a.index, a.owner))
        .returning(EVENT_FILE_COLUMNS),
    { ...plainValues(values), ...lease },
  );
  if (file === undefined) return false;
  await applyBatchChange(trx, log, batchId, {
    counts: move('running', status),
    ...(outcome.kind === 'succeeded' ? { outputBytes: outcome.outputBytes } : {}),
    now,
    files: [toEventFile(file)],
  });
  failpoint('file.complete.before-commit');
  return true;
}

/** Whether a cancel was asked for the file `lease` names; null when the lease is not held. */
async function cancelRequested(
  ctx: StoreContext,
  trx: Kysely<Database>,
  lease: LeaseArgs,
): Promise<boolean | null> {
  const [current] = await runPrepared(
    trx,
    `complete.current.${ctx.dialect.rowLocks}`,
    (db, a: LeaseArgs) =>
      db
        .selectFrom('batch_files')
        .select('cancel_requested')
        .where(leasedBy(a.batchId, a.index, a.owner))
        .$if(ctx.dialect.rowLocks, (qb) => qb.forUpdate()),
    lease,
  );
  return current === undefined ? null : current.cancel_requested === 1;
}
