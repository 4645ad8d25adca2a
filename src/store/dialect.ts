/**
 * What differs between SQLite and PostgreSQL for the store, kept as data so one
 * implementation serves both, and the write transaction both use. Everything else —
 * queries, guards, counter updates — is the same SQL on either database.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { BatchEvent } from '../core/events.js';
import type { Database } from './schema.js';

export interface StoreDialect {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Opens a write transaction. SQLite's `begin immediate` takes the write lock up front,
   * so a second process on the same file waits (busy_timeout) instead of failing with
   * SQLITE_BUSY when a read later upgrades to a write.
   */
  readonly begin: CompiledQuery;
  /**
   * Whether rows can be locked (`FOR UPDATE`, `SKIP LOCKED`). SQLite has a single writer:
   * the write transaction is the lock, and the syntax does not exist.
   */
  readonly rowLocks: boolean;
  /**
   * SQL that makes every commit so far survive a power loss, run after a batch is created
   * (a 202 promises it). SQLite runs with `synchronous=NORMAL` — commits survive a crash of
   * the process, not of the machine, and cost no fsync each — so a checkpoint, which fsyncs
   * the WAL first, is what makes a new batch durable. PostgreSQL commits are durable already.
   */
  readonly makeDurable: string | null;
}

export const SQLITE_DIALECT: StoreDialect = Object.freeze({
  kind: 'sqlite',
  begin: CompiledQuery.raw('begin immediate'),
  rowLocks: false,
  makeDurable: 'pragma wal_checkpoint(PASSIVE)',
});
export const POSTGRES_DIALECT: StoreDialect = Object.freeze({
  kind: 'postgres',
  begin: CompiledQuery.raw('begin'),
  rowLocks: true,
  makeDurable: null,
});

/** A database handle and the dialect facts about it; what every store operation takes. */
export interface StoreContext {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;
  /** Called after each commit that logged events, with those events in seq order (event-log.ts). */
  readonly notify?: (events: BatchEvent[]) => void;
}

// Compiled once: `sql.raw(…)` builds and compiles its query again on every call, and every
// change of a file's state runs these (`npm run bench overhead`).
const COMMIT = CompiledQuery.raw('commit');
const ROLLBACK = CompiledQuery.raw('rollback');

/**
 * Runs `fn` in one transaction on one connection: committed when it resolves, rolled back
 * when it throws (the error is rethrown unchanged).
 */
export async function inTransaction<T>(
  ctx: StoreContext,
  fn: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return ctx.db.connection().execute(async (conn) => {
    await conn.executeQuery(ctx.dialect.begin);
    try {
      const result = await fn(conn);
      await conn.executeQuery(COMMIT);
      return result;
    } catch (error) {
      // A failed rollback (e.g. the connection is gone) must not hide the error that caused it.
      await conn.executeQuery(ROLLBACK).catch(() => undefined);
      throw error;
    }
  });
}
