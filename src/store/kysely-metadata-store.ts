/**
 * `MetadataStore` on Kysely: one implementation for SQLite and PostgreSQL, the few
 * differences between them passed in as data (`StoreDialect`). This module holds the batch
 * lifecycle and the reads; the queue operations live in file-runs.ts and lease-recovery.ts,
 * cancel and retry in batch-control.ts, the batch counters in batch-counters.ts, the
 * event log in event-log.ts and the API keys (the `ApiKeyStore` port) in api-keys.ts.
 */
import { sql, type Kysely } from 'kysely';
import type { ApiKey, NewApiKey } from '../core/api-keys.js';
import type { BatchEvent } from '../core/events.js';
import type { Batch, BatchFile } from '../core/model.js';
import { FINAL_BATCH_STATUSES } from '../core/model.js';
import type {
  ApiKeyStore,
  ClaimFileOptions,
  ClaimNextOptions,
  FileClaim,
  FileOutcome,
  LeasedFile,
  ListBatchesQuery,
  ListFilesQuery,
  MetadataStore,
  NewBatch,
  NewFile,
  OpenedBatch,
  Page,
  RecoverLeasesOptions,
  WaitingFile,
} from '../core/ports.js';
import * as apiKeys from './api-keys.js';
import { cancel, retry } from './batch-control.js';
import { runningProgress } from './batch-counters.js';
import type { StoreContext, StoreDialect } from './dialect.js';
import { claimFile, listWaitingFiles } from './file-claims.js';
import { inLoggedTransaction, listEvents, type EventLog } from './event-log.js';
import * as intake from './batch-intake.js';
import * as runs from './file-runs.js';
import { recoverExpiredLeases } from './lease-recovery.js';
import {
  decodeBatchCursor,
  decodeFileCursor,
  encodeBatchCursor,
  encodeFileCursor,
  toBatch,
  toFile,
} from './rows.js';
import type { Database } from './schema.js';
import { assertPlausibleTime, utcDay } from '../core/time.js';

/** How many ids one `IN (…)` list carries. */
const LOOKUP_CHUNK = 500;

export interface KyselyMetadataStoreOptions {
  db: Kysely<Database>;
  dialect: StoreDialect;
  /** Applies the migrations the way this database needs (PostgreSQL: under a lock). */
  migrate: () => Promise<void>;
}

export class KyselyMetadataStore implements MetadataStore, ApiKeyStore {
  readonly kind: 'sqlite' | 'postgres';
  readonly #ctx: StoreContext;
  readonly #migrate: () => Promise<void>;
  #listener: ((events: BatchEvent[]) => void) | undefined;

