/**
 * The database as Kysely sees it: one interface per table, column names as in SQL. The
 * same shape holds on SQLite and PostgreSQL because both store timestamps as epoch
 * milliseconds in integer columns (PostgreSQL `bigint`, parsed back to a number), JSON as
 * text and flags as 0/1 integers — so one set of queries serves both dialects.
 */
import type { Generated, Selectable } from 'kysely';
import type { BatchStatus, FileStatus } from '../core/model.js';

/** A 0/1 flag; SQLite has no boolean type, so PostgreSQL uses an integer too. */
export type Flag = 0 | 1;

export interface BatchesTable {
  /** Time-sortable (core/ids.ts): ordering by id is ordering by creation. */
  id: string;
  status: BatchStatus;
  processor: string;
  preset: string | null;
  /** JSON object. */
  settings: string;
  token_hash: string;
  owner: string | null;
  total_files: number;
  count_queued: number;
  count_running: number;
  count_retrying: number;
  count_succeeded: number;
  count_failed: number;
  count_cancelled: number;
  input_bytes: number;
  output_bytes: number;
  cancel_requested: Flag;
  /** JSON value, or null until the processor's aggregate ran. */
  aggregate: string | null;
  /**
   * 1 while the batch's upload is still arriving (migration 0005): its files run as they
   * come, but the batch is seen by no client and cannot end until the upload seals it.
   */
  receiving: Flag;
  /** While `receiving`: until when the upload counts as alive; it renews this as it goes. */
  receiving_until: number | null;
  /** What a person calls the batch (migration 0006), or null. */
  name: string | null;
  /** The last event sequence number given out (batch_events). */
  last_seq: Generated<number>;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface BatchFilesTable {
  batch_id: string;
  idx: number;
  name: string;
  status: FileStatus;
  progress: number;
  attempts: number;
  content_type: string | null;
  input_bytes: number;
  output_bytes: number | null;
  output_name: string;
  output_type: string | null;
  duration_ms: number | null;
  cpu_ms: number | null;
  error_code: string | null;
  error_message: string | null;
  /** JSON object, or null. */
  details: string | null;
  /** JSON object (`NameFacts`): what cleaning the client's name hid; null when nothing. */
  name_facts: string | null;
  node: string | null;
  cancel_requested: Flag;
  lease_owner: string | null;
  lease_expires_at: number | null;
  /** A `retrying` file is not runnable before this time. */
  not_before: number | null;
  started_at: number | null;
  finished_at: number | null;
}

/** The durable, ordered event log of a batch; `seq` goes 1, 2, 3, … per batch. */
export interface BatchEventsTable {
  batch_id: string;
  seq: number;
  type: string;
  /** JSON object. */
  payload: string;
  at: number;
}

/** The operator's API keys (migration 0003); revoked, never deleted. */
export interface ApiKeysTable {
  /** `k_…`: what `batches.owner` holds for a batch the key created. */
  id: string;
  /** Unique. */
  name: string;
  admin: Flag;
  /** Hex SHA-256 of the key; unique. The key itself is never stored. */
  key_hash: string;
  /** The first characters of the key, for display. */
  prefix: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
  max_concurrent_batches: number | null;
  max_bytes_per_day: number | null;
}

/** Bytes a key uploaded on one UTC day (`YYYY-MM-DD`), for its daily limit (migration 0003). */
export interface KeyUsageTable {
  key_id: string;
  day: string;
  bytes: number;
}

export interface Database {
  batches: BatchesTable;
  batch_files: BatchFilesTable;
  batch_events: BatchEventsTable;
  api_keys: ApiKeysTable;
  key_usage: KeyUsageTable;
}

export type BatchRow = Selectable<BatchesTable>;
export type FileRow = Selectable<BatchFilesTable>;
export type EventRow = Selectable<BatchEventsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
