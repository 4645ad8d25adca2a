/**
 * The events of a batch (shared/API.md, "Live progress"): what happened, in order, each with
 * a per-batch `seq` that goes 1, 2, 3, … with no gap. They are written to the durable log in
 * the same transaction as the change they report, so a client that reconnects resumes
 * exactly where it left off.
 */
import type { FileError } from './errors.js';
import type { BatchStatus, Counts, FileStatus } from './model.js';

export const EVENT_TYPES = [
  'batch.queued',
  'batch.started',
  'batch.progress',
  'batch.completed',
  'batch.failed',
  'batch.cancelled',
  'file.started',
  'file.progress',
  'file.retrying',
  'file.succeeded',
  'file.failed',
  'file.cancelled',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The end types of a batch: the last event of a finished batch is one of these. */
export const BATCH_END_TYPES: readonly EventType[] = ['batch.completed', 'batch.failed', 'batch.cancelled'];

export interface EventFile {
  index: number;
  name: string;
  status: FileStatus;
  progress: number;
  error?: FileError;
  /**
   * On `file.succeeded` only: the output's name in the results (folder path included), what
   * `GET …/files/:index/output` sends.
   */
  outputName?: string;
}

/** One entry of a batch's event log, as stored and as sent (`at` becomes ISO-8601 on the wire). */
export interface BatchEvent {
  seq: number;
  type: EventType;
  batchId: string;
  /** Epoch ms. */
  at: number;
  /** The batch status after the change. */
  status: BatchStatus;
  file?: EventFile;
  counts: Counts;
  /** Batch progress 0–100 after the change. */
  progress: number;
  etaMs: number | null;
}

/** An event as clients receive it over SSE and WebSocket: `at` as ISO-8601. */
/** `at` is null only for a damaged stored time (see core/time.ts): the stream goes on. */
export type WireEvent = Omit<BatchEvent, 'at'> & { at: string | null };

/**
 * The event type that reports a file entering `status`. A file back in the queue (a manual
 * retry, a lease recovered after a crash) is reported as `file.retrying`, the contract's
 * word for "it will run again", with `file.status` saying `queued`.
 */
export function fileEventType(status: FileStatus): EventType {
  if (status === 'running') return 'file.started';
  if (status === 'queued') return 'file.retrying';
  return `file.${status}` as EventType;
}

/** The end event of a batch that turned final with `status`. */
export function batchEndType(status: BatchStatus): EventType {
  if (status === 'failed') return 'batch.failed';
  if (status === 'cancelled') return 'batch.cancelled';
  return 'batch.completed';
}
