/**
 * A batch's name (issue 18): what a person calls it, e.g. the folder they dropped; the stem
 * of its downloads. Null for the batches stored before, which go by their id.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('batches').addColumn('name', 'text').execute();
}
