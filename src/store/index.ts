/**
 * Picks the metadata store from the configuration: PostgreSQL when a `postgres://` URL is
 * given (several machines), else SQLite in the data folder (one machine, nothing to install).
 * Each adapter is loaded only when chosen: `pg` costs a SQLite start (`filemill submit`
 * without a server, above all) ~45 ms of CPU for nothing. The adapters themselves are
 * imported from their own modules.
 */
import { join } from 'node:path';
import type { ApiKeyStore, MetadataStore } from '../core/ports.js';

/** The SQLite file's name inside the data folder. */
export const SQLITE_FILE_NAME = 'filemill.db';

export interface OpenMetadataStoreOptions {
  /** `postgres://…` or `postgresql://…` selects PostgreSQL; unset or empty, SQLite. */
  databaseUrl?: string;
  /** The data folder (must exist); SQLite keeps `filemill.db` here. */
  dataDir: string;
}

/**
 * Opens the configured store (batches, and the API keys on the same database), not yet
 * migrated: call `migrate()` at start-up.
 * @throws Error for a database URL of another kind (a typo must not fall back to SQLite).
 */
export async function openMetadataStore(
  opts: OpenMetadataStoreOptions,
): Promise<MetadataStore & ApiKeyStore> {
  const url = opts.databaseUrl;
  if (url === undefined || url === '') {
    const { createSqliteMetadataStore } = await import('./sqlite-metadata-store.js');
    return createSqliteMetadataStore({ path: join(opts.dataDir, SQLITE_FILE_NAME) });
  }
  if (/^postgres(ql)?:\/\//i.test(url)) {
    const { createPostgresMetadataStore } = await import('./postgres-metadata-store.js');
    return createPostgresMetadataStore({ url });
  }
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? 'no scheme';
  throw new Error(`the database URL must start with postgres:// or postgresql://, not ${scheme}`);
}
