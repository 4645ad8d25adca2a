/**
 * The operator's API keys (issue 14): one row per key, holding only the key's SHA-256, with
 * optional limits, and the ledger of what each key uploaded per day. Portable types only, as in 0001, so it runs on SQLite and PostgreSQL alike.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('admin', 'integer', (c) => c.notNull().defaultTo(0))
    // Unique: the lookup of a presented key is by its hash, and must find one row at most.
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .addColumn('max_concurrent_batches', 'integer')
    .addColumn('max_bytes_per_day', 'bigint')
    .execute();
  // What each key uploaded per UTC day, for its daily limit: a ledger, so that deleting a
  // batch does not give its bytes back.
  await db.schema
    .createTable('key_usage')
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('key_usage_pk', ['key_id', 'day'])
    .execute();
}
