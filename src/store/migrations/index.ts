/**
 * Every migration of the metadata database, in one place, and the function that applies
 * them. The list is static (no filesystem scanning) so a bundled or compiled server finds
 * the same migrations as the source tree; names sort in the order they must run.
 */
import { Migrator, type Kysely, type Migration } from 'kysely';
import * as initial from './0001-initial.js';
import * as repairTimes from './0002-repair-times.js';
import * as apiKeys from './0003-api-keys.js';
import * as nameFacts from './0004-name-facts.js';
import * as receiving from './0005-receiving.js';
import * as batchName from './0006-batch-name.js';

/** Name → migration. Append only: a released migration is never edited. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001-initial': initial,
  '0002-repair-times': repairTimes,
  '0003-api-keys': apiKeys,
  '0004-name-facts': nameFacts,
  '0005-receiving': receiving,
  '0006-batch-name': batchName,
});

/**
 * Brings the database to the latest migration. Throws (with the failing migration's error
 * as `cause`) when one fails; migrations already applied are left as they are.
 * @param migrationTableSchema the schema of Kysely's bookkeeping tables (PostgreSQL only).
 */
export async function migrateToLatest<DB>(db: Kysely<DB>, migrationTableSchema?: string): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve({ ...MIGRATIONS }) },
    ...(migrationTableSchema === undefined ? {} : { migrationTableSchema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'setup';
    throw new Error(`database migration ${failed} failed`, { cause: error });
  }
}