  constructor(opts: KyselyMetadataStoreOptions) {
    this.kind = opts.dialect.kind;
    this.#ctx = {
      db: opts.db,
      dialect: opts.dialect,
      notify: (events) => this.#listener?.(events),
    };
    this.#migrate = opts.migrate;
  }

  get #db(): Kysely<Database> {
    return this.#ctx.db;
  }

  migrate(): Promise<void> {
    return this.#migrate();
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.#db);
  }

  /** Closes the connection (SQLite) or ends the pool (PostgreSQL). */
  async close(): Promise<void> {
    await this.#db.destroy();
  }

  async createBatch(batch: NewBatch): Promise<Batch> {
    assertPlausibleTime(batch.createdAt, 'a batch creation time');
    const { files, ...opened } = batch;
    await inLoggedTransaction(this.#ctx, async (trx, log) => {
      await intake.openBatch(trx, opened, batch.createdAt);
      await intake.addFiles(trx, log, batch.id, files, batch.createdAt, batch.createdAt);
      await this.#seal(trx, log, batch.id, batch.createdAt);
    });
    return this.#durableBatch(batch.id);
  }

  async openBatch(batch: OpenedBatch, receivingUntil: number): Promise<void> {
    assertPlausibleTime(batch.createdAt, 'a batch creation time');
    await intake.openBatch(this.#db, batch, receivingUntil);
  }

  async addFiles(
    batchId: string,
    files: readonly NewFile[],
    receivingUntil: number,
    now: number,
  ): Promise<boolean> {
    assertPlausibleTime(now, 'the time files were added');
    const row = await inLoggedTransaction(this.#ctx, (trx, log) =>
      intake.addFiles(trx, log, batchId, files, receivingUntil, now),
    );
    return row !== undefined;
  }

  async sealBatch(batchId: string, now: number): Promise<Batch | null> {
    assertPlausibleTime(now, 'the time an upload ended');
    const sealed = await inLoggedTransaction(this.#ctx, (trx, log) => this.#seal(trx, log, batchId, now));
    return sealed ? this.#durableBatch(batchId) : null;
  }

  /** Seals the batch and counts its bytes in its owner's usage of the day. */
  async #seal(trx: Kysely<Database>, log: EventLog, batchId: string, now: number): Promise<boolean> {
    const row = await intake.sealBatch(trx, log, batchId, now);
    if (row === undefined) return false;
    if (row.owner !== null) await addUsage(trx, row.owner, utcDay(row.created_at), Number(row.input_bytes));
    return true;
  }

  /** The batch just committed, once the commits so far survive a power loss (a 202 promises it). */
  async #durableBatch(id: string): Promise<Batch> {
    const durable = this.#ctx.dialect.makeDurable;
    if (durable) await sql.raw(durable).execute(this.#db);
    const batch = await this.getBatch(id);
    if (batch === null) throw new Error(`batch ${id} vanished as it was committed`);
    return batch;
  }

  async listAbandonedUploads(before: number, limit: number): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('batches')
      .select('id')
      .where('receiving', '=', 1)
      .where('receiving_until', '<', before)
      .orderBy('id')
      .limit(pageSize(limit))
      .execute();
    return rows.map((r) => r.id);
  }

  /**
   * Batches with the sum of their running files' progress, in one query; only sealed ones:
   * no client sees a batch whose upload is still arriving.
   */
  #selectBatches() {
    return this.#db
      .selectFrom('batches')
      .selectAll('batches')
      .select(runningProgress)
      .where('batches.receiving', '=', 0);
  }

  async getBatch(id: string): Promise<Batch | null> {
    const row = await this.#selectBatches().where('batches.id', '=', id).executeTakeFirst();
    return row === undefined ? null : toBatch(row, row.running_progress);
  }

  async getBatchAccess(id: string): Promise<{ tokenHash: string; owner: string | null } | null> {
    const row = await this.#db
      .selectFrom('batches')
      .select(['token_hash', 'owner'])
      .where('id', '=', id)
      .where('receiving', '=', 0)
      .executeTakeFirst();
    return row === undefined ? null : { tokenHash: row.token_hash, owner: row.owner };
  }

  async ownerUsage(owner: string, day: string): Promise<{ unfinishedBatches: number; bytesToday: number }> {
    const unfinished = await this.#db
      .selectFrom('batches')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('owner', '=', owner)
      .where('finished_at', 'is', null)
      .executeTakeFirst();
    const usage = await this.#db
      .selectFrom('key_usage')
      .select('bytes')
      .where('key_id', '=', owner)
      .where('day', '=', day)
      .executeTakeFirst();
    return { unfinishedBatches: Number(unfinished?.n ?? 0), bytesToday: Number(usage?.bytes ?? 0) };
  }

  async setBatchToken(id: string, tokenHash: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('batches')
      .set({ token_hash: tokenHash })
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async listBatches(query: ListBatchesQuery): Promise<Page<Batch>> {
    const limit = pageSize(query.limit);
    const { status, owner, cursor } = query;
    const rows = await this.#selectBatches()
      .$if(status !== undefined, (qb) => qb.where('batches.status', '=', status ?? 'queued'))
      .$if(owner !== undefined, (qb) => qb.where('batches.owner', owner === null ? 'is' : '=', owner ?? null))
      .$if(cursor !== undefined, (qb) => qb.where('batches.id', '<', decodeBatchCursor(cursor ?? '')))
      .orderBy('batches.id', 'desc')
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit).map((r) => toBatch(r, r.running_progress));
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeBatchCursor(last.id) : null };
  }

  async getFile(batchId: string, index: number): Promise<BatchFile | null> {
    const row = await this.#db
      .selectFrom('batch_files')
      .selectAll()
      .where('batch_id', '=', batchId)
      .where('idx', '=', index)
      .executeTakeFirst();
    return row === undefined ? null : toFile(row);
  }

  async listFiles(batchId: string, query: ListFilesQuery): Promise<Page<BatchFile>> {
    const limit = pageSize(query.limit);
    const { status, cursor } = query;
    const rows = await this.#db
      .selectFrom('batch_files')
      .selectAll()
      .where('batch_id', '=', batchId)
      .$if(status !== undefined, (qb) => qb.where('status', '=', status ?? 'queued'))
      .$if(cursor !== undefined, (qb) => qb.where('idx', '>', decodeFileCursor(cursor ?? '')))
      .orderBy('idx')
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit).map(toFile);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeFileCursor(last.index) : null };
  }

  async allFiles(batchId: string): Promise<BatchFile[]> {
    const rows = await this.#db
      .selectFrom('batch_files')
      .selectAll()
      .where('batch_id', '=', batchId)
      .orderBy('idx')
      .execute();
    return rows.map(toFile);
  }

  async claimNextFile(opts: ClaimNextOptions): Promise<LeasedFile | null> {
    assertPlausibleTime(opts.now, 'the time of a claim');
    return runs.claimNextFile(this.#ctx, opts);
  }

  async claimFile(opts: ClaimFileOptions): Promise<FileClaim> {
    assertPlausibleTime(opts.now, 'the time of a claim');
    return claimFile(this.#ctx, opts);
  }

  listWaitingFiles(opts: {
    limit: number;
    after?: { batchId: string; index: number };
  }): Promise<WaitingFile[]> {
    return listWaitingFiles(this.#ctx, opts);
  }

  async renewLease(
    batchId: string,
    index: number,
    owner: string,
    expiresAt: number,
  ): Promise<'ok' | 'lost' | 'cancel'> {
    assertPlausibleTime(expiresAt, 'a lease expiry');
    return runs.renewLease(this.#ctx, batchId, index, owner, expiresAt);
  }

  async setProgress(
    batchId: string,
    index: number,
    owner: string,
    progress: number,
    now: number,
  ): Promise<void> {
    assertPlausibleTime(now, 'the time of a progress report');
    return runs.setProgress(this.#ctx, batchId, index, owner, progress, now);
  }

  async completeFile(
    batchId: string,
    index: number,
    owner: string,
    outcome: FileOutcome,
    now: number,
  ): Promise<boolean> {
    assertPlausibleTime(now, 'the time a run ended');
    return runs.completeFile(this.#ctx, batchId, index, owner, outcome, now);
  }

  async completeAndClaimNext(
    batchId: string,
    index: number,
    owner: string,
    outcome: FileOutcome,
    now: number,
    claim: ClaimNextOptions,
  ): Promise<{ recorded: boolean; next: LeasedFile | null }> {
    assertPlausibleTime(now, 'the time a run ended');
    assertPlausibleTime(claim.now, 'the time of a claim');
    return runs.completeAndClaimNext(this.#ctx, batchId, index, owner, outcome, now, claim);
  }

  recoverExpiredLeases(opts: RecoverLeasesOptions): Promise<number> {
    return recoverExpiredLeases(this.#ctx, opts);
  }

  async cancel(batchId: string, index: number | null, now: number): Promise<{ running: number[] }> {
    assertPlausibleTime(now, 'the time of a cancel');
    return cancel(this.#ctx, batchId, index, now);
  }

  async retry(batchId: string, indices: number[] | null, now: number): Promise<number> {
    assertPlausibleTime(now, 'the time of a retry');
    return retry(this.#ctx, batchId, indices, now);
  }

  async setAggregate(batchId: string, aggregate: unknown, finishedAt: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('batches')
      .set({ aggregate: JSON.stringify(aggregate ?? null) })
      .where('id', '=', batchId)
      .where('finished_at', '=', finishedAt)
      .where('status', 'in', FINAL_BATCH_STATUSES)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async deleteBatch(id: string): Promise<boolean> {
    // Files and events go with it (ON DELETE CASCADE).
    const result = await this.#db.deleteFrom('batches').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async listFinishedBefore(before: number, limit: number): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('batches')
      .select('id')
      .where('finished_at', 'is not', null)
      .where('finished_at', '<', before)
      .orderBy('finished_at')
      .orderBy('id')
      .limit(pageSize(limit))
      .execute();
    return rows.map((r) => r.id);
  }

  async existingBatchIds(ids: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
      const chunk = ids.slice(i, i + LOOKUP_CHUNK);
      const rows = await this.#db.selectFrom('batches').select('id').where('id', 'in', chunk).execute();
      for (const row of rows) found.add(row.id);
    }
    return found;
  }

  listEvents(batchId: string, afterSeq: number, limit: number): Promise<BatchEvent[]> {
    return listEvents(this.#db, batchId, afterSeq, pageSize(limit));
  }

  /** The listener runs after each commit; what it throws (or rejects with) is ignored. */
  onEvents(listener: (events: BatchEvent[]) => void): void {
    this.#listener = listener;
  }

  createApiKey(key: NewApiKey): Promise<ApiKey> {
    return apiKeys.createApiKey(this.#db, key);
  }

  listApiKeys(): Promise<ApiKey[]> {
    return apiKeys.listApiKeys(this.#db);
  }

  revokeApiKey(name: string, now: number): Promise<ApiKey> {
    return apiKeys.revokeApiKey(this.#db, name, now);
  }

  findApiKey(hash: string): Promise<ApiKey | null> {
    return apiKeys.findApiKey(this.#db, hash);
  }

  touchApiKey(id: string, now: number): Promise<void> {
    return apiKeys.touchApiKey(this.#db, id, now);
  }

  hasApiKeys(): Promise<boolean> {
    return apiKeys.hasApiKeys(this.#db);
  }
}

/** A page size the database accepts: a whole number, at least 1. */
function pageSize(limit: number): number {
  return Math.max(1, Math.floor(Number.isFinite(limit) ? limit : 1));
}

/** Adds `bytes` to what `owner` uploaded on `day`, in the batch's own transaction. */
async function addUsage(trx: Kysely<Database>, owner: string, day: string, bytes: number): Promise<void> {
  await trx
    .insertInto('key_usage')
    .values({ key_id: owner, day, bytes })
    .onConflict((oc) =>
      oc
        .columns(['key_id', 'day'])
        .doUpdateSet((eb) => ({ bytes: sql`${eb.ref('key_usage.bytes')} + ${eb.ref('excluded.bytes')}` })),
    )
    .execute();
}
