/**
 * The first schema: batches, their files (which are also the local queue) and the event
 * log. Written with portable types only (text, integer, bigint) so the one migration runs
 * on SQLite and PostgreSQL alike; SQLite reads `bigint` as an integer column.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('batches')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('processor', 'text', (c) => c.notNull())
    .addColumn('preset', 'text')
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('owner', 'text')
    .addColumn('total_files', 'integer', (c) => c.notNull())
    .addColumn('count_queued', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('count_running', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('count_retrying', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('count_succeeded', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('count_failed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('count_cancelled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('input_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('output_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('aggregate', 'text')
    .addColumn('last_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .execute();
  // Listing: newest first, optionally per status or per owner; retention: by finish time.
  await db.schema.createIndex('batches_status_id').on('batches').columns(['status', 'id']).execute();
  await db.schema.createIndex('batches_owner_id').on('batches').columns(['owner', 'id']).execute();
  await db.schema.createIndex('batches_finished_at').on('batches').column('finished_at').execute();

  await db.schema
    .createTable('batch_files')
    .addColumn('batch_id', 'text', (c) => c.notNull().references('batches.id').onDelete('cascade'))
    .addColumn('idx', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('progress', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('content_type', 'text')
    .addColumn('input_bytes', 'bigint', (c) => c.notNull())
    .addColumn('output_bytes', 'bigint')
    .addColumn('output_name', 'text', (c) => c.notNull())
    .addColumn('output_type', 'text')
    .addColumn('duration_ms', 'bigint')
    .addColumn('cpu_ms', 'bigint')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('details', 'text')
    .addColumn('node', 'text')
    .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'bigint')
    .addColumn('not_before', 'bigint')
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addPrimaryKeyConstraint('batch_files_pk', ['batch_id', 'idx'])
    .execute();
  // The queue takes runnable files oldest batch first, then by index.
  await db.schema
    .createIndex('batch_files_queue')
    .on('batch_files')
    .columns(['status', 'batch_id', 'idx'])
    .execute();
  // Per-batch filters (listFiles by status, cancel, retry) and lease recovery.
  await db.schema
    .createIndex('batch_files_batch_status')
    .on('batch_files')
    .columns(['batch_id', 'status'])
    .execute();
  await db.schema
    .createIndex('batch_files_lease')
    .on('batch_files')
    .columns(['status', 'lease_expires_at'])
    .execute();

  await db.schema
    .createTable('batch_events')
    .addColumn('batch_id', 'text', (c) => c.notNull().references('batches.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('batch_events_pk', ['batch_id', 'seq'])
    .execute();
}
