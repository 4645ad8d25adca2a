/**
 * The PostgreSQL adapter of `MetadataStore`, for several machines sharing one database.
 * A pg pool whose `bigint` columns (timestamps, byte counts) come back as numbers — set on
 * this pool's own type table, not pg's global one — optionally confined to one schema
 * (tests use a fresh schema per run), and migrations serialised across processes.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { ApiKeyStore, MetadataStore } from '../core/ports.js';
import { POSTGRES_DIALECT } from './dialect.js';
import { KyselyMetadataStore } from './kysely-metadata-store.js';
import { migrateToLatest } from './migrations/index.js';
import type { Database } from './schema.js';

export interface PostgresMetadataStoreOptions {
  /** `postgres://user:password@host:port/database`. */
  url: string;
  /**
   * The schema to keep the tables in (created by `migrate()` when missing): the connection's
   * `search_path`. A plain lower-case identifier.
   * @defaultValue the server's default search path (usually `public`)
   */
  schema?: string;
  /**
   * Connections in the pool; at least 2, since `migrate()` holds one for its lock.
   * @defaultValue 10
   */
  maxConnections?: number;
}

const INT8_OID = 20;
/** The first key of our advisory lock (ASCII "FILE"); the second is the schema's hash. */
const MIGRATION_LOCK_CLASS = 0x46494c45;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Epoch ms and byte counts stay far below 2^53; anything past it is a bug, not data. */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`bigint ${text} does not fit a JavaScript number`);
  return value;
}

/** Connects lazily: nothing is opened until the first query. Call `migrate()` before use. */
export function createPostgresMetadataStore(opts: PostgresMetadataStoreOptions): MetadataStore & ApiKeyStore {
  if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) {
    throw new Error(`invalid PostgreSQL schema name: ${JSON.stringify(opts.schema)}`);
  }
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8_OID, parseInt8);
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: Math.max(2, opts.maxConnections ?? 10),
    // A database that does not answer at all (a network that drops packets) fails a new
    // connection in 10 s instead of the system's minutes of SYN retries; keep-alive probes
    // find dead idle connections.
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
    types,
    ...(opts.schema === undefined ? {} : { options: `-c search_path=${opts.schema}` }),
  });
  // A connection dropped under us (a database restart, a network failure) must not crash
  // the process. While idle in the pool its error reaches the pool, which discards it; while
  // checked out it reaches only the client, where pg-pool listens no more — so every client
  // gets a listener of its own. The query in flight fails; on release the pool sees the
  // connection is dead and drops it, and the next query opens a new one.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return new KyselyMetadataStore({
    db,
    dialect: POSTGRES_DIALECT,
    migrate: () => migrateUnderLock(pool, db, opts.schema),
  });
}

/**
 * Runs the migrations while holding a session advisory lock on one connection, so that
 * processes starting together apply them one after the other; the later ones find nothing
 * to do. Kysely takes its own lock too, but only around the migrations themselves: creating
 * the schema and Kysely's bookkeeping tables happens before it.
 */
async function migrateUnderLock(
  pool: pg.Pool,
  db: Kysely<Database>,
  schema: string | undefined,
): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const target = schema ?? (await currentSchema(client));
    const lockKey = [MIGRATION_LOCK_CLASS, target];
    await client.query('select pg_advisory_lock($1::int, hashtext($2))', lockKey);
    try {
      if (schema !== undefined)
        await client.query(`create schema if not exists ${pg.escapeIdentifier(schema)}`);
      // Naming the schema keeps Kysely's "does my table exist" check from seeing another schema's.
      await migrateToLatest(db, target);
    } finally {
      await client.query('select pg_advisory_unlock($1::int, hashtext($2))', lockKey);
    }
  } catch (error) {
    broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    // A connection whose unlock may not have run is destroyed, which releases the lock.
    client.release(broken);
  }
}

/** Where unqualified tables are created: the first existing schema of the search path. */
async function currentSchema(client: pg.PoolClient): Promise<string> {
  const result = await client.query<{ schema: string | null }>('select current_schema() as schema');
  return result.rows[0]?.schema ?? 'public';
}
