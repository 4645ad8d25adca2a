/**
 * The public shapes of a batch and a file (shared/API.md, "Read"), built from the domain
 * values. Timestamps become ISO-8601 strings here and nowhere else.
 */
import type { Batch, BatchFile, BatchStatus, Counts, FileStatus } from './model.js';
import type { FileError } from './errors.js';
import { batchProgress, estimateRemainingMs } from './progress.js';
import { iso } from './time.js';

export interface BatchView {
  id: string;
  /** What the submitter called it (core/batch-name.ts), or null. */
  name: string | null;
  status: BatchStatus;
  processor: string;
  preset: string | null;
  settings: Record<string, unknown>;
  totalFiles: number;
  counts: Counts;
  progress: number;
  etaMs: number | null;
  inputBytes: number;
  outputBytes: number;
  /** Null only when the stored time is damaged (see core/time.ts). */
  createdAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface FileView {
  index: number;
  name: string;
  status: FileStatus;
  progress: number;
  attempts: number;
  contentType: string | null;
  inputBytes: number;
  outputBytes: number | null;
  outputName: string | null;
  /** The output's media type, as its processor declared it. */
  outputType: string | null;
  durationMs: number | null;
  /** CPU time of the last run, ms. */
  cpuMs: number | null;
  error: FileError | null;
  details: Record<string, unknown> | null;
  node: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

/**
 * Settings that a client may send but that are never shown back — not in a batch view, the
 * report or anything built from them — because they are secrets (a PDF's password). A
 * processor's schema marks such a property `writeOnly: true` and its name must be listed
 * here (a test checks every built-in processor). They are stored with the batch, since the
 * worker needs them, and deleted with it.
 */
export const WRITE_ONLY_SETTINGS: readonly string[] = ['password'];

/** The settings as shown to clients: write-only ones left out. */
export function publicSettings(settings: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(settings).filter(([key]) => !WRITE_ONLY_SETTINGS.includes(key)));
}

export function toBatchView(batch: Batch, now: number): BatchView {
  return {
    id: batch.id,
    name: batch.name,
    status: batch.status,
    processor: batch.processor,
    preset: batch.preset,
    settings: publicSettings(batch.settings),
    totalFiles: batch.totalFiles,
    counts: { ...batch.counts },
    progress: batchProgress(batch.counts, batch.totalFiles, batch.runningProgress),
    etaMs: estimateRemainingMs(batch.counts, batch.totalFiles, batch.runningProgress, batch.startedAt, now),
    inputBytes: batch.inputBytes,
    outputBytes: batch.outputBytes,
    createdAt: iso(batch.createdAt),
    startedAt: iso(batch.startedAt),
    finishedAt: iso(batch.finishedAt),
  };
}

/**
 * Details that only the report (`report.json`) shows: the raw name a cleaned one hides
 * (`NameFacts.originalName`), escaped, is evidence to keep, not a name to show anywhere.
 */
export const REPORT_ONLY_DETAILS: readonly string[] = ['originalName'];

/** The file as the API shows it: report-only details left out. */
export function toFileView(file: BatchFile): FileView {
  const final = file.status === 'succeeded';
  return {
    index: file.index,
    name: file.name,
    status: file.status,
    progress: file.progress,
    attempts: file.attempts,
    contentType: file.contentType,
    inputBytes: file.inputBytes,
    outputBytes: final ? file.outputBytes : null,
    outputName: final ? file.outputName : null,
    outputType: final ? file.outputType : null,
    durationMs: file.durationMs,
    cpuMs: file.cpuMs,
    error: file.error,
    details: shownDetails(file.details),
    node: file.node,
    startedAt: iso(file.startedAt),
    finishedAt: iso(file.finishedAt),
  };
}

function shownDetails(details: Record<string, unknown> | null): Record<string, unknown> | null {
  if (details === null || !REPORT_ONLY_DETAILS.some((key) => key in details)) return details;
  return Object.fromEntries(Object.entries(details).filter(([key]) => !REPORT_ONLY_DETAILS.includes(key)));
}
