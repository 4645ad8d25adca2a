/**
 * The batch summary report (`report.json`) and its one-row-per-file CSV twin.
 */
import { stringify } from 'csv-stringify/sync';
import type { Batch, BatchFile } from './model.js';
import { runMs } from './run-time.js';
import { toBatchView, toFileView, type BatchView, type FileView } from './views.js';

export interface ReportSummary {
  totalFiles: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  /** Succeeded files over all files, 0–1. */
  successRate: number;
  /** From the batch's start to its end (or to now while it runs), a late retry's wait included. */
  wallMs: number;
  /** The time its files ran (run-time.ts): their runs' union, without waits between them. */
  runMs: number;
  /** CPU time the workers spent on the files, summed. */
  cpuMs: number;
  /** Files that ended (succeeded or failed) per second of `runMs`. */
  filesPerSecond: number;
  /** Bytes in and out over the succeeded files only, so the reduction compares like with like. */
  inputBytes: number;
  outputBytes: number;
  /**
   * 1 − out/in over the succeeded files (0.6 = 60 % smaller); negative when outputs grew.
   * Null for a processor whose outputs are reports (`produces: 'report'`): an analysis is
   * not a smaller copy of its document.
   */
  sizeReduction: number | null;
  errorsByCode: Record<string, number>;
}

/**
 * What a processor makes of a file: `copy`, the input made over, or `report`, what was found
 * in it (ProcessorDescriptor.produces).
 */
export const PROCESSOR_OUTPUTS = ['copy', 'report'] as const;
export type ProcessorOutput = (typeof PROCESSOR_OUTPUTS)[number];

export interface Report {
  batch: BatchView;
  summary: ReportSummary;
  aggregate?: unknown;
  files: FileView[];
}

/** `produces`: what the batch's processor makes of a file (ProcessorDescriptor.produces). */
export function buildReport(
  batch: Batch,
  files: readonly BatchFile[],
  now: number,
  produces: ProcessorOutput = 'copy',
): Report {
  const succeeded = files.filter((f) => f.status === 'succeeded');
  const inputBytes = sum(succeeded.map((f) => f.inputBytes));
  const outputBytes = sum(succeeded.map((f) => f.outputBytes ?? 0));
  const errorsByCode: Record<string, number> = {};
  for (const f of files) {
    if (f.error) errorsByCode[f.error.code] = (errorsByCode[f.error.code] ?? 0) + 1;
  }
  const wallMs = batch.startedAt === null ? 0 : (batch.finishedAt ?? now) - batch.startedAt;
  const finished = files.filter((f) => f.status === 'succeeded' || f.status === 'failed').length;
  const ranMs = runMs(files);
  const report: Report = {
    batch: toBatchView(batch, now),
    summary: {
      totalFiles: batch.totalFiles,
      succeeded: succeeded.length,
      failed: files.filter((f) => f.status === 'failed').length,
      cancelled: files.filter((f) => f.status === 'cancelled').length,
      successRate: batch.totalFiles === 0 ? 0 : round(succeeded.length / batch.totalFiles, 4),
      wallMs,
      runMs: ranMs,
      cpuMs: Math.round(sum(files.map((f) => f.cpuMs ?? 0))),
      filesPerSecond: ranMs > 0 ? round((finished * 1000) / ranMs, 3) : 0,
      inputBytes,
      outputBytes,
      sizeReduction:
        produces === 'report' ? null : inputBytes > 0 ? round(1 - outputBytes / inputBytes, 4) : 0,
      errorsByCode,
    },
    // With every detail: the report is where the raw name of a cleaned one is kept.
    files: files.map((f) => ({ ...toFileView(f), details: f.details })),
  };
  if (batch.aggregate !== null && batch.aggregate !== undefined) report.aggregate = batch.aggregate;
  return report;
}

export const CSV_COLUMNS = [
  'index',
  'name',
  'status',
  'attempts',
  'contentType',
  'inputBytes',
  'outputBytes',
  'outputName',
  'durationMs',
  'errorCode',
  'errorMessage',
  'startedAt',
  'finishedAt',
] as const;

/** One row per file, header first. Cells that a spreadsheet would run as a formula are quoted. */
export function reportCsv(files: readonly FileView[]): string {
  const rows = files.map((f) => [
    f.index,
    neutraliseFormula(f.name),
    f.status,
    f.attempts,
    f.contentType ?? '',
    f.inputBytes,
    f.outputBytes ?? '',
    f.outputName === null ? '' : neutraliseFormula(f.outputName),
    f.durationMs ?? '',
    f.error?.code ?? '',
    f.error ? neutraliseFormula(f.error.message) : '',
    f.startedAt ?? '',
    f.finishedAt ?? '',
  ]);
  return stringify([[...CSV_COLUMNS], ...rows]);
}

/** CSV injection: a cell starting with = + - @ (or tab/CR) is prefixed with a quote (OWASP). */
function neutraliseFormula(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
