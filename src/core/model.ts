/**
 * The domain: a batch of files, their states and the legal moves between them
 * (shared/API.md, "States"). Pure: every function here takes values and returns values.
 */
import type { FileError } from './errors.js';

export const BATCH_STATUSES = [
  'queued',
  'running',
  'completed',
  'completed_with_errors',
  'failed',
  'cancelled',
] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

export const FILE_STATUSES = ['queued', 'running', 'retrying', 'succeeded', 'failed', 'cancelled'] as const;
export type FileStatus = (typeof FILE_STATUSES)[number];

export const FINAL_FILE_STATUSES: readonly FileStatus[] = ['succeeded', 'failed', 'cancelled'];
export const FINAL_BATCH_STATUSES: readonly BatchStatus[] = [
  'completed',
  'completed_with_errors',
  'failed',
  'cancelled',
];

export type Counts = Record<FileStatus, number>;

export function emptyCounts(): Counts {
  return { queued: 0, running: 0, retrying: 0, succeeded: 0, failed: 0, cancelled: 0 };
}

export function isFinalFile(status: FileStatus): boolean {
  return FINAL_FILE_STATUSES.includes(status);
}

export function isFinalBatch(status: BatchStatus): boolean {
  return FINAL_BATCH_STATUSES.includes(status);
}

/** Which file moves are legal. A final state is left only by an explicit retry. */
const FILE_TRANSITIONS: Record<FileStatus, readonly FileStatus[]> = {
  queued: ['running', 'cancelled', 'failed'],
  running: ['succeeded', 'failed', 'cancelled', 'retrying', 'queued'],
  retrying: ['running', 'cancelled', 'failed'],
  succeeded: [],
  failed: ['queued'],
  cancelled: ['queued'],
};

export function canMoveFile(from: FileStatus, to: FileStatus): boolean {
  return FILE_TRANSITIONS[from].includes(to);
}

export interface Batch {
  id: string;
  /** What a person calls it (core/batch-name.ts), or null: it goes by its id. */
  name: string | null;
  status: BatchStatus;
  processor: string;
  preset: string | null;
  settings: Record<string, unknown>;
  totalFiles: number;
  counts: Counts;
  inputBytes: number;
  outputBytes: number;
  /** Set by a cancel request; cleared by a retry. Makes the final status `cancelled`. */
  cancelRequested: boolean;
  /** Sum of the `progress` of running files (0–100 each), for the batch progress. */
  runningProgress: number;
  aggregate: unknown;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface BatchFile {
  batchId: string;
  index: number;
  /** The normalised relative path the client sent; display and ZIP layout only. */
  name: string;
  status: FileStatus;
  progress: number;
  attempts: number;
  /** Sniffed content type, or null when unrecognised. */
  contentType: string | null;
  inputBytes: number;
  outputBytes: number | null;
  outputName: string | null;
  outputType: string | null;
  durationMs: number | null;
  cpuMs: number | null;
  error: FileError | null;
  details: Record<string, unknown> | null;
  node: string | null;
  cancelRequested: boolean;
  startedAt: number | null;
  finishedAt: number | null;
}

/**
 * The batch status that its file counts imply. A batch is final once no file is waiting
 * or running and its upload is over (`receiving` false: more files may still come while it
 * is true); which final status depends on what succeeded and on a cancel request.
 */
export function deriveBatchStatus(
  counts: Counts,
  totalFiles: number,
  cancelRequested: boolean,
  started: boolean,
  receiving = false,
): BatchStatus {
  const finished = counts.succeeded + counts.failed + counts.cancelled;
  // Files refused at submission do not start a batch: it is queued until a file is taken.
  if (finished < totalFiles || receiving) return started ? 'running' : 'queued';
  if (cancelRequested) return 'cancelled';
  if (counts.succeeded === totalFiles) return 'completed';
  if (counts.succeeded > 0) return 'completed_with_errors';
  return 'failed';
}

/** What confines a worker: `bwrap` (bubblewrap, and the permission model inside), `permission` (Node's permission model only), `none`. */
export const SANDBOX_LEVELS = ['bwrap', 'permission', 'none'] as const;
export type SandboxLevel = (typeof SANDBOX_LEVELS)[number];
