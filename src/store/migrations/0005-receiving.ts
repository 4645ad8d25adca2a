/**
 * Uploads overlapped with processing (issue 17): a batch is written as its upload arrives,
 * its files run meanwhile, and the batch stays hidden (`receiving` = 1) until the upload
 * seals it. `receiving_until` is the upload's lease: a batch still receiving past it was left
 * by an API node that died mid-upload, and is deleted. Every batch stored before this
 * migration was sealed.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('batches')
    .addColumn('receiving', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('batches').addColumn('receiving_until', 'bigint').execute();
}
