/**
 * Translation between database rows and domain values: snake_case columns to camelCase
 * fields, 0/1 flags to booleans, JSON text to objects, split error columns to `FileError`.
 * Also the opaque pagination cursors. No queries here.
 */
import { AppError, isErrorCode, type FileError } from '../core/errors.js';
import type { BatchEvent, EventFile, EventType } from '../core/events.js';
import { emptyCounts, type Batch, type BatchFile, type Counts, type FileStatus } from '../core/model.js';
import type { NewFile, OpenedBatch } from '../core/ports.js';
import { isPlausibleTime } from '../core/time.js';
import type { BatchRow, EventRow, FileRow, Flag } from './schema.js';

/** The counter column of each file status. */
export const COUNT_COLUMNS = {
  queued: 'count_queued',
  running: 'count_running',
  retrying: 'count_retrying',
  succeeded: 'count_succeeded',
  failed: 'count_failed',
  cancelled: 'count_cancelled',
} as const satisfies Record<FileStatus, keyof BatchRow>;

export function flag(value: boolean): Flag {
  return value ? 1 : 0;
}

/** Damaged times already reported: each once per process, and not without bound. */
const reportedTimes = new Set<string>();
const MAX_REPORTED_TIMES = 1000;

/**
 * A stored time as read back: itself when plausible, else null (unknown), with a warning in
 * the log the first time — so one damaged row never takes down a list, a report or a stream.
 * Start-up repairs such rows (migration 0002); this is the guard for anything it missed.
 */
function storedTime(value: number | null, where: string): number | null {
  if (value === null || isPlausibleTime(value)) return value;
  if (!reportedTimes.has(where) && reportedTimes.size < MAX_REPORTED_TIMES) {
    reportedTimes.add(where);
    process.emitWarning(`a stored time is not plausible and is shown as unknown: ${where} = ${value}`, {
      code: 'FILEMILL_DAMAGED_TIME',
    });
  }
  return null;
}

function parseJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

export function countsOf(row: BatchRow): Counts {
  return {
    queued: row.count_queued,
    running: row.count_running,
    retrying: row.count_retrying,
    succeeded: row.count_succeeded,
    failed: row.count_failed,
    cancelled: row.count_cancelled,
  };
}

export function toBatch(row: BatchRow, runningProgress: number | string | null): Batch {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    processor: row.processor,
    preset: row.preset,
    settings: parseJson<Record<string, unknown>>(row.settings) ?? {},
    totalFiles: row.total_files,
    counts: countsOf(row),
    inputBytes: Number(row.input_bytes),
    outputBytes: Number(row.output_bytes),
    cancelRequested: row.cancel_requested === 1,
    // A SQL sum: null over no rows, and possibly a string where a driver widens it.
    runningProgress: Number(runningProgress ?? 0),
    aggregate: parseJson<unknown>(row.aggregate),
    // A non-null column: the view shows an implausible one as unknown (core/time.ts iso()).
    createdAt: storedTime(row.created_at, `batch ${row.id} created_at`) ?? row.created_at,
    startedAt: storedTime(row.started_at, `batch ${row.id} started_at`),
    finishedAt: storedTime(row.finished_at, `batch ${row.id} finished_at`),
  };
}

function toFileError(row: Pick<FileRow, 'error_code' | 'error_message'>): FileError | null {
  if (row.error_code === null) return null;
  // A code this version no longer knows still reads as an error rather than as success.
  const code = isErrorCode(row.error_code) ? row.error_code : 'INTERNAL';
  return { code, message: row.error_message ?? '' };
}

export function toFile(row: FileRow): BatchFile {
  return {
    batchId: row.batch_id,
    index: row.idx,
    name: row.name,
    status: row.status,
    progress: row.progress,
    attempts: row.attempts,
    contentType: row.content_type,
    inputBytes: Number(row.input_bytes),
    outputBytes: row.output_bytes,
    outputName: row.output_name,
    outputType: row.output_type,
    durationMs: row.duration_ms,
    cpuMs: row.cpu_ms,
    error: toFileError(row),
    details: withNameFacts(parseJson<Record<string, unknown>>(row.details), row.name_facts),
    node: row.node,
    cancelRequested: row.cancel_requested === 1,
    startedAt: storedTime(row.started_at, `file ${row.batch_id}/${row.idx} started_at`),
    finishedAt: storedTime(row.finished_at, `file ${row.batch_id}/${row.idx} finished_at`),
  };
}

// ---------------------------------------------------------------------------------------
/**
 * A file's details as shown: its processor's, and what cleaning its name hid, which the
 * processor cannot overwrite (a run replaces its own details, a retry clears them, the
 * name stays as it was received).
 */
