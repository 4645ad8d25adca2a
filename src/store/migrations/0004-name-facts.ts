/**
 * What cleaning a file's name hid (issue 16): a name cut to the length limit, unseen
 * characters removed, and the raw name, escaped, for the report. A column of its own beside
 * `details`, which each run of the file replaces: the name's facts outlive every run. JSON
 * text, null for a name kept as sent (every file stored before this migration).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('batch_files').addColumn('name_facts', 'text').execute();
}
