/**
 * The SQLite adapter of `MetadataStore`: one better-sqlite3 connection in WAL mode, the
 * default for a single machine with nothing to install. WAL with `synchronous=NORMAL`: a
 * commit survives a crash of the process (what "nothing lost" is about: a lost file-state
 * change is redone by lease recovery), and a new batch is made power-loss durable by a
 * checkpoint before its 202 (see `StoreDialect.makeDurable`). FULL would fsync every
 * file-state change, and those are on the event loop: measured 2–3 ms a file here.
 */
import { createRequire } from 'node:module';
import type Sqlite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { ApiKeyStore, MetadataStore } from '../core/ports.js';
import { SQLITE_DIALECT, inTransaction } from './dialect.js';
import { withStatementCache } from './statement-cache.js';
import { KyselyMetadataStore } from './kysely-metadata-store.js';
import { migrateToLatest } from './migrations/index.js';
import type { Database } from './schema.js';

export interface SqliteMetadataStoreOptions {
  /** The database file, created if missing; `:memory:` for a throw-away store (tests). */
  path: string;
  /**
   * How long a write waits for another process holding the write lock, in ms.
   * @defaultValue 5000
   */
  busyTimeoutMs?: number;
}

const require = createRequire(import.meta.url);

/**
 * The better-sqlite3 build for this Node. 12.x (compiled at install) on Node 20, where 13.x
 * segfaults; 13.x (Node-API, prebuilt, installed as `better-sqlite3-napi`) from Node 22 on,
 * because 12.x's `ObjectWrap` aborts the process on Node ≥ 24.19 when an idle GC finalises a
 * statement (`Assertion failed: (env) != nullptr`). Both have the same API.
 */
export function sqliteDriver(nodeMajor = Number(process.versions.node.split('.')[0])): typeof Sqlite {
  return require(nodeMajor >= 22 ? 'better-sqlite3-napi' : 'better-sqlite3') as typeof Sqlite;
}

/** Opens (creating if needed) the SQLite database at `path`. Call `migrate()` before use. */
export function createSqliteMetadataStore(opts: SqliteMetadataStoreOptions): MetadataStore & ApiKeyStore {
  const Driver = sqliteDriver();
  const connection = new Driver(opts.path);
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = NORMAL');
  // Off by default in SQLite; the cascade from batches to their files depends on it.
  connection.pragma('foreign_keys = ON');
  connection.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(connection) }),
  });
  const ctx = { db, dialect: SQLITE_DIALECT };
  return new KyselyMetadataStore({
    ...ctx,
    // Kysely runs SQLite migrations outside any transaction; inside our `begin immediate`
    // they apply whole or not at all, and a second process opening the file waits its turn.
    migrate: () => inTransaction(ctx, (trx) => migrateToLatest(trx)),
  });
}