function withNameFacts(
  details: Record<string, unknown> | null,
  nameFacts: string | null,
): Record<string, unknown> | null {
  if (nameFacts === null) return details;
  return { ...details, ...parseJson<Record<string, unknown>>(nameFacts) };
}

// Events

/** The file columns an event reports; writes return them (`RETURNING`) to build the event. */
export const EVENT_FILE_COLUMNS = [
  'idx',
  'name',
  'status',
  'progress',
  'error_code',
  'error_message',
  'output_name',
] as const;
export type EventFileRow = Pick<FileRow, (typeof EVENT_FILE_COLUMNS)[number]>;

export function toEventFile(row: EventFileRow): EventFile {
  const error = toFileError(row);
  const file: EventFile = { index: row.idx, name: row.name, status: row.status, progress: row.progress };
  if (error !== null) file.error = error;
  // Only once it is there to download: a client can fetch each output as its file succeeds.
  if (row.status === 'succeeded') file.outputName = row.output_name;
  return file;
}

/** What `batch_events.payload` holds: the event without the columns of its own. */
export type EventPayload = Omit<BatchEvent, 'seq' | 'type' | 'batchId' | 'at'>;

export function toEventRow(event: BatchEvent): EventRow {
  const { seq, type, batchId, at, ...payload } = event;
  return { batch_id: batchId, seq, type, at, payload: JSON.stringify(payload) };
}

export function toEvent(row: EventRow): BatchEvent {
  const payload = JSON.parse(row.payload) as EventPayload;
  // Only this store writes the log, and only types of EVENT_TYPES.
  // A non-null column: the wire shows an implausible one as unknown (core/time.ts iso()).
  const at = storedTime(row.at, `event ${row.batch_id}#${row.seq} at`) ?? row.at;
  return { seq: row.seq, type: row.type as EventType, batchId: row.batch_id, at, ...payload };
}

// ---------------------------------------------------------------------------------------
// New rows

/**
 * The row of a batch its upload just opened: no files yet, `queued`, receiving until
 * `receivingUntil`, no event logged.
 */
export function openedBatchRow(batch: OpenedBatch, receivingUntil: number): BatchRow {
  return {
    id: batch.id,
    status: 'queued',
    processor: batch.processor,
    preset: batch.preset,
    settings: JSON.stringify(batch.settings),
    token_hash: batch.tokenHash,
    owner: batch.owner,
    total_files: 0,
    count_queued: 0,
    count_running: 0,
    count_retrying: 0,
    count_succeeded: 0,
    count_failed: 0,
    count_cancelled: 0,
    input_bytes: 0,
    output_bytes: 0,
    cancel_requested: 0,
    aggregate: null,
    receiving: 1,
    receiving_until: receivingUntil,
    name: batch.name ?? null,
    created_at: batch.createdAt,
    last_seq: 0,
    started_at: null,
    finished_at: null,
  };
}

export function newFileRow(batchId: string, file: NewFile, createdAt: number): FileRow {
  const failed = file.status === 'failed';
  return {
    batch_id: batchId,
    idx: file.index,
    name: file.name,
    status: file.status,
    progress: 0,
    attempts: 0,
    content_type: file.contentType,
    input_bytes: file.inputBytes,
    output_bytes: null,
    output_name: file.outputName,
    output_type: null,
    duration_ms: null,
    cpu_ms: null,
    error_code: file.error?.code ?? null,
    error_message: file.error?.message ?? null,
    details: null,
    name_facts: file.nameFacts ? JSON.stringify(file.nameFacts) : null,
    node: null,
    cancel_requested: 0,
    lease_owner: null,
    lease_expires_at: null,
    not_before: null,
    started_at: null,
    // A file refused at submission is final from the start.
    finished_at: failed ? createdAt : null,
  };
}

/** The counts of files being added: each is queued or failed at submission. */
export function initialCounts(files: readonly NewFile[]): Counts {
  const counts = emptyCounts();
  for (const file of files) counts[file.status] += 1;
  return counts;
}

// ---------------------------------------------------------------------------------------
// Cursors: opaque to clients, so the encoding can change without breaking them.

export function encodeBatchCursor(id: string): string {
  return Buffer.from(`b:${id}`).toString('base64url');
}

/** @throws AppError `INVALID_REQUEST` for a cursor this store did not make. */
export function decodeBatchCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString();
  if (!text.startsWith('b:') || text.length < 3) throw badCursor();
  return text.slice(2);
}

export function encodeFileCursor(index: number): string {
  return Buffer.from(`f:${index}`).toString('base64url');
}

/** @throws AppError `INVALID_REQUEST` for a cursor this store did not make. */
export function decodeFileCursor(cursor: string): number {
  const match = /^f:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (match === null) throw badCursor();
  return Number(match[1]);
}

function badCursor(): AppError {
  return new AppError('INVALID_REQUEST', 'The cursor is not valid.');
}
