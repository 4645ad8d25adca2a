/**
 * The `ApiKeyStore` operations on Kysely, for SQLite and PostgreSQL alike: the `api_keys`
 * table (migration 0003) read and written with portable SQL. `KyselyMetadataStore` exposes
 * them; this module holds the queries and the row mapping.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { checkApiKeyLimits, checkApiKeyName, type ApiKey, type NewApiKey } from '../core/api-keys.js';
import { AppError } from '../core/errors.js';
import { assertPlausibleTime } from '../core/time.js';
import type { ApiKeyRow, Database } from './schema.js';

/** Every column but the hash: what leaves this module is never the secret's hash. */
const PUBLIC_COLUMNS = [
  'id',
  'name',
  'admin',
  'prefix',
  'created_at',
  'last_used_at',
  'revoked_at',
  'max_concurrent_batches',
  'max_bytes_per_day',
] as const;

type PublicRow = Pick<ApiKeyRow, (typeof PUBLIC_COLUMNS)[number]>;

export async function createApiKey(db: Kysely<Database>, key: NewApiKey): Promise<ApiKey> {
  checkApiKeyName(key.name);
  checkApiKeyLimits(key.limits);
  assertPlausibleTime(key.createdAt, 'the creation time of a key');
  const row: ApiKeyRow = {
    id: key.id,
    name: key.name,
    admin: key.admin ? 1 : 0,
    key_hash: key.hash,
    prefix: key.prefix,
    created_at: key.createdAt,
    last_used_at: null,
    revoked_at: null,
    max_concurrent_batches: key.limits.maxConcurrentBatches,
    max_bytes_per_day: key.limits.maxBytesPerDay,
  };
  // ON CONFLICT DO NOTHING (both databases have it) makes a taken name a normal answer, not
  // a driver-specific constraint error, also when two operators create the same name at once.
  const result = await db
    .insertInto('api_keys')
    .values(row)
    .onConflict((oc) => oc.column('name').doNothing())
    .executeTakeFirst();
  if (result.numInsertedOrUpdatedRows === 0n) {
    throw new AppError(
      'CONFLICT',
      `A key named ${key.name} exists already (names are never reused, even once revoked).`,
    );
  }
  return toApiKey(row);
}

export async function listApiKeys(db: Kysely<Database>): Promise<ApiKey[]> {
  const rows = await db
    .selectFrom('api_keys')
    .select(PUBLIC_COLUMNS)
    .orderBy('created_at')
    .orderBy('name')
    .execute();
  return rows.map(toApiKey);
}

export async function revokeApiKey(db: Kysely<Database>, name: string, now: number): Promise<ApiKey> {
  assertPlausibleTime(now, 'the time of a revocation');
  // Only a key still working takes the time: a second revoke keeps the first one's.
  await db
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('name', '=', name)
    .where('revoked_at', 'is', null)
    .execute();
  const row = await db
    .selectFrom('api_keys')
    .select(PUBLIC_COLUMNS)
    .where('name', '=', name)
    .executeTakeFirst();
  if (row === undefined) throw new AppError('NOT_FOUND', `There is no key named ${name}.`);
  return toApiKey(row);
}

export async function findApiKey(db: Kysely<Database>, hash: string): Promise<ApiKey | null> {
  const row = await db
    .selectFrom('api_keys')
    .select([...PUBLIC_COLUMNS, 'key_hash'])
    .where('key_hash', '=', hash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  // The index lookup compares hashes, which tells an attacker nothing about a key; comparing
  // again in constant time keeps the last word with code whose timing we know.
  if (row === undefined || !sameHash(row.key_hash, hash)) return null;
  return toApiKey(row);
}

export async function touchApiKey(db: Kysely<Database>, id: string, now: number): Promise<void> {
  assertPlausibleTime(now, 'the time a key was used');
  // Requests finish out of order: a late, earlier time must not move the record back.
  await db
    .updateTable('api_keys')
    .set({ last_used_at: now })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', now)]))
    .execute();
}

export async function hasApiKeys(db: Kysely<Database>): Promise<boolean> {
  const row = await db.selectFrom('api_keys').select('id').limit(1).executeTakeFirst();
  return row !== undefined;
}

function sameHash(stored: string, presented: string): boolean {
  const a = Buffer.from(stored, 'utf8');
  const b = Buffer.from(presented, 'utf8');
  // timingSafeEqual throws on different lengths; both are hex SHA-256 when they come from us.
  return a.length === b.length && timingSafeEqual(a, b);
}

function toApiKey(row: PublicRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    admin: row.admin === 1,
    prefix: row.prefix,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    limits: {
      maxConcurrentBatches: row.max_concurrent_batches,
      maxBytesPerDay: row.max_bytes_per_day,
    },
  };
}
